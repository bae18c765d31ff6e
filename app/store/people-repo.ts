/**
 * Persons, face assignments, "not this person" rejections and the not-a-face flag: the rows a
 * correction reads and writes (app/people/corrections.ts, undo.ts). Each method is one statement;
 * the caller holds the transaction. The scanner only has to keep these consistent when photos
 * move or vanish.
 */
import type Database from 'better-sqlite3';
import { CorrectionsRepo } from './corrections-repo';
import { photoDate, shownFace } from './face-visibility';
import { FacesRepo } from './faces-repo';
import type { CorrectionRow, FaceRow, PersonRow } from './types';
import type { ManualFace } from '../contract/people';
import { EMBEDDING_BYTES } from '../faces/types';

export type AssignmentSource = 'machine' | 'user';

/** One face's assignment as a correction records it. */
export interface AssignmentRow {
  person_id: number;
  source: AssignmentSource;
  confirmed: number;
}

const now = () => new Date().toISOString();

export class PeopleRepo {
  private readonly log: CorrectionsRepo;
  private readonly faces: FacesRepo;

  constructor(private readonly db: Database.Database) {
    this.log = new CorrectionsRepo(db);
    this.faces = new FacesRepo(db);
  }

  // ---------------------------------------------------------------- persons

  person(id: number): PersonRow | undefined {
    return this.db.prepare<[number], PersonRow>('SELECT id, name, hidden, cover_face_id, user_named, merged_into, created_at, birth_date FROM persons WHERE id = ?').get(id);
  }

  /** Every person row, merged ones included. */
  persons(): PersonRow[] {
    return this.db.prepare<[], PersonRow>('SELECT * FROM persons ORDER BY id').all();
  }

  /** A person with a cover face (not user-named): tests and tools. */
  addPerson(name: string | null, coverFaceId: number | null = null): number {
    return Number(this.db.prepare('INSERT INTO persons (name, hidden, cover_face_id, created_at) VALUES (?, 0, ?, ?)').run(name, coverFaceId, now()).lastInsertRowid);
  }

  /**
   * A new person (`id`: recreated with the id it had, on redo); user-named when the user made it
   * or it has a name.
   */
  createPerson(name: string | null, id?: number, byUser = false): number {
    const userNamed = byUser || name !== null ? 1 : 0;
    if (id !== undefined) {
      this.db.prepare('INSERT INTO persons (id, name, hidden, created_at, user_named) VALUES (?, ?, 0, ?, ?)').run(id, name, now(), userNamed);
      return id;
    }
    return Number(this.db.prepare('INSERT INTO persons (name, hidden, created_at, user_named) VALUES (?, 0, ?, ?)').run(name, now(), userNamed).lastInsertRowid);
  }

  /** Another live person of that name (case-insensitive), for a merge proposal. */
  sameName(name: string, exceptId: number): { id: number; name: string } | undefined {
    return this.db
      .prepare<[string, number], { id: number; name: string }>('SELECT id, name FROM persons WHERE merged_into IS NULL AND lower(name) = lower(?) AND id != ? LIMIT 1')
      .get(name, exceptId);
  }

  /** Names a person (the user did). */
  rename(id: number, name: string | null): void {
    this.db.prepare('UPDATE persons SET name = ?, user_named = 1 WHERE id = ?').run(name, id);
  }

  /** The target of a merge: user-named, with the name it keeps. */
  nameMergeTarget(id: number, name: string | null): void {
    this.db.prepare('UPDATE persons SET user_named = 1, name = ? WHERE id = ?').run(name, id);
  }

  /** The user corrected this person: it is kept through re-clusters. */
  markUserNamed(id: number): void {
    this.db.prepare('UPDATE persons SET user_named = 1 WHERE id = ?').run(id);
  }

  setMergedInto(id: number, targetId: number): void {
    this.db.prepare('UPDATE persons SET merged_into = ? WHERE id = ?').run(targetId, id);
  }

  /** Hides or shows a person (the user did). */
  setHidden(id: number, hidden: boolean): void {
    this.db.prepare('UPDATE persons SET hidden = ?, user_named = 1 WHERE id = ?').run(hidden ? 1 : 0, id);
  }

  /** A person created hidden (an import). */
  hide(id: number): void {
    this.db.prepare('UPDATE persons SET hidden = 1 WHERE id = ?').run(id);
  }

  /** The user chose the person's cover. */
  setCover(id: number, faceId: number): void {
    this.db.prepare('UPDATE persons SET cover_face_id = ?, user_named = 1 WHERE id = ?').run(faceId, id);
  }

  /** An imported cover. */
  importCover(id: number, faceId: number): void {
    this.db.prepare('UPDATE persons SET cover_face_id = ? WHERE id = ?').run(faceId, id);
  }

