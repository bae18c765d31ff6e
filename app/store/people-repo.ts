/**
 * Persons, face assignments and the append-only corrections log. The people/clustering work fills
 * these; the scanner only has to keep them consistent when photos move or vanish.
 */
import type Database from 'better-sqlite3';
import type { CorrectionRow, PersonRow } from './types';

export type AssignmentSource = 'machine' | 'user';

export class PeopleRepo {
  private readonly sAddPerson;
  private readonly sAssign;
  private readonly sAssignmentOf;
  private readonly sLog;
  private readonly sCorrections;
  private readonly sPersons;

  constructor(db: Database.Database) {
    this.sAddPerson = db.prepare('INSERT INTO persons (name, hidden, cover_face_id, created_at) VALUES (?, 0, ?, ?)');
    this.sAssign = db.prepare(
      `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, ?, ?)
       ON CONFLICT(face_id) DO UPDATE SET person_id=excluded.person_id, source=excluded.source, confirmed=excluded.confirmed`,
    );
    this.sAssignmentOf = db.prepare<[number], { face_id: number; person_id: number; source: AssignmentSource; confirmed: number }>(
      'SELECT * FROM face_assignments WHERE face_id = ?',
    );
    this.sLog = db.prepare('INSERT INTO corrections (at, kind, payload) VALUES (?, ?, ?)');
    this.sCorrections = db.prepare<[], CorrectionRow>('SELECT * FROM corrections ORDER BY id');
    this.sPersons = db.prepare<[], PersonRow>('SELECT * FROM persons ORDER BY id');
  }

  addPerson(name: string | null, coverFaceId: number | null = null): number {
    return Number(this.sAddPerson.run(name, coverFaceId, new Date().toISOString()).lastInsertRowid);
  }

  assign(faceId: number, personId: number, source: AssignmentSource, confirmed = false): void {
    this.sAssign.run(faceId, personId, source, confirmed ? 1 : 0);
  }

  assignmentOf(faceId: number) {
    return this.sAssignmentOf.get(faceId);
  }

  logCorrection(kind: string, payload: unknown): number {
    return Number(this.sLog.run(new Date().toISOString(), kind, JSON.stringify(payload)).lastInsertRowid);
  }

  corrections(): CorrectionRow[] {
    return this.sCorrections.all();
  }

  persons(): PersonRow[] {
    return this.sPersons.all();
  }
}
