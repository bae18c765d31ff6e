/**
 * What the people file and XMP read (app/interop/import-export.ts): the decisions to export, the
 * faces to find again on import, the named faces to write to sidecars.
 */
import type Database from 'better-sqlite3';
import type { FaceRow, PhotoRow } from './types';

/** A face with its photo and its person, as export and XMP writing read them. */
export type DecisionFaceRow = Pick<FaceRow, 'id' | 'photo_id' | 'x' | 'y' | 'w' | 'h' | 'model_id'> &
  Pick<PhotoRow, 'path' | 'hash' | 'width' | 'height' | 'orientation'> & {
    not_a_face: number;
    manual: number;
    person_id: number | null;
    person_name: string | null;
    /** The person's birth date (YYYY-MM-DD), written to XMP with the name. */
    person_birth_date: string | null;
    source: 'user' | 'machine' | null;
    confirmed: number | null;
  };

export interface ExportPersonRow {
  id: number;
  name: string | null;
  hidden: number;
  birth_date: string | null;
  cover_face_id: number | null;
  created_at: string;
}

/** A face's box, as import matching reads it. */
export interface FaceBoxRow {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A person on a photo without a face, with the photo. */
export interface TagRow {
  photo_id: number;
  path: string;
  hash: string;
  width: number;
  height: number;
  person_id: number;
  person_name: string | null;
  person_birth_date: string | null;
}

const FACE_SELECT = `SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.model_id, f.not_a_face, f.manual, p.path, p.hash, p.width, p.height, p.orientation,
  fa.person_id, pe.name AS person_name, pe.birth_date AS person_birth_date, fa.source, fa.confirmed
  FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN face_assignments fa ON fa.face_id = f.id
  LEFT JOIN persons pe ON pe.id = fa.person_id`;

export class InteropRepo {
  constructor(private readonly db: Database.Database) {}

  /** Live persons that are named by the user or have faces. */
  exportablePersons(): ExportPersonRow[] {
    return this.db
      .prepare<[], ExportPersonRow>(
        `SELECT id, name, hidden, cover_face_id, created_at, birth_date FROM persons p WHERE merged_into IS NULL
         AND (user_named = 1 OR EXISTS (SELECT 1 FROM face_assignments fa WHERE fa.person_id = p.id))`,
      )
      .all();
  }

  rejections(): { face_id: number; person_id: number }[] {
    return this.db.prepare<[], { face_id: number; person_id: number }>('SELECT face_id, person_id FROM face_rejections').all();
  }

  /** Every face with its photo and person, by face id. */
  allDecisionFaces(): DecisionFaceRow[] {
    return this.db.prepare<[], DecisionFaceRow>(FACE_SELECT + ' ORDER BY f.id').all();
  }

  /** Every face that is not "not a face", by photo then face id. */
  realFacesByPhoto(): DecisionFaceRow[] {
    return this.db.prepare<[], DecisionFaceRow>(`${FACE_SELECT} WHERE f.not_a_face = 0 ORDER BY p.id, f.id`).all();
  }

  /** People on photos without a face (live persons), by photo. */
  tags(): TagRow[] {
    return this.db
      .prepare<[], TagRow>(
        `SELECT pp.photo_id, ph.path, ph.hash, ph.width, ph.height, pp.person_id, pe.name AS person_name, pe.birth_date AS person_birth_date
         FROM photo_people pp JOIN photos ph ON ph.id = pp.photo_id JOIN persons pe ON pe.id = pp.person_id
         WHERE pe.merged_into IS NULL ORDER BY pp.photo_id, pp.person_id`,
      )
      .all();
  }

  correctionsLog(): { id: number; at: string; payload: string; undone: number }[] {
    return this.db.prepare<[], { id: number; at: string; payload: string; undone: number }>('SELECT id, at, payload, undone FROM corrections ORDER BY id').all();
  }

  /** The photo with this content hash, else the one at this path. */
  photoByHashOrPath(hash: string, path: string): { id: number; width: number; height: number } | undefined {
    return (
      this.db.prepare<[string], { id: number; width: number; height: number }>('SELECT id, width, height FROM photos WHERE hash = ? LIMIT 1').get(hash) ??
      this.db.prepare<[string], { id: number; width: number; height: number }>('SELECT id, width, height FROM photos WHERE path = ?').get(path)
    );
  }

  /** A photo's faces ("not a face" ones too unless `realOnly`). */
  facesOfPhoto(photoId: number, realOnly = false): FaceBoxRow[] {
    const sql = realOnly ? 'SELECT id, x, y, w, h FROM faces WHERE photo_id = ? AND not_a_face = 0' : 'SELECT id, x, y, w, h FROM faces WHERE photo_id = ?';
    return this.db.prepare<[number], FaceBoxRow>(sql).all(photoId);
  }

  photosForRegions(): { id: number; path: string; width: number; height: number; orientation: number }[] {
    return this.db.prepare<[], { id: number; path: string; width: number; height: number; orientation: number }>('SELECT id, path, width, height, orientation FROM photos').all();
  }

  /** Live named persons (id, name). */
  /** The live person a face is in now (null when in none), with its name. */
  personOfFace(faceId: number): { id: number; name: string | null } | null {
    return (
      this.db
        .prepare<[number], { id: number; name: string | null }>(
          'SELECT p.id, p.name FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE fa.face_id = ? AND p.merged_into IS NULL',
        )
        .get(faceId) ?? null
    );
  }

  namedPersons(): { id: number; name: string }[] {
    return this.db.prepare<[], { id: number; name: string }>('SELECT id, name FROM persons WHERE merged_into IS NULL AND name IS NOT NULL').all();
  }
}
