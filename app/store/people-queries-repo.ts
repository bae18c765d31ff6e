/**
 * The people screens' reads: people with their counts and automatic cover, a person's faces and
 * photos (paged, best first), unassigned faces, a photo with its faces. Rows as SQLite returns
 * them; app/people/queries.ts turns them into the contract's types.
 */
import type Database from 'better-sqlite3';
import { photoDate, shownFace } from './face-visibility';
import type { FaceRow, PersonRow, PhotoRow } from './types';

/** A person with its counts and the face that covers it when the user chose none. */
export type PersonCountsRow = PersonRow & { face_count: number; photo_count: number; best_face: number | null; latest_date: string | null };

/** A face with its photo and its person. */
export type FaceViewRow = Pick<FaceRow, 'id' | 'photo_id' | 'x' | 'y' | 'w' | 'h' | 'score' | 'q_score'> &
  Pick<PhotoRow, 'path' | 'width' | 'height'> & {
    person_id: number | null;
    source: 'user' | 'machine' | null;
    confirmed: number | null;
    person_name: string | null;
    person_birth_date: string | null;
    manual: number;
  };

export interface PhotoViewRow {
  id: number;
  path: string;
  width: number;
  height: number;
  taken_at: string | null;
  /** The photo's date (face-visibility.ts photoDate). */
  date: string;
}

const FACE_SELECT = `
    SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.score, f.q_score, f.manual, ph.path, ph.width, ph.height,
           fa.person_id, fa.source, fa.confirmed, p.name AS person_name, p.birth_date AS person_birth_date
    FROM faces f JOIN photos ph ON ph.id = f.photo_id
    LEFT JOIN face_assignments fa ON fa.face_id = f.id
    LEFT JOIN persons p ON p.id = fa.person_id`;

/** Photos newest taken first, undated last, then by path. */
const PHOTO_ORDER = 'ORDER BY ph.taken_at IS NULL, ph.taken_at DESC, ph.path, ph.id';

/**
 * The person's photos: those holding one of its faces (hidden faces excluded) and those it is
 * tagged on without a face (photo_people), each once.
 */
const PERSON_PHOTO_WHERE = `
    FROM photos ph
    WHERE ph.id IN (SELECT f.photo_id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id
                    WHERE fa.person_id = @person AND ${shownFace('f')})
       OR ph.id IN (SELECT pp.photo_id FROM photo_people pp WHERE pp.person_id = @person)
    ${PHOTO_ORDER}`;

