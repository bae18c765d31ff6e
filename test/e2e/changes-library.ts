/**
 * The library of the "Check what changed" e2e tests: synthetic face vectors clustered, the largest
 * person named Anna, six of her faces taken out and put back by the re-cluster that finishes a
 * switch of version (here back to the base network), which records them as faces to check.
 */
import type { Page } from 'playwright-core';
import { setActiveHeadId } from '../../app/learning/projection';
import { libraryWithAnna } from '../helpers/synthetic-library';

/** Writes the library into `file`; Anna's id and the faces the switch put back into her. */
export function changesLibrary(file: string): { anna: number; joined: number[] } {
  let joined: number[] = [];
  const anna = libraryWithAnna(file, (db, svc, _anna, faces) => {
    joined = faces.slice(0, 6);
    const del = db.prepare('DELETE FROM face_assignments WHERE face_id = ?');
    db.transaction(() => joined.forEach((f) => del.run(f)))();
    setActiveHeadId(db, svc.model, 'base');
    svc.recluster();
  });
  return { anna, joined };
}

/** The faces the Learn screen lists under a person, in order. */
export const changeTileIds = (page: Page, personId: number): Promise<number[]> =>
  page.locator(`[data-change-person="${personId}"] [data-change-face]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-change-face'))));
