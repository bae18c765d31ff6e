/**
 * What clustering reads and writes: the faces of a model (as rows or as packed columns), the
 * user's decisions (user assignments, rejections), the machine's assignment, the watermark of the
 * last clustering, and the counts a re-cluster's fingerprint is made of (app/people/clustering.ts,
 * index-cache.ts). Machine writes never touch a user assignment.
 */
import type Database from 'better-sqlite3';
import { EMBEDDING_BYTES } from '../faces/types';
import { MIN_FACE_PIXELS_KEY, photoDate, shownFace } from './face-visibility';

/**
 * The birth-date rule as cannot-links: (face, person) for every face of a photo dated before the
 * person's birth date, unless the user put that face into that person. Read with the user's
 * rejections, so that clustering, the index and its suggestions never give such a face to the
 * person (a face the user assigns is theirs to decide).
 */
const BORN_AFTER = `
    SELECT f.id AS face_id, p.id AS person_id
    FROM persons p JOIN faces f JOIN photos ph ON ph.id = f.photo_id
    WHERE p.birth_date IS NOT NULL AND p.merged_into IS NULL AND ${photoDate('ph')} < p.birth_date
      AND NOT EXISTS (SELECT 1 FROM face_assignments ua WHERE ua.face_id = f.id AND ua.person_id = p.id AND ua.source = 'user')`;

/** A face as clustering reads it. */
export interface ClusterFaceRow {
  id: number;
  photo_id: number;
  embedding: Buffer;
  q_score: number | null;
}

/** Faces as packed columns: one Int8Array for all embeddings, no object or buffer per face. */
export interface FaceColumns {
  n: number;
  ids: Float64Array;
  photoIds: Float64Array;
  quality: Float32Array;
  embeddings: Int8Array;
}

/** A face's state as the in-memory index mirrors it. */
export interface FaceStateRow {
  not_a_face: number;
  model_id: string;
  person_id: number | null;
  source: string | null;
  merged_into: number | null;
}

/** Writes of the machine's assignment, prepared once for a batch. */
export interface MachineWriter {
  /** The machine puts the face into the person (a user assignment stays). */
  set(faceId: number, personId: number): void;
  /** The machine takes the face out of its person (a user assignment stays). */
  clear(faceId: number): void;
}

export class ClusterRepo {
  constructor(private readonly db: Database.Database) {}

  /** Ids of the model's faces (not-a-face and ignored small faces excluded: shownFace), ascending. */
  faceIds(model: string): number[] {
    return this.db
      .prepare<[string], { id: number }>(`SELECT id FROM faces WHERE ${shownFace('faces')} AND model_id = ? ORDER BY id`)
      .all(model)
      .map((r) => r.id);
  }

  /** The model's faces (not-a-face and ignored small faces excluded), by id. */
  faces(model: string): ClusterFaceRow[] {
    return this.db.prepare<[string], ClusterFaceRow>(`SELECT id, photo_id, embedding, q_score FROM faces WHERE ${shownFace('faces')} AND model_id = ? ORDER BY id`).all(model);
  }

  /**
   * The same faces as faces() (same order, same values), kept by `keep`, read straight into
   * packed columns.
   */
  faceColumns(model: string, keep: (id: number) => boolean): FaceColumns {
    const where = `FROM faces WHERE ${shownFace('faces')} AND model_id = ?`;
    const total = this.db.prepare<[string], { n: number }>(`SELECT count(*) AS n ${where}`).get(model)?.n ?? 0;
    const ids = new Float64Array(total);
    const photoIds = new Float64Array(total);
    const quality = new Float32Array(total);
    const embeddings = new Int8Array(total * EMBEDDING_BYTES);
    let n = 0;
    const rows = this.db.prepare(`SELECT id, photo_id, embedding, q_score ${where} ORDER BY id`).raw().iterate(model) as IterableIterator<
      [number, number, Buffer, number | null]
    >;
    for (const [id, photoId, emb, q] of rows) {
      if (!keep(id)) continue;
      if (n === total) throw new Error('faces changed while being read');
      if (emb.length < EMBEDDING_BYTES) throw new Error(`face ${id}: embedding must be Int8Array(128)`);
      ids[n] = id;
      photoIds[n] = photoId;
      quality[n] = q ?? 0;
      embeddings.set(new Int8Array(emb.buffer, emb.byteOffset, EMBEDDING_BYTES), n * EMBEDDING_BYTES);
      n++;
    }
    return { n, ids, photoIds, quality, embeddings: n === total ? embeddings : embeddings.subarray(0, n * EMBEDDING_BYTES) };
  }

