/** The queries of a model switch (app/library/reembed.ts): faces embedded by another model, re-embedded in place. */
import type Database from 'better-sqlite3';

export class ReembedRepo {
  private readonly photosQ;
  private readonly facesQ;
  private readonly updateQ;

  constructor(db: Database.Database) {
    this.photosQ = db.prepare<[string], { id: number; path: string; format: string | null }>(
      'SELECT DISTINCT p.id, p.path, p.format FROM photos p JOIN faces f ON f.photo_id = p.id WHERE f.model_id != ? ORDER BY p.id',
    );
    this.facesQ = db.prepare<[number, string], { id: number; landmarks: string }>('SELECT id, landmarks FROM faces WHERE photo_id = ? AND model_id != ? ORDER BY id');
    // The new model's vector is the new base; heads of the old model no longer apply.
    this.updateQ = db.prepare('UPDATE faces SET embedding = @v, base_embedding = @v, head_id = NULL, model_id = @model WHERE id = @id');
  }

  /** Photos with at least one face embedded by a model other than `model`, by id. */
  photosNotOn(model: string): { id: number; path: string; format: string | null }[] {
    return this.photosQ.all(model);
  }

  /** A photo's faces embedded by a model other than `model` (landmarks as stored JSON), by id. */
  facesNotOn(photoId: number, model: string): { id: number; landmarks: string }[] {
    return this.facesQ.all(photoId, model);
  }

  /** The face's new base embedding (and its vector: no head applies yet) from `model`. */
  setBaseEmbedding(faceId: number, embedding: Int8Array, model: string): void {
    this.updateQ.run({ v: Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength), model, id: faceId });
  }
}