/** A photo's columns as PhotoViewRow. */
const PHOTO_COLUMNS = `ph.id, ph.path, ph.width, ph.height, ph.taken_at, ${photoDate('ph')} AS date`;

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
        `SELECT p.*, COUNT(f.id) AS face_count,
                COUNT(DISTINCT f.photo_id) + (SELECT count(*) FROM photo_people pp WHERE pp.person_id = p.id AND pp.photo_id NOT IN
                  (SELECT f3.photo_id FROM face_assignments fa3 JOIN faces f3 ON f3.id = fa3.face_id
                    WHERE fa3.person_id = p.id AND ${shownFace('f3')})) AS photo_count,
                MAX(${photoDate('ph')}) AS latest_date,
                (SELECT fa2.face_id FROM face_assignments fa2 JOIN faces f2 ON f2.id = fa2.face_id
                  WHERE fa2.person_id = p.id AND ${shownFace('f2')}
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS best_face
         FROM persons p
         LEFT JOIN face_assignments fa ON fa.person_id = p.id
         LEFT JOIN faces f ON f.id = fa.face_id AND ${shownFace('f')}
         LEFT JOIN photos ph ON ph.id = f.photo_id
         WHERE p.merged_into IS NULL ${one === null ? '' : 'AND p.id = ?'}
         GROUP BY p.id
         ${one === null ? 'HAVING face_count > 0 OR p.user_named = 1' : ''}`,
      )
      .all(...(one === null ? [] : [one]));
  }

  /** A person's faces, user-assigned first, then by quality, then by id. */
  personFaces(id: number, page: Page = {}): FaceViewRow[] {
    return this.db
      .prepare<[number, number, number], FaceViewRow>(`${FACE_SELECT} WHERE fa.person_id = ? AND ${shownFace('f')}
                ORDER BY fa.source = 'user' DESC, f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(id, page.limit ?? -1, page.offset ?? 0);
  }

  /** personFaces' ids, in its order. */
  personFaceIds(id: number): number[] {
    return this.db
      .prepare<[number], { id: number }>(
        `SELECT f.id FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN face_assignments fa ON fa.face_id = f.id
         WHERE fa.person_id = ? AND ${shownFace('f')}
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
        `SELECT ${PHOTO_COLUMNS},
                (SELECT f2.id FROM faces f2 JOIN face_assignments fa2 ON fa2.face_id = f2.id
                  WHERE f2.photo_id = ph.id AND fa2.person_id = @person AND ${shownFace('f2')}
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
      .prepare<[string, number, number], FaceViewRow>(`${FACE_SELECT} WHERE fa.face_id IS NULL AND ${shownFace('f')} AND f.model_id = ?
                ORDER BY f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(model, page.limit ?? -1, page.offset ?? 0);
  }

  face(id: number): FaceViewRow | undefined {
    return this.db.prepare<[number], FaceViewRow>(`${FACE_SELECT} WHERE f.id = ?`).get(id);
  }

  photo(id: number): PhotoViewRow | undefined {
    return this.db.prepare<[number], PhotoViewRow>(`SELECT ${PHOTO_COLUMNS} FROM photos ph WHERE ph.id = ?`).get(id);
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

  /** A photo's faces (hidden faces excluded), left to right. */
  photoFaces(id: number): FaceViewRow[] {
    return this.db.prepare<[number], FaceViewRow>(`${FACE_SELECT} WHERE f.photo_id = ? AND ${shownFace('f')} ORDER BY f.x`).all(id);
  }

  /**
   * Photos of people together: those showing every person of `persons` (a shown face assigned to
   * each); with `only`, also no shown face of any other live, not hidden person (faces in no
   * person - strangers - and faces of hidden people do not count). Newest taken first, each with
   * the first person's best face in it.
   */
  photosTogether(persons: readonly number[], only: boolean, page: Page = {}): (PhotoViewRow & { face_id: number })[] {
    const ids = JSON.stringify([...new Set(persons)]);
    const others = only
      ? `AND NOT EXISTS (SELECT 1 FROM faces f3 JOIN face_assignments fa3 ON fa3.face_id = f3.id JOIN persons p3 ON p3.id = fa3.person_id
                         WHERE f3.photo_id = ph.id AND ${shownFace('f3')} AND p3.hidden = 0 AND p3.merged_into IS NULL
                           AND fa3.person_id NOT IN (SELECT value FROM json_each(@ids)))`
      : '';
    return this.db
      .prepare<{ ids: string; n: number; first: number; limit: number; offset: number }, PhotoViewRow & { face_id: number }>(
        `SELECT ${PHOTO_COLUMNS},
                (SELECT f2.id FROM faces f2 JOIN face_assignments fa2 ON fa2.face_id = f2.id
                  WHERE f2.photo_id = ph.id AND fa2.person_id = @first AND ${shownFace('f2')}
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS face_id
         FROM photos ph
         WHERE ph.id IN (SELECT f.photo_id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id
                         WHERE fa.person_id IN (SELECT value FROM json_each(@ids)) AND ${shownFace('f')}
                         GROUP BY f.photo_id HAVING COUNT(DISTINCT fa.person_id) = @n)
           ${others}
         ${PHOTO_ORDER} LIMIT @limit OFFSET @offset`,
      )
      .all({ ids, n: new Set(persons).size, first: persons[0] ?? 0, limit: page.limit ?? -1, offset: page.offset ?? 0 });
  }

}