  /** One face as clustering reads it (any model, not-a-face included). */
  face(id: number): ClusterFaceRow | undefined {
    return this.db.prepare<[number], ClusterFaceRow>('SELECT id, photo_id, embedding, q_score FROM faces WHERE id = ?').get(id);
  }

  /** Live persons. */
  livePersons(): { id: number; name: string | null; user_named: number }[] {
    return this.db.prepare<[], { id: number; name: string | null; user_named: number }>('SELECT id, name, user_named FROM persons WHERE merged_into IS NULL').all();
  }

  /** Assignments to live persons (any source). */
  liveAssignments(): { face_id: number; person_id: number }[] {
    return this.db
      .prepare<[], { face_id: number; person_id: number }>(
        'SELECT fa.face_id, fa.person_id FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE p.merged_into IS NULL',
      )
      .all();
  }

  /** The user's assignments to live persons (must-links). */
  userAssignments(): { face_id: number; person_id: number }[] {
    return this.db
      .prepare<[], { face_id: number; person_id: number }>(
        "SELECT fa.face_id, fa.person_id FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE fa.source = 'user' AND p.merged_into IS NULL",
      )
      .all();
  }

  /** Every "not this person" (cannot-links), with the birth-date rule's (BORN_AFTER). */
  rejections(): { face_id: number; person_id: number }[] {
    return this.db.prepare<[], { face_id: number; person_id: number }>(`SELECT face_id, person_id FROM face_rejections UNION ${BORN_AFTER}`).all();
  }

  /** The people a face may never be given by the machine because its photo predates their birth. */
  bornAfter(faceId: number): number[] {
    return this.db
      .prepare<[number], { person_id: number }>(`SELECT person_id FROM (${BORN_AFTER}) WHERE face_id = ?`)
      .all(faceId)
      .map((r) => r.person_id);
  }

  /** Every (face, person) of the birth-date rule alone (for "Same person?": app/people/merge-queue.ts). */
  bornAfterAll(): { face_id: number; person_id: number }[] {
    return this.db.prepare<[], { face_id: number; person_id: number }>(BORN_AFTER).all();
  }

  /** The machine's assignments. */
  machineAssignments(): { face_id: number; person_id: number }[] {
    return this.db.prepare<[], { face_id: number; person_id: number }>("SELECT face_id, person_id FROM face_assignments WHERE source = 'machine'").all();
  }

  /**
   * Reads of faces' states with their person's (undefined for no such face) and the persons each
   * was rejected for (ascending), prepared once for many faces.
   */
  faceStateReader(): { state(id: number): FaceStateRow | undefined; rejections(id: number): number[] } {
    const state = this.db.prepare<[number], FaceStateRow>(
      `SELECT NOT ${shownFace('f')} AS not_a_face, f.model_id, fa.person_id, fa.source, p.merged_into
       FROM faces f LEFT JOIN face_assignments fa ON fa.face_id = f.id LEFT JOIN persons p ON p.id = fa.person_id WHERE f.id = ?`,
    );
    const rejectedBy = this.db.prepare<[number, number], { person_id: number }>(
      `SELECT person_id FROM face_rejections WHERE face_id = ? UNION SELECT person_id FROM (${BORN_AFTER}) WHERE face_id = ? ORDER BY person_id`,
    );
    return { state: (id) => state.get(id), rejections: (id) => rejectedBy.all(id, id).map((x) => x.person_id) };
  }

