/**
 * The labelled faces of an indexed `<identity>/<image>` tree (eval-clusters, eval-learning): the
 * largest face of each image under DIR, labelled with the image's top folder under DIR.
 */
import type Database from 'better-sqlite3';
import { basename, dirname, relative, sep } from 'node:path';

export interface LabelledFace {
  faceId: number;
  identity: string;
}

export function labelledFaces(db: Database.Database, dataDir: string): LabelledFace[] {
  const rows = db
    .prepare<[], { path: string; face_id: number }>(
      `SELECT ph.path, f.id AS face_id FROM photos ph
       JOIN faces f ON f.id = (SELECT f2.id FROM faces f2 WHERE f2.photo_id = ph.id ORDER BY f2.w * f2.h DESC LIMIT 1)
       ORDER BY ph.path`,
    )
    .all();
  const out: LabelledFace[] = [];
  for (const r of rows) {
    const rel = relative(dataDir, r.path);
    if (rel.startsWith('..')) continue;
    out.push({ faceId: r.face_id, identity: rel.includes(sep) ? rel.split(sep)[0]! : basename(dirname(r.path)) });
  }
  return out;
}
