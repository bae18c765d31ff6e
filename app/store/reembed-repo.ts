/**
 * The queries of a model switch (app/library/reembed.ts). The new model's vectors are computed into
 * `reembed_pending` (migration 9) while the library keeps working on the old model; `switchTo`
 * moves them into `faces` and makes the new model the library's in one transaction.
 */
import type Database from 'better-sqlite3';
import { REGROUP_PENDING_KEY, setLibraryModel, setSetting } from './settings';

export interface ReembedPhoto {
  id: number;
  path: string;
  format: string | null;
}

export class ReembedRepo {
  private readonly photosQ;
  private readonly facesQ;
  private readonly pendingQ;
  private readonly countsQ;

  constructor(private readonly db: Database.Database) {
    // Faces not on `model` and without a pending vector of it.
    const todo = 'f.model_id != @model AND NOT EXISTS (SELECT 1 FROM reembed_pending r WHERE r.face_id = f.id AND r.model_id = @model)';
    this.photosQ = db.prepare<{ model: string }, ReembedPhoto>(`SELECT DISTINCT p.id, p.path, p.format FROM photos p JOIN faces f ON f.photo_id = p.id WHERE ${todo} ORDER BY p.id`);
    this.facesQ = db.prepare<{ photo: number; model: string }, { id: number; landmarks: string }>(`SELECT f.id, f.landmarks FROM faces f WHERE f.photo_id = @photo AND ${todo} ORDER BY f.id`);
    this.pendingQ = db.prepare('INSERT INTO reembed_pending (face_id, model_id, embedding) VALUES (@id, @model, @v) ON CONFLICT(face_id) DO UPDATE SET model_id = excluded.model_id, embedding = excluded.embedding');
    this.countsQ = db.prepare<{ model: string }, { todo: number; pending: number }>(
      `SELECT (SELECT count(*) FROM faces f WHERE ${todo}) AS todo, (SELECT count(*) FROM reembed_pending r JOIN faces f ON f.id = r.face_id WHERE r.model_id = @model AND f.model_id != @model) AS pending`,
    );
  }

  /** The model of the vectors waiting in the side table (a stopped switch) and how many, or null. */
  waiting(): { model: string; faces: number } | null {
    const r = this.db
      .prepare<[], { model: string; faces: number }>('SELECT r.model_id AS model, count(*) AS faces FROM reembed_pending r JOIN faces f ON f.id = r.face_id WHERE f.model_id != r.model_id GROUP BY r.model_id ORDER BY faces DESC LIMIT 1')
      .get();
    return r ?? null;
  }

  /** Drops pending vectors of any model but `model` (an earlier, abandoned switch). Returns how many. */
  dropOtherPending(model: string): number {
    return this.db.prepare('DELETE FROM reembed_pending WHERE model_id != ?').run(model).changes;
  }

  /** Photos with at least one face still to embed with `model`, by id. */
  photosToDo(model: string): ReembedPhoto[] {
    return this.photosQ.all({ model });
  }

  /** A photo's faces still to embed with `model` (landmarks as stored JSON), by id. */
  facesToDo(photoId: number, model: string): { id: number; landmarks: string }[] {
    return this.facesQ.all({ photo: photoId, model });
  }

  /** Faces still to embed with `model`, and faces whose `model` vector waits for the switch. */
  counts(model: string): { todo: number; pending: number } {
    return this.countsQ.get({ model })!;
  }

  /** A face's vector from `model`, kept aside until the switch. */
  setPending(faceId: number, embedding: Int8Array, model: string): void {
    this.pendingQ.run({ id: faceId, model, v: Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength) });
  }

  /**
   * The switch, in one transaction: every pending vector of `model` becomes its face's base
   * embedding and vector (heads of the old model no longer apply), and `model` the library's.
   * Returns the faces switched.
   */
  switchTo(model: string): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare(
          `UPDATE faces SET embedding = r.embedding, base_embedding = r.embedding, head_id = NULL, model_id = r.model_id
             FROM reembed_pending r WHERE r.face_id = faces.id AND r.model_id = ?`,
        )
        .run(model).changes;
      this.db.prepare('DELETE FROM reembed_pending').run();
      setLibraryModel(this.db, model);
      setSetting(this.db, REGROUP_PENDING_KEY, model);
      return n;
    })();
  }
}