  /** No person keeps this face as its cover. */
  clearCover(faceId: number): void {
    this.db.prepare('UPDATE persons SET cover_face_id = NULL WHERE cover_face_id = ?').run(faceId);
  }

  /**
   * Puts a person row back as it was (undo). A row logged before birth dates existed (schema v7)
   * carries none: the birth date is then left as it is.
   */
  restorePerson(p: PersonRow): void {
    this.db
      .prepare('UPDATE persons SET name = ?, hidden = ?, cover_face_id = ?, user_named = ?, merged_into = ? WHERE id = ?')
      .run(p.name, p.hidden, p.cover_face_id, p.user_named, p.merged_into, p.id);
    if (p.birth_date !== undefined) this.db.prepare('UPDATE persons SET birth_date = ? WHERE id = ?').run(p.birth_date, p.id);
  }

  /** Sets or clears (null) a person's birth date 'YYYY-MM-DD' (the user did). */
  setBirthDate(id: number, date: string | null): void {
    this.db.prepare('UPDATE persons SET birth_date = ?, user_named = 1 WHERE id = ?').run(date, id);
  }

  /** The faces the machine put into a person whose photo is dated before `date` ('YYYY-MM-DD'). */
  machineFacesBefore(personId: number, date: string): number[] {
    return this.db
      .prepare<[number, string], { id: number }>(
        `SELECT f.id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id JOIN photos ph ON ph.id = f.photo_id
         WHERE fa.person_id = ? AND fa.source = 'machine' AND ${photoDate('ph')} < ? ORDER BY f.id`,
      )
      .all(personId, date)
      .map((r) => r.id);
  }

  /**
   * Unnamed live people the people list shows (not hidden, with shown faces) with at most
   * `maxPhotos` photos: what "Hide unnamed people with at most N photos" hides.
   */
  smallUnnamed(maxPhotos: number): number[] {
    return this.db
      .prepare<[number], { id: number }>(
        `SELECT p.id FROM persons p JOIN face_assignments fa ON fa.person_id = p.id JOIN faces f ON f.id = fa.face_id AND ${shownFace('f')}
         WHERE p.name IS NULL AND p.hidden = 0 AND p.merged_into IS NULL
         GROUP BY p.id HAVING COUNT(DISTINCT f.photo_id) <= ? ORDER BY p.id`,
      )
      .all(maxPhotos)
      .map((r) => r.id);
  }

  /** Deletes a person and its assignments (undo of a correction that created it). */
  deletePerson(id: number): void {
    this.db.prepare('DELETE FROM face_assignments WHERE person_id = ?').run(id);
    this.db.prepare('DELETE FROM persons WHERE id = ?').run(id);
  }

  // ---------------------------------------------------------------- faces

  faceExists(id: number): boolean {
    return !!this.db.prepare('SELECT 1 FROM faces WHERE id = ?').get(id);
  }

  /** The face's not_a_face flag (0 or 1), or undefined for no such face. */
  notAFace(id: number): number | undefined {
    return this.db.prepare<[number], { not_a_face: number }>('SELECT not_a_face FROM faces WHERE id = ?').get(id)?.not_a_face;
  }

  photoExists(id: number): boolean {
    return !!this.db.prepare('SELECT 1 FROM photos WHERE id = ?').get(id);
  }

  /**
   * Stores a face the user drew (manual = 1) on a photo; `id`: put back with the id it had (redo).
   * Its base embedding is recorded by the next projection sync, as for a scanned face.
   */
  addManualFace(photoId: number, f: ManualFace, id?: number): number {
    const bytes = Buffer.from(f.embedding, 'base64');
    if (bytes.length !== EMBEDDING_BYTES) throw new Error(`a drawn face's embedding must be ${EMBEDDING_BYTES} bytes, not ${bytes.length}`);
    const embedding = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.faces.insert(photoId, { box: f.box, score: f.score, landmarks: f.landmarks, quality: f.quality, embedding, modelId: f.modelId }, { manual: true, ...(id !== undefined ? { id } : {}) });
  }

  /**
   * A drawn face as it is now, in the form its correction logs it (ManualFace), or undefined for
   * none: its vector is the network's own (the base; a learned head's projection is made again).
   */
  drawnFace(id: number): ManualFace | undefined {
    const r = this.db
      .prepare<[number], FaceRow & { base: Buffer }>('SELECT *, COALESCE(base_embedding, embedding) AS base FROM faces WHERE id = ? AND manual = 1')
      .get(id);
    if (!r) return undefined;
    return {
      box: { x: r.x, y: r.y, width: r.w, height: r.h },
      score: r.score,
      landmarks: JSON.parse(r.landmarks) as ManualFace['landmarks'],
      quality: { size: r.q_size ?? 0, sharpness: r.q_sharpness ?? 0, yaw: r.q_yaw ?? 0, pitch: r.q_pitch ?? 0, roll: r.q_roll ?? 0, score: r.q_score ?? 0 },
      embedding: r.base.toString('base64'),
      modelId: r.model_id,
    };
  }

