/** A library database of synthetic faces (app/people/synthetic.ts), as a scan leaves it: photos and faces, no people yet. */
import type Database from 'better-sqlite3';
import { synthesize } from '../../app/people/synthetic';

/** Writes `n` synthetic faces (identities of ~40 faces, low-quality faces, strangers) of `model` into `db`. */
export function writeSyntheticFaces(db: Database.Database, n: number, seed: number, model = 'dlib-resnet-v1'): void {
  const s = synthesize({ faces: n, identities: Math.ceil(n / 40), seed });
  db.transaction(() => {
    const photo = db.prepare("INSERT OR IGNORE INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, ?, 1, 1, 640, 480, '2024-01-01')");
    const face = db.prepare("INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, ?, 0, 0, 10, 10, 0.9, '[]', ?, ?, ?)");
    for (let i = 0; i < n; i++) {
      const p = s.photoIds[i]!;
      photo.run(p, `/lib/${p}.jpg`, `h${p}`);
      face.run(s.ids[i], p, Buffer.from(s.embeddings.buffer, s.embeddings.byteOffset + i * 128, 128), model, s.quality[i]);
    }
  })();
}
