/**
 * What the last head switch changed in the people the user named, for the user to check.
 *
 * Adopting a head (or rolling back to another) ends with a full re-cluster, which may put faces
 * the user never looked at into a named person. It never takes one out: a named person's faces
 * are soft pins of the re-cluster (app/people/recluster.ts). The held-out figures say whether the
 * head recognises the user's own labels better; they cannot say whether a face that has just
 * joined "Anna" is Anna (LFW, K = 3: the switch puts 43-65 faces into the named people, 7-16 of
 * them right; docs/learning.md). So the re-cluster that finishes a switch records the faces it
 * put into named people (`recordSwitchChanges`, in the transaction that persists it), and the
 * Learn screen lists those still open (`openChanges`): faces the machine still has in that person
 * and the user has not confirmed. The user's answers are ordinary corrections (confirm: a label;
 * reject: a "not this person") for the next training. The next switch of the model replaces the
 * record.
 */
import type Database from 'better-sqlite3';
import type { ChangedPerson, LearningChanges } from '../contract/learning';

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
 * `headId` put into a named person they were not in before (PeopleService.writeRecluster finds
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

/**
 * The faces of the model's last switch still open, per named person (a person merged since counts
 * as the one it was merged into), most first. A face is open while the machine still has it in
 * that person (not confirmed, moved or rejected by the user since, not marked not-a-face). At most
 * `maxFaces` face ids a person are listed (the counts are complete). Null when there is no record:
 * no switch yet, or the last one put no face into a named person.
 */
export function openChanges(db: Database.Database, model: string, maxFaces = 200): LearningChanges | null {
  const recorded = db
    .prepare<[string], { head_id: string; switched_at: string; n: number }>(
      'SELECT head_id, switched_at, COUNT(*) AS n FROM learning_changes WHERE model_id = ? GROUP BY head_id, switched_at',
    )
    .get(model);
  if (!recorded) return null;
  const rows = db
    .prepare<[string], { face_id: number; person_id: number; now_person: number }>(
      `SELECT c.face_id, c.person_id, fa.person_id AS now_person
       FROM learning_changes c JOIN faces f ON f.id = c.face_id JOIN face_assignments fa ON fa.face_id = c.face_id
       WHERE c.model_id = ? AND f.not_a_face = 0 AND fa.source = 'machine'
       ORDER BY c.face_id`,
    )
    .all(model);
  const personRow = db.prepare<[number], { name: string | null; user_named: number; merged_into: number | null }>(
    'SELECT name, user_named, merged_into FROM persons WHERE id = ?',
  );
  const cache = new Map<number, { live: number | null; name: string | null }>();
  /** The live person `id` stands for now (following merges) and its name if the user named it. */
  const resolve = (id: number): { live: number | null; name: string | null } => {
    let r = cache.get(id);
    if (!r) {
      let at: number | null = id;
      let row = personRow.get(at);
      for (let hops = 0; row && row.merged_into !== null && hops < 64; hops++) row = personRow.get((at = row.merged_into));
      r = row && row.merged_into === null ? { live: at, name: row.user_named && row.name !== null ? row.name : null } : { live: null, name: null };
      cache.set(id, r);
    }
    return r;
  };
  const byPerson = new Map<number, ChangedPerson>();
  let open = 0;
  for (const r of rows) {
    const target = resolve(r.person_id);
    if (target.live === null || target.name === null || resolve(r.now_person).live !== target.live) continue;
    let entry = byPerson.get(target.live);
    if (!entry) byPerson.set(target.live, (entry = { personId: target.live, name: target.name, faces: [], count: 0 }));
    if (entry.count++ < maxFaces) entry.faces.push(r.face_id);
    open++;
  }
  const people = [...byPerson.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name) || a.personId - b.personId);
  return { headId: recorded.head_id, switchedAt: recorded.switched_at, recorded: recorded.n, open, people };
}
