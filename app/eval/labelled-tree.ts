/**
 * The labelled faces of an indexed `<identity>/<image>` tree (eval-clusters, eval-learning): one
 * face per image, labelled with the image's top folder under DIR. The image's subject is the
 * largest face whose box covers the image centre (LFW and similar sets are crops centred on the
 * subject, where a bystander's face can be the larger one), else the largest face.
 */
import type Database from 'better-sqlite3';
import { basename, dirname, relative, sep } from 'node:path';

export interface LabelledFace {
  faceId: number;
  identity: string;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The subject among an image's faces (see the module comment); null for none. */
export function subjectFace<T extends Box>(faces: readonly T[], width: number, height: number): T | null {
  const cx = width / 2;
  const cy = height / 2;
  const largest = (list: readonly T[]) => list.reduce<T | null>((best, f) => (!best || f.w * f.h > best.w * best.h ? f : best), null);
  const central = faces.filter((f) => f.x <= cx && cx <= f.x + f.w && f.y <= cy && cy <= f.y + f.h);
  return largest(central) ?? largest(faces);
}

export function labelledFaces(db: Database.Database, dataDir: string): LabelledFace[] {
  const rows = db
    .prepare<[], { photo_id: number; path: string; width: number; height: number; id: number; x: number; y: number; w: number; h: number }>(
      `SELECT ph.id AS photo_id, ph.path, ph.width, ph.height, f.id, f.x, f.y, f.w, f.h
       FROM photos ph JOIN faces f ON f.photo_id = ph.id
       ORDER BY ph.path, f.id`,
    )
    .all();
  const out: LabelledFace[] = [];
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && rows[j]!.photo_id === rows[i]!.photo_id) j++;
    const faces = rows.slice(i, j);
    const first = rows[i]!;
    i = j;
    const rel = relative(dataDir, first.path);
    if (rel.startsWith('..')) continue;
    const subject = subjectFace(faces, first.width, first.height)!;
    out.push({ faceId: subject.id, identity: rel.includes(sep) ? rel.split(sep)[0]! : basename(dirname(first.path)) });
  }
  return out;
}
