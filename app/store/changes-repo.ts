/**
 * `learning_changes`: the faces the re-cluster that finished the last head switch of a model put
 * into a named person (app/learning/changes.ts says why), and the reads that find them.
 */
import type Database from 'better-sqlite3';

/** Face -> the live person the user named that holds it, for every face of `model` in one. */
export function namedMembership(db: Database.Database, model: string): Map<number, number> {
  const m = new Map<number, number>();
  const rows = db
    .prepare(
      `SELECT fa.face_id, fa.person_id FROM face_assignments fa
       JOIN persons p ON p.id = fa.person_id JOIN faces f ON f.id = fa.face_id
       WHERE f.model_id = ? AND p.user_named = 1 AND p.name IS NOT NULL AND p.merged_into IS NULL`,
    )
    .raw()
    .iterate(model) as IterableIterator<[number, number]>;
  for (const [face, person] of rows) m.set(face, person);
  return m;
}

/** The live people the user named. */
export function namedPeople(db: Database.Database): Set<number> {
  const rows = db.prepare('SELECT id FROM persons WHERE user_named = 1 AND name IS NOT NULL AND merged_into IS NULL').raw().all() as [number][];
  return new Set(rows.map((r) => r[0]));
}

/**
 * Replaces the model's record with `joined`: the faces the re-cluster that finished the switch to
 * `headId` put into a named person they were not in before (app/people/clustering.ts finds
 * them while it writes the re-cluster, against namedMembership before it). Returns how many.
 */
export function recordSwitchChanges(
  db: Database.Database,
  model: string,
  headId: string,
  joined: readonly (readonly [face: number, person: number])[],
  at: string = new Date().toISOString(),
): number {
  db.prepare('DELETE FROM learning_changes WHERE model_id = ?').run(model);
  const insert = db.prepare('INSERT INTO learning_changes (model_id, head_id, switched_at, face_id, person_id) VALUES (?, ?, ?, ?, ?)');
  for (const [face, person] of joined) insert.run(model, headId, at, face, person);
  return joined.length;
}

/** The model's record: the switch and how many faces it recorded; undefined when there is none. */
export function recordedSwitch(db: Database.Database, model: string): { head_id: string; switched_at: string; n: number } | undefined {
  return db
    .prepare<[string], { head_id: string; switched_at: string; n: number }>(
      'SELECT head_id, switched_at, COUNT(*) AS n FROM learning_changes WHERE model_id = ? GROUP BY head_id, switched_at',
    )
    .get(model);
}

/**
 * The recorded faces the machine still holds (not marked not-a-face), with the person they were
 * recorded in and the person the machine has them in now, by face id.
 */
export function recordedMachineFaces(db: Database.Database, model: string): { face_id: number; person_id: number; now_person: number }[] {
  return db
    .prepare<[string], { face_id: number; person_id: number; now_person: number }>(
      `SELECT c.face_id, c.person_id, fa.person_id AS now_person
       FROM learning_changes c JOIN faces f ON f.id = c.face_id JOIN face_assignments fa ON fa.face_id = c.face_id
       WHERE c.model_id = ? AND f.not_a_face = 0 AND fa.source = 'machine'
       ORDER BY c.face_id`,
    )
    .all(model);
}

/** Looks up persons' name and merge link; prepared once for many lookups. */
export function personLinks(db: Database.Database): (id: number) => { name: string | null; user_named: number; merged_into: number | null } | undefined {
  const s = db.prepare<[number], { name: string | null; user_named: number; merged_into: number | null }>('SELECT name, user_named, merged_into FROM persons WHERE id = ?');
  return (id) => s.get(id);
}
