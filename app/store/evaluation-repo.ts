/**
 * What the evaluation commands read and reset on their scratch copies of a scanned library
 * (app/cli/commands/eval-learning.ts, app/eval/labelled-tree.ts): never changes a user's library.
 */
import type Database from 'better-sqlite3';

export class EvaluationRepo {
  private readonly nameOfFaceQ;
  private readonly personOfFaceQ;
  private readonly personNameQ;
  private readonly embeddingQ;

  constructor(private readonly db: Database.Database) {
    this.nameOfFaceQ = db.prepare<[number], { name: string | null }>('SELECT p.name FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE fa.face_id = ?');
    this.personOfFaceQ = db.prepare<[number], { person_id: number }>('SELECT person_id FROM face_assignments WHERE face_id = ?');
    this.personNameQ = db.prepare<[number], { name: string }>('SELECT name FROM persons WHERE id = ?');
    this.embeddingQ = db.prepare<[number], { embedding: Buffer }>('SELECT embedding FROM faces WHERE id = ?');
  }

  /** Every people decision and learned head forgotten, the faces kept (a scratch copy only). */
  resetPeople(): void {
    this.db.exec(`
      DELETE FROM face_rejections; DELETE FROM face_assignments; UPDATE persons SET merged_into = NULL; DELETE FROM persons;
      DELETE FROM heads; DELETE FROM learning_changes; DELETE FROM settings WHERE key LIKE 'learning.%' OR key LIKE 'people.%';
      DROP TRIGGER IF EXISTS corrections_append_only; DELETE FROM corrections;
      CREATE TRIGGER corrections_append_only BEFORE DELETE ON corrections BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
      UPDATE faces SET not_a_face = 0;
    `);
  }

  /** The name of the person a face is in (null: unnamed or in nobody). */
  nameOfFace(faceId: number): string | null {
    return this.nameOfFaceQ.get(faceId)?.name ?? null;
  }

  /** The person a face is in, or null. */
  personOfFace(faceId: number): number | null {
    return this.personOfFaceQ.get(faceId)?.person_id ?? null;
  }

  personName(personId: number): string | undefined {
    return this.personNameQ.get(personId)?.name;
  }

  /** The faces in named people, with the name. */
  namedFaces(): { face_id: number; name: string }[] {
    return this.db
      .prepare<[], { face_id: number; name: string }>('SELECT fa.face_id, p.name FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE p.name IS NOT NULL')
      .all();
  }

  /** A face's stored 128 bytes. */
  embedding(faceId: number): Int8Array | undefined {
    const r = this.embeddingQ.get(faceId);
    return r ? new Int8Array(Uint8Array.from(r.embedding).buffer) : undefined;
  }

  /** A consistent copy of the library into `file` (VACUUM INTO). */
  snapshotTo(file: string): void {
    this.db.prepare('VACUUM INTO ?').run(file);
  }

  /** Paths of the photos where no face was found. */
  photosWithoutFaces(): string[] {
    return this.db.prepare<[], { path: string }>('SELECT ph.path FROM photos ph WHERE NOT EXISTS (SELECT 1 FROM faces f WHERE f.photo_id = ph.id) ORDER BY ph.path').all().map((r) => r.path);
  }

  /** The files that failed to index, with their error code. */
  fileErrors(): { path: string; code: string }[] {
    return this.db.prepare<[], { path: string; code: string }>('SELECT path, code FROM errors ORDER BY path').all();
  }

  /** Every face with its photo's path, by face id. */
  facePaths(): { id: number; path: string }[] {
    return this.db.prepare<[], { id: number; path: string }>('SELECT f.id, ph.path FROM faces f JOIN photos ph ON ph.id = f.photo_id ORDER BY f.id').all();
  }

  /** Every face with its box and its photo's path and size, by photo path then face id. */
  facesWithPhotos(): { photo_id: number; path: string; width: number; height: number; id: number; x: number; y: number; w: number; h: number; embedding: Buffer }[] {
    return this.db
      .prepare<[], { photo_id: number; path: string; width: number; height: number; id: number; x: number; y: number; w: number; h: number; embedding: Buffer }>(
        `SELECT ph.id AS photo_id, ph.path, ph.width, ph.height, f.id, f.x, f.y, f.w, f.h, f.embedding
         FROM photos ph JOIN faces f ON f.photo_id = ph.id
         ORDER BY ph.path, f.id`,
      )
      .all();
  }
}
