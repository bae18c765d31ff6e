/**
 * What the evaluation commands read and reset on their scratch copies of a scanned library
 * (app/cli/commands/eval-learning.ts): never used on a user's library.
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
}