  /**
   * Incremental clustering's writes (update): a face the machine moves keeps its source and
   * confirmed flag.
   */
  incrementalWriter(): MachineWriter {
    const set = this.db.prepare(
      `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, 'machine', 0)
       ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id WHERE face_assignments.source = 'machine'`,
    );
    const clear = this.db.prepare("DELETE FROM face_assignments WHERE face_id = ? AND source = 'machine'");
    return { set: (f, p) => void set.run(f, p), clear: (f) => void clear.run(f) };
  }

  /** A full re-cluster's writes: the machine's assignment replaced (user assignments untouched). */
  reclusterWriter(): MachineWriter {
    const set = this.db.prepare(
      `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, 'machine', 0)
       ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id, source = 'machine', confirmed = 0
       WHERE face_assignments.source = 'machine'`,
    );
    const clear = this.db.prepare("DELETE FROM face_assignments WHERE face_id = ? AND source = 'machine'");
    return { set: (f, p) => void set.run(f, p), clear: (f) => void clear.run(f) };
  }

  /** Deletes the machine's people left without faces (nobody named them, nobody was merged into them). */
  dropEmptyMachinePersons(): void {
    this.db
      .prepare(
        `DELETE FROM persons WHERE user_named = 0 AND merged_into IS NULL
           AND NOT EXISTS (SELECT 1 FROM face_assignments fa WHERE fa.person_id = persons.id)
           AND NOT EXISTS (SELECT 1 FROM persons q WHERE q.merged_into = persons.id)`,
      )
      .run();
  }

  /** Faces in a person (not-a-face and ignored small faces excluded), any model. */
  assignedCount(): number {
    return this.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM face_assignments fa JOIN faces f ON f.id = fa.face_id WHERE ${shownFace('f')}`).get()?.n ?? 0;
  }

  /** The model's faces (not-a-face excluded). */
  faceCount(model: string): number {
    return this.db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM faces WHERE ${shownFace('faces')} AND model_id = ?`).get(model)?.n ?? 0;
  }

  /**
   * What changes when the people state changes, a few index lookups and counts (a few ms at 100k
   * faces): commits by other connections (data_version), the corrections log, faces, persons,
   * assignments and rejections.
   */
  fingerprint(): unknown[] {
    const one = (sql: string) => this.db.prepare(sql).raw().get();
    return [
      this.db.pragma('data_version', { simple: true }),
      one('SELECT COUNT(*), MAX(id), SUM(undone) FROM corrections'),
      one('SELECT COUNT(*), MAX(id) FROM faces'),
      one('SELECT COUNT(*), MAX(id) FROM persons'),
      one('SELECT COUNT(*) FROM face_assignments'),
      one('SELECT COUNT(*) FROM face_rejections'),
      // what decides which faces are clustered and which may join whom
      one(`SELECT value FROM settings WHERE key = '${MIN_FACE_PIXELS_KEY}'`),
      one('SELECT group_concat(id || birth_date) FROM persons WHERE birth_date IS NOT NULL'),
    ];
  }

  /** The last face id clustering has decided (faces above it that nobody assigned are new). */
  watermark(): number {
    const r = this.db.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'people.clusteredUpTo'").get();
    return r ? Number(r.value) : 0;
  }

  /**
   * Faces the clusterer has never decided: the model's faces (not-a-face excluded) above the
   * watermark that nobody assigned. Faces at or below it that are unassigned are the pool,
   * decided already (left unassigned on purpose); these are what update() will look at.
   */
  unclusteredCount(model: string): number {
    return (
      this.db
        .prepare<[string, number], { n: number }>(
          'SELECT COUNT(*) AS n FROM faces f WHERE f.model_id = ? AND f.not_a_face = 0 AND f.id > ? AND NOT EXISTS (SELECT 1 FROM face_assignments fa WHERE fa.face_id = f.id)',
        )
        .get(model, this.watermark())?.n ?? 0
    );
  }

  setWatermark(faceId: number): void {
    this.db.prepare("INSERT INTO settings (key, value) VALUES ('people.clusteredUpTo', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(faceId));
  }
}
