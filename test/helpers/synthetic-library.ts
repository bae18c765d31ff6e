/** Library databases of synthetic faces (app/people/synthetic.ts). */
import type Database from 'better-sqlite3';
import { PeopleService } from '../../app/people/people-service';
import { projectionSync } from '../../app/learning/projection';
import { synthesize } from '../../app/people/synthetic';
import { Store } from '../../app/store/store';

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

/**
 * A clustered synthetic library (600 faces, seed 5) whose largest person is named Anna, as the
 * e2e tests of the "Is this Anna?" answers start from. `then` changes it further with the store
 * still open; it gets Anna's id and her faces, best quality first.
 */
export function libraryWithAnna(file: string, then: (db: Database.Database, svc: PeopleService, anna: number, faces: number[]) => void): number {
  const store = Store.open(file);
  try {
    writeSyntheticFaces(store.db, 600, 5);
    const svc = new PeopleService(store.db, { projections: projectionSync });
    svc.update();
    const anna = svc.listPeople().sort((a, b) => b.faceCount - a.faceCount)[0]!.id;
    svc.correct({ kind: 'name', personId: anna, name: 'Anna' });
    const faces = store.db
      .prepare<[number], { id: number }>('SELECT fa.face_id AS id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id WHERE fa.person_id = ? ORDER BY f.q_score DESC, f.id')
      .all(anna)
      .map((r) => r.id);
    then(store.db, svc, anna, faces);
    return anna;
  } finally {
    store.close();
  }
}
