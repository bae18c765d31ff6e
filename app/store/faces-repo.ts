/** Faces: detector box, 68 landmarks (JSON), quality, and the 128-byte int8 embedding (BLOB). */
import type Database from 'better-sqlite3';
import type { FaceRecord } from '../faces/types';
import type { FaceRow } from './types';
import { EMBEDDING_BYTES } from '../faces/types';


export class FacesRepo {
  private readonly sInsert;
  private readonly sByPhoto;
  private readonly sDeleteByPhoto;
  private readonly sAll;
  private readonly sById;
  private readonly sCount;
  private readonly sCopy;

  constructor(db: Database.Database) {
    this.sInsert = db.prepare(
      `INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score)
       VALUES (@photo_id, @x, @y, @w, @h, @score, @landmarks, @embedding, @model_id, @q_size, @q_sharpness, @q_yaw, @q_pitch, @q_roll, @q_score)`,
    );
    this.sByPhoto = db.prepare<[number], FaceRow>('SELECT * FROM faces WHERE photo_id = ? ORDER BY id');
    this.sDeleteByPhoto = db.prepare('DELETE FROM faces WHERE photo_id = ?');
    this.sAll = db.prepare<[], FaceRow & { path: string }>(
      'SELECT faces.*, photos.path AS path FROM faces JOIN photos ON photos.id = faces.photo_id ORDER BY photos.path, faces.id',
    );
    this.sById = db.prepare<[number], FaceRow>('SELECT * FROM faces WHERE id = ?');
    this.sCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM faces');
    this.sCopy = db.prepare(
      `INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, base_embedding, head_id, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score)
       SELECT ?, x, y, w, h, score, landmarks, embedding, base_embedding, head_id, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score
       FROM faces WHERE photo_id = ? ORDER BY id`,
    );
  }

  insert(photoId: number, f: FaceRecord): number {
    if (!(f.embedding instanceof Int8Array) || f.embedding.length !== EMBEDDING_BYTES) {
      throw new Error(`face embedding must be an Int8Array of ${EMBEDDING_BYTES} bytes`);
    }
    const r = this.sInsert.run({
      photo_id: photoId,
      x: f.box.x,
      y: f.box.y,
      w: f.box.width,
      h: f.box.height,
      score: f.score,
      landmarks: JSON.stringify(f.landmarks.map(([x, y]) => [round2(x), round2(y)])),
      embedding: Buffer.from(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength),
      model_id: f.modelId,
      q_size: f.quality.size,
      q_sharpness: f.quality.sharpness,
      q_yaw: f.quality.yaw,
      q_pitch: f.quality.pitch,
      q_roll: f.quality.roll,
      q_score: f.quality.score,
    });
    return Number(r.lastInsertRowid);
  }

  /** A copy of a photo gets its twin's faces (same bytes, same analysis). Returns the count. */
  copyAll(fromPhotoId: number, toPhotoId: number): number {
    return this.sCopy.run(toPhotoId, fromPhotoId).changes;
  }

  byPhoto(photoId: number): FaceRow[] {
    return this.sByPhoto.all(photoId);
  }

  byId(id: number): FaceRow | undefined {
    return this.sById.get(id);
  }

  deleteByPhoto(photoId: number): void {
    this.sDeleteByPhoto.run(photoId);
  }

  all(): Array<FaceRow & { path: string }> {
    return this.sAll.all();
  }

  count(): number {
    return this.sCount.get()!.n;
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The stored BLOB as the engine's type. */
export function embeddingOf(row: Pick<FaceRow, 'embedding'>): Int8Array {
  return new Int8Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength);
}
