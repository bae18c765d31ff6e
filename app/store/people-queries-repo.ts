/**
 * The people screens' reads: people with their counts and automatic cover, a person's faces and
 * photos (paged, best first), unassigned faces, a photo with its faces. Rows as SQLite returns
 * them; app/people/queries.ts turns them into the contract's types.
 */
import type Database from 'better-sqlite3';
import type { FaceRow, PersonRow, PhotoRow } from './types';

/** A person with its counts and the face that covers it when the user chose none. */
export type PersonCountsRow = PersonRow & { face_count: number; photo_count: number; best_face: number | null };

/** A face with its photo and its person. */
export type FaceViewRow = Pick<FaceRow, 'id' | 'photo_id' | 'x' | 'y' | 'w' | 'h' | 'score' | 'q_score'> &
  Pick<PhotoRow, 'path' | 'width' | 'height'> & {
    person_id: number | null;
    source: 'user' | 'machine' | null;
    confirmed: number | null;
    person_name: string | null;
    manual: number;
  };

export interface PhotoViewRow {
  id: number;
  path: string;
  width: number;
  height: number;
  taken_at: string | null;
}

const FACE_SELECT = `
    SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.score, f.q_score, f.manual, ph.path, ph.width, ph.height,
           fa.person_id, fa.source, fa.confirmed, p.name AS person_name
    FROM faces f JOIN photos ph ON ph.id = f.photo_id
    LEFT JOIN face_assignments fa ON fa.face_id = f.id
    LEFT JOIN persons p ON p.id = fa.person_id`;

/**
 * The person's photos: those holding one of its faces ("not a face" excluded) and those it is
 * tagged on without a face (photo_people), each once.
 */
const PERSON_PHOTO_WHERE = `
    FROM photos ph
    WHERE ph.id IN (SELECT f.photo_id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id
                    WHERE fa.person_id = @person AND f.not_a_face = 0)
       OR ph.id IN (SELECT pp.photo_id FROM photo_people pp WHERE pp.person_id = @person)
    ORDER BY ph.taken_at IS NULL, ph.taken_at DESC, ph.path, ph.id`;

export interface Page {
  offset?: number;
  limit?: number;
}

export class PeopleQueriesRepo {
  constructor(private readonly db: Database.Database) {}

  /**
   * Live people with their counts and automatic cover: those with faces or named by the user; or
   * (`one`) a single live person by id, even empty.
   */
  personCounts(one: number | null): PersonCountsRow[] {
    return this.db
      .prepare<number[], PersonCountsRow>(
        `SELECT p.*, COUNT(fa.face_id) AS face_count,
                COUNT(DISTINCT f.photo_id) + (SELECT count(*) FROM photo_people pp WHERE pp.person_id = p.id AND pp.photo_id NOT IN
                  (SELECT f3.photo_id FROM face_assignments fa3 JOIN faces f3 ON f3.id = fa3.face_id
                    WHERE fa3.person_id = p.id AND f3.not_a_face = 0)) AS photo_count,
                (SELECT fa2.face_id FROM face_assignments fa2 JOIN faces f2 ON f2.id = fa2.face_id
                  WHERE fa2.person_id = p.id AND f2.not_a_face = 0
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS best_face
         FROM persons p
         LEFT JOIN face_assignments fa ON fa.person_id = p.id
         LEFT JOIN faces f ON f.id = fa.face_id AND f.not_a_face = 0
         WHERE p.merged_into IS NULL ${one === null ? '' : 'AND p.id = ?'}
         GROUP BY p.id
         ${one === null ? 'HAVING face_count > 0 OR p.user_named = 1' : ''}`,
      )
      .all(...(one === null ? [] : [one]));
  }

  /** A person's faces, user-assigned first, then by quality, then by id. */
  personFaces(id: number, page: Page = {}): FaceViewRow[] {
    return this.db
      .prepare<[number, number, number], FaceViewRow>(`${FACE_SELECT} WHERE fa.person_id = ? AND f.not_a_face = 0
                ORDER BY fa.source = 'user' DESC, f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(id, page.limit ?? -1, page.offset ?? 0);
  }

  /** personFaces' ids, in its order. */
  personFaceIds(id: number): number[] {
    return this.db
      .prepare<[number], { id: number }>(
        `SELECT f.id FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN face_assignments fa ON fa.face_id = f.id
         WHERE fa.person_id = ? AND f.not_a_face = 0
         ORDER BY fa.source = 'user' DESC, f.q_score DESC, f.id`,
      )
      .all(id)
      .map((r) => r.id);
  }

  /**
   * A person's photos, newest taken first, each with the person's best face in it (null: tagged
   * on it without a face).
   */
  personPhotos(id: number, page: Page = {}): (PhotoViewRow & { face_id: number | null })[] {
    return this.db
      .prepare<{ person: number; limit: number; offset: number }, PhotoViewRow & { face_id: number | null }>(
        `SELECT ph.id, ph.path, ph.width, ph.height, ph.taken_at,
                (SELECT f2.id FROM faces f2 JOIN face_assignments fa2 ON fa2.face_id = f2.id
                  WHERE f2.photo_id = ph.id AND fa2.person_id = @person AND f2.not_a_face = 0
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS face_id
         ${PERSON_PHOTO_WHERE} LIMIT @limit OFFSET @offset`,
      )
      .all({ person: id, limit: page.limit ?? -1, offset: page.offset ?? 0 });
  }

  /** personPhotos' ids, in its order. */
  personPhotoIds(id: number): number[] {
    return this.db
      .prepare<{ person: number }, { id: number }>(`SELECT ph.id ${PERSON_PHOTO_WHERE}`)
      .all({ person: id })
      .map((r) => r.id);
  }

  /** Faces of `model` in no person (not marked not-a-face), best quality first. */
  unassignedFaces(model: string, page: Page = {}): FaceViewRow[] {
    return this.db
      .prepare<[string, number, number], FaceViewRow>(`${FACE_SELECT} WHERE fa.face_id IS NULL AND f.not_a_face = 0 AND f.model_id = ?
                ORDER BY f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(model, page.limit ?? -1, page.offset ?? 0);
  }

  face(id: number): FaceViewRow | undefined {
    return this.db.prepare<[number], FaceViewRow>(`${FACE_SELECT} WHERE f.id = ?`).get(id);
  }

  photo(id: number): PhotoViewRow | undefined {
    return this.db.prepare<[number], PhotoViewRow>('SELECT id, path, width, height, taken_at FROM photos WHERE id = ?').get(id);
  }

  /** The people tagged on a photo without a face, by name. */
  photoTags(id: number): { person_id: number; name: string | null }[] {
    return this.db
      .prepare<[number], { person_id: number; name: string | null }>(
        `SELECT pp.person_id, p.name FROM photo_people pp JOIN persons p ON p.id = pp.person_id
         WHERE pp.photo_id = ? AND p.merged_into IS NULL ORDER BY p.name IS NULL, p.name, p.id`,
      )
      .all(id);
  }

  /** A photo's faces (not-a-face excluded), left to right. */
  photoFaces(id: number): FaceViewRow[] {
    return this.db.prepare<[number], FaceViewRow>(`${FACE_SELECT} WHERE f.photo_id = ? AND f.not_a_face = 0 ORDER BY f.x`).all(id);
  }
}
