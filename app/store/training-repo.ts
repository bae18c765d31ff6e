/**
 * What "learn from my corrections" reads (app/learning/learning-service.ts): every face of a model
 * with its base embedding and its person, the rejections, and the counts the Learn screen shows.
 */
import type Database from 'better-sqlite3';

export interface TrainingFaceRow {
  id: number;
  photo_id: number;
  base_embedding: Buffer;
  person_id: number | null;
  source: string | null;
  /** 1 when the face's person is live and the user named it. */
  named: number | null;
}

/** The model's faces with a base embedding (not-a-face excluded), each with its live person. */
export function trainingFaces(db: Database.Database, model: string): TrainingFaceRow[] {
  return db
    .prepare<[string], TrainingFaceRow>(
      `SELECT f.id, f.photo_id, f.base_embedding, fa.person_id, fa.source,
                (p.user_named = 1 AND p.name IS NOT NULL) AS named
         FROM faces f LEFT JOIN face_assignments fa ON fa.face_id = f.id LEFT JOIN persons p ON p.id = fa.person_id AND p.merged_into IS NULL
         WHERE f.model_id = ? AND f.not_a_face = 0 AND f.base_embedding IS NOT NULL`,
    )
    .all(model);
}

/** Every "not this person". */
export function rejectionRows(db: Database.Database): { face_id: number; person_id: number }[] {
  return db.prepare<[], { face_id: number; person_id: number }>('SELECT face_id, person_id FROM face_rejections').all();
}

/** Labelled faces per live person: the user's assignments, and every face of a person the user named. */
export function labelledCounts(db: Database.Database, model: string): { person_id: number; n: number }[] {
  return db
    .prepare<[string], { person_id: number; n: number }>(
      `SELECT fa.person_id, COUNT(*) AS n FROM face_assignments fa JOIN faces f ON f.id = fa.face_id
         JOIN persons p ON p.id = fa.person_id AND p.merged_into IS NULL
         WHERE f.model_id = ? AND f.not_a_face = 0 AND (fa.source = 'user' OR (p.user_named = 1 AND p.name IS NOT NULL))
         GROUP BY fa.person_id`,
    )
    .all(model);
}

export function rejectionCount(db: Database.Database): number {
  return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM face_rejections').get()?.n ?? 0;
}

/** Faces the user said "not this person" of (one or more answers each). */
export function rejectedFaceCount(db: Database.Database): number {
  return db.prepare<[], { n: number }>('SELECT COUNT(DISTINCT face_id) AS n FROM face_rejections').get()?.n ?? 0;
}

/**
 * Pairs of assigned faces of the model in one photo on two different people (cannot-links; two
 * faces of one photo on one person are the same face twice, a collage or a mirror: th.collage).
 */
export function samePhotoPairs(db: Database.Database, model: string): number {
  return (
    db
      .prepare<[string, string], { n: number }>(
        `SELECT COUNT(*) AS n FROM faces f JOIN face_assignments fa ON fa.face_id = f.id
         JOIN faces g ON g.photo_id = f.photo_id AND g.id > f.id JOIN face_assignments ga ON ga.face_id = g.id
         WHERE f.model_id = ? AND g.model_id = ? AND f.not_a_face = 0 AND g.not_a_face = 0 AND fa.person_id <> ga.person_id`,
      )
      .get(model, model)?.n ?? 0
  );
}
