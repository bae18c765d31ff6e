/**
 * Faces: detector box, 68 landmarks (JSON), quality, and the 128-byte int8 embedding (BLOB).
 * `manual` = drawn by the user (app/faces/pipeline.ts analyseBox): a re-scan keeps it.
 */
import type Database from 'better-sqlite3';
import type { FaceRecord } from '../faces/types';
import type { FaceRow } from './types';
import { EMBEDDING_BYTES } from '../faces/types';
import { iou } from '../faces/geometry';

/**
 * Overlap (intersection over union, 0..1) from which a new detection is the face the user drew
 * there: 0.5, the usual detection-matching criterion (PASCAL VOC), as app/interop/people-file.ts
 * matches faces.
 */
export const SAME_FACE_IOU = 0.5;


export class FacesRepo {
  private readonly sInsert;
  private readonly sByPhoto;
  private readonly sDeleteByPhoto;
  private readonly sAll;
  private readonly sById;
  private readonly sCount;
  private readonly sHasFace;
  private readonly sCopy;
  private readonly sManual;
  private readonly sDelete;
  private readonly sRedrawn;

  constructor(db: Database.Database) {
    this.sInsert = db.prepare(
      `INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score, manual)
       VALUES (@id, @photo_id, @x, @y, @w, @h, @score, @landmarks, @embedding, @model_id, @q_size, @q_sharpness, @q_yaw, @q_pitch, @q_roll, @q_score, @manual)`,
    );
    this.sByPhoto = db.prepare<[number], FaceRow>('SELECT * FROM faces WHERE photo_id = ? ORDER BY id');
    // A re-analysis replaces the detector's faces; the ones the user drew stay (with their decisions).
    this.sDeleteByPhoto = db.prepare('DELETE FROM faces WHERE photo_id = ? AND manual = 0');
    this.sManual = db.prepare<[number], FaceRow>('SELECT * FROM faces WHERE photo_id = ? AND manual = 1 ORDER BY id');
    this.sDelete = db.prepare('DELETE FROM faces WHERE id = ?');
    // A drawn face analysed again in place: its id (so its person, rejections and corrections) and
    // flags stay. The base and head columns are cleared as for a newly scanned face: the next
    // projection sync records the new base and applies the active learned head to it.
    this.sRedrawn = db.prepare(
      `UPDATE faces SET x = @x, y = @y, w = @w, h = @h, score = @score, landmarks = @landmarks, embedding = @embedding, model_id = @model_id,
         q_size = @q_size, q_sharpness = @q_sharpness, q_yaw = @q_yaw, q_pitch = @q_pitch, q_roll = @q_roll, q_score = @q_score,
         base_embedding = NULL, head_id = NULL
       WHERE id = @id AND photo_id = @photo_id AND manual = 1`,
    );
    this.sAll = db.prepare<[], FaceRow & { path: string }>(
      'SELECT faces.*, photos.path AS path FROM faces JOIN photos ON photos.id = faces.photo_id ORDER BY photos.path, faces.id',
    );
    this.sById = db.prepare<[number], FaceRow>('SELECT * FROM faces WHERE id = ?');
    this.sCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM faces');
    this.sHasFace = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM faces WHERE photo_id = ? LIMIT 1');
    this.sCopy = db.prepare(
      `INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, base_embedding, head_id, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score, manual)
       SELECT ?, x, y, w, h, score, landmarks, embedding, base_embedding, head_id, model_id, q_size, q_sharpness, q_yaw, q_pitch, q_roll, q_score, manual
       FROM faces WHERE photo_id = ? ORDER BY id`,
    );
  }

  /**
   * Stores a face; `manual`: drawn by the user; `id`: put back with the id it had (redo of an
   * 'add-face' correction, so that later log entries naming it still do).
   */
  insert(photoId: number, f: FaceRecord, opts: { manual?: boolean; id?: number } = {}): number {
    const r = this.sInsert.run({ ...columns(photoId, f), id: opts.id ?? null, manual: opts.manual ? 1 : 0 });
    return Number(r.lastInsertRowid);
  }

  /** A copy of a photo gets its twin's faces (same bytes, same analysis). Returns the count. */
  copyAll(fromPhotoId: number, toPhotoId: number): number {
    return this.sCopy.run(toPhotoId, fromPhotoId).changes;
  }

  byPhoto(photoId: number): FaceRow[] {
    return this.sByPhoto.all(photoId);
  }

  /** Has the photo any face row (found, drawn or marked "not a face")? One index lookup, no rows read. */
  hasAny(photoId: number): boolean {
    return this.sHasFace.get(photoId) !== undefined;
  }

  byId(id: number): FaceRow | undefined {
    return this.sById.get(id);
  }

  /** Deletes the detector's faces of a photo (a re-analysis); faces the user drew stay. */
  deleteByPhoto(photoId: number): void {
    this.sDeleteByPhoto.run(photoId);
  }

  /**
   * A photo's new analysis (the caller holds the transaction): the detector's faces replaced by
   * `detected`, the faces the user drew kept (with their person), those in `redrawn` (drawn face
   * id -> its analysis on the new pixels) rewritten in place, and a detection of a drawn face
   * (IoU >= SAME_FACE_IOU with its box as it is now) not added a second time.
   */
  replaceDetected(photoId: number, detected: readonly FaceRecord[], redrawn: ReadonlyMap<number, FaceRecord> = new Map()): void {
    this.sDeleteByPhoto.run(photoId);
    for (const [id, f] of redrawn) this.sRedrawn.run({ ...columns(photoId, f), id });
    const drawn = this.sManual.all(photoId).map((f) => ({ x: f.x, y: f.y, width: f.w, height: f.h }));
    for (const f of detected) if (!drawn.some((b) => iou(b, f.box) >= SAME_FACE_IOU)) this.insert(photoId, f);
  }

  /** The faces the user drew on a photo. */
  manualByPhoto(photoId: number): FaceRow[] {
    return this.sManual.all(photoId);
  }

  /** Deletes one face (undo of the 'add-face' that drew it); its assignment and rejections cascade. */
  delete(id: number): void {
    this.sDelete.run(id);
  }

  all(): Array<FaceRow & { path: string }> {
    return this.sAll.all();
  }

  count(): number {
    return this.sCount.get()!.n;
  }
}

/** A face's columns as the statements bind them (the embedding checked). */
function columns(photoId: number, f: FaceRecord) {
  if (!(f.embedding instanceof Int8Array) || f.embedding.length !== EMBEDDING_BYTES) {
    throw new Error(`face embedding must be an Int8Array of ${EMBEDDING_BYTES} bytes`);
  }
  return {
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
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** The stored BLOB as the engine's type. */
export function embeddingOf(row: Pick<FaceRow, 'embedding'>): Int8Array {
  return new Int8Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength);
}