  /** Deletes a face (undo of the correction that drew it). */
  deleteFace(id: number): void {
    this.faces.delete(id);
  }

  markNotAFace(id: number): void {
    this.db.prepare('UPDATE faces SET not_a_face = 1 WHERE id = ?').run(id);
  }

  setNotAFace(id: number, value: number): void {
    this.db.prepare('UPDATE faces SET not_a_face = ? WHERE id = ?').run(value, id);
  }

  // ---------------------------------------------------------------- assignments

  /** The face's assignment, all columns (tests and tools). */
  assignmentOf(faceId: number) {
    return this.db
      .prepare<[number], { face_id: number; person_id: number; source: AssignmentSource; confirmed: number }>('SELECT * FROM face_assignments WHERE face_id = ?')
      .get(faceId);
  }

  /** The face's assignment as a correction records it. */
  assignment(faceId: number): AssignmentRow | undefined {
    return this.db.prepare<[number], AssignmentRow>('SELECT person_id, source, confirmed FROM face_assignments WHERE face_id = ?').get(faceId);
  }

  assign(faceId: number, personId: number, source: AssignmentSource, confirmed = false): void {
    this.db
      .prepare(
        `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, ?, ?)
         ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id, source = excluded.source, confirmed = excluded.confirmed`,
      )
      .run(faceId, personId, source, confirmed ? 1 : 0);
  }

  unassign(faceId: number): void {
    this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(faceId);
  }

  /** Every face assigned to a person (any source). */
  facesOfPerson(personId: number): number[] {
    return this.db.prepare<[number], { face_id: number }>('SELECT face_id FROM face_assignments WHERE person_id = ?').all(personId).map((r) => r.face_id);
  }

  /** Moves every assignment of `fromId` to `toId` (source and confirmed kept). */
  moveAssignments(fromId: number, toId: number): void {
    this.db.prepare('UPDATE face_assignments SET person_id = ? WHERE person_id = ?').run(toId, fromId);
  }

  // ---------------------------------------------------------------- rejections

  /** Records "face is not this person"; false when it was recorded already. */
  addRejection(faceId: number, personId: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(faceId, personId).changes > 0;
  }

  /** Lifts a rejection; false when there was none. */
  removeRejection(faceId: number, personId: number): boolean {
    return this.db.prepare('DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?').run(faceId, personId).changes > 0;
  }

  /** The faces rejected for a person. */
  rejectedFaces(personId: number): number[] {
    return this.db.prepare<[number], { face_id: number }>('SELECT face_id FROM face_rejections WHERE person_id = ?').all(personId).map((r) => r.face_id);
  }

  deleteRejectionsOf(personId: number): void {
    this.db.prepare('DELETE FROM face_rejections WHERE person_id = ?').run(personId);
  }

  // ---------------------------------------------------------------- people on a photo without a face

  /** Tags a person on a photo without a face; false when it was tagged already. */
  tag(photoId: number, personId: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO photo_people (photo_id, person_id) VALUES (?, ?)').run(photoId, personId).changes > 0;
  }

  /** Removes such a tag; false when there was none. */
  untag(photoId: number, personId: number): boolean {
    return this.db.prepare('DELETE FROM photo_people WHERE photo_id = ? AND person_id = ?').run(photoId, personId).changes > 0;
  }

  /**
   * A copy of a photo (same bytes at a new path, the original kept) shows the same people: the
   * people tagged on `fromPhotoId` without a face are tagged on `toPhotoId` too. Returns how many.
   * The tags belong to the copy from then on (undoing the original's tag-photo leaves them).
   */
  copyTags(fromPhotoId: number, toPhotoId: number): number {
    return this.db.prepare('INSERT OR IGNORE INTO photo_people (photo_id, person_id) SELECT ?, person_id FROM photo_people WHERE photo_id = ?').run(toPhotoId, fromPhotoId).changes;
  }

  /** The photos a person is tagged on without a face. */
  taggedPhotos(personId: number): number[] {
    return this.db.prepare<[number], { photo_id: number }>('SELECT photo_id FROM photo_people WHERE person_id = ? ORDER BY photo_id').all(personId).map((r) => r.photo_id);
  }

  // ---------------------------------------------------------------- the log (app/store/corrections-repo.ts)

  logCorrection(kind: string, payload: unknown): number {
    return this.log.append(kind, JSON.stringify(payload));
  }

  corrections(): CorrectionRow[] {
    return this.log.all();
  }
}
