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
import { personLinks, recordedMachineFaces, recordedSwitch } from '../store/changes-repo';

// The record's reads and writes are data (app/store/changes-repo.ts); the re-cluster that finishes
// a switch writes it (app/people/clustering.ts).
export { namedMembership, namedPeople, recordSwitchChanges } from '../store/changes-repo';

/**
 * The faces of the model's last switch still open, per named person (a person merged since counts
 * as the one it was merged into), most first. A face is open while the machine still has it in
 * that person (not confirmed, moved or rejected by the user since, not marked not-a-face). At most
 * `maxFaces` face ids a person are listed (the counts are complete). Null when there is no record:
 * no switch yet, or the last one put no face into a named person.
 */
export function openChanges(db: Database.Database, model: string, maxFaces = 200): LearningChanges | null {
  const recorded = recordedSwitch(db, model);
  if (!recorded) return null;
  const rows = recordedMachineFaces(db, model);
  const personRow = personLinks(db);
  const cache = new Map<number, { live: number | null; name: string | null }>();
  /** The live person `id` stands for now (following merges) and its name if the user named it. */
  const resolve = (id: number): { live: number | null; name: string | null } => {
    let r = cache.get(id);
    if (!r) {
      let at: number | null = id;
      let row = personRow(at);
      for (let hops = 0; row && row.merged_into !== null && hops < 64; hops++) row = personRow((at = row.merged_into));
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
