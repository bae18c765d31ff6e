/**
 * Faces of one photo as training negatives: two faces of one photo on two people are a cannot-link;
 * two on one person (the same face twice: a collage, a mirror, th.collage) are not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LearningService } from '../../app/learning/learning-service';
import { projectionSync } from '../../app/learning/projection';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { samePhotoPairs } from '../../app/store/training-repo';
import { libraryWithAnna } from '../helpers/synthetic-library';

const work = mkdtempSync(join(tmpdir(), 'visage-learn-photo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('training negatives from faces of one photo', () => {
  it('pairs on two people are cannot-links and counted; a pair on one person is neither', () => {
    const file = join(work, 'lib.db');
    let two: number[] = [], other = 0;
    libraryWithAnna(file, (db, svc, anna, faces) => {
      two = faces.slice(0, 2);
      const someoneElse = svc.listPeople().filter((p) => p.id !== anna).sort((a, b) => b.faceCount - a.faceCount)[0]!.id;
      other = svc.personFaceIds(someoneElse)[0]!;
      // One new photo holding two of Anna's faces and a face of someone else.
      db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (999999, '/lib/collage.jpg', 'hc', 1, 1, 640, 480, '2024-01-01')").run();
      db.prepare(`UPDATE faces SET photo_id = 999999 WHERE id IN (${[...two, other].join(',')})`).run();
    });
    const store = Store.open(file);
    try {
      const svc = new PeopleService(store.db, { projections: projectionSync });
      const pairs = (new LearningService(store.db, svc).gather().cannotLink ?? []).filter(([a, b]) => [...two, other].includes(a) && [...two, other].includes(b));
      const key = (a: number, b: number) => [Math.min(a, b), Math.max(a, b)].join('-');
      expect(pairs.map(([a, b]) => key(a, b)).sort()).toEqual([key(two[0]!, other), key(two[1]!, other)].sort());
      const all = store.db
        .prepare<[], { n: number }>(
          `SELECT COUNT(*) AS n FROM faces f JOIN face_assignments fa ON fa.face_id = f.id JOIN faces g ON g.photo_id = f.photo_id AND g.id > f.id
           JOIN face_assignments ga ON ga.face_id = g.id`,
        )
        .get()!.n;
      // every same-photo pair of assigned faces but the one of Anna's two faces
      expect(samePhotoPairs(store.db, 'dlib-resnet-v1')).toBe(all - 1);
    } finally {
      store.close();
    }
  });
});
