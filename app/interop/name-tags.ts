/**
 * Imported names name people, not single faces. An import (XMP regions, the people file) says of
 * some faces "this is Anna": a tag. Assigning each tagged face to a person "Anna" on its own would
 * pull one face out of an unnamed cluster of eleven and leave ten unnamed, so before an import plan
 * is applied its tags are read against the people this library has now:
 *
 * - A tagged face in an UNNAMED person whose tags all give one name (case-insensitive): the whole
 *   person takes that name. If a person of that name exists already (named before, or another
 *   unnamed person that took it in the same import), the unnamed person is merged into it instead,
 *   so that one name stays one person. The tagged faces are assigned as the import says
 *   (confirmed, for XMP).
 * - Tags in one unnamed person that DISAGREE (two names or more): only the tagged faces go where
 *   their tags say (the person of that name, or a new one); the untagged rest stays where it is,
 *   unnamed; the person is listed as a conflict.
 * - A tagged face in a NAMED person of another name: it goes where its tag says, listed as a
 *   conflict; a tag giving the person's own name confirms the face.
 * - A tagged face in no person goes to the person of its name.
 * - A name that already belongs to a person of this library is that person (never a duplicate
 *   name), for every tag.
 *
 * The result is still one import plan, hence one undoable correction.
 */
import type { ImportPlan, PersonId } from '../contract/people';
import { InteropRepo } from '../store/interop-repo';

/** Tags in one person that did not all give the person's name. */
export interface ImportConflict {
  personId: PersonId;
  /** The person's name before the import (null: unnamed). */
  personName: string | null;
  /** The names the tags gave, as first written. */
  names: string[];
  /** The tagged faces that went where their tags say (the rest of the person stayed). */
  faceIds: number[];
}

/** What the tags did to whole persons (before the plan is applied). */
export interface TagOutcome {
  /** Unnamed persons that took the name of their tags. */
  named: { personId: PersonId; name: string }[];
  /** Unnamed persons merged whole into the person who has their tags' name. */
  merged: { personId: PersonId; intoId: PersonId | null; name: string }[];
  conflicts: ImportConflict[];
}

const keyOf = (name: string) => name.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * Rewrites `plan` (in place) by the rules above and says what it did. Only assignments to plan
 * persons with a name are tags; unnamed plan persons (a people file's machine clusters) are
 * imported as they are.
 */
export function resolveNameTags(db: ConstructorParameters<typeof InteropRepo>[0], plan: ImportPlan): TagOutcome {
  const repo = new InteropRepo(db);
  const outcome: TagOutcome = { named: [], merged: [], conflicts: [] };
  const refName = new Map<string, string>();
  for (const p of plan.persons) if (p.name && keyOf(p.name) !== '') refName.set(p.ref, p.name);
  if (!refName.size) return outcome;

  // A name this library has already is that person (the lowest id when two share it).
  const existing = new Map<string, PersonId>();
  for (const p of [...repo.namedPersons()].sort((a, b) => a.id - b.id)) if (!existing.has(keyOf(p.name))) existing.set(keyOf(p.name), p.id);
  const byRef = new Map(plan.persons.map((p) => [p.ref, p]));
  for (const p of plan.persons) {
    const name = refName.get(p.ref);
    if (name !== undefined && p.existingId === undefined && existing.has(keyOf(name))) p.existingId = existing.get(keyOf(name));
  }

  // The tags, grouped by the person each tagged face is in now.
  interface Tag {
    faceId: number;
    ref: string;
    key: string;
  }
  const inPerson = new Map<PersonId, { name: string | null; tags: Tag[] }>();
  for (const a of plan.assignments) {
    const name = refName.get(a.person);
    if (name === undefined) continue;
    const now = repo.personOfFace(a.faceId);
    if (!now) continue;
    let g = inPerson.get(now.id);
    if (!g) inPerson.set(now.id, (g = { name: now.name, tags: [] }));
    g.tags.push({ faceId: a.faceId, ref: a.person, key: keyOf(name) });
  }

  // The ref each name is first given by: the person a whole unnamed person joins.
  const firstRef = new Map<string, string>();
  for (const a of plan.assignments) {
    const name = refName.get(a.person);
    if (name !== undefined && !firstRef.has(keyOf(name))) firstRef.set(keyOf(name), a.person);
  }
  const merges: NonNullable<ImportPlan['merges']> = [];
  for (const [personId, g] of [...inPerson].sort((a, b) => a[0] - b[0])) {
    const keys = [...new Set(g.tags.map((t) => t.key))];
    const names = keys.map((k) => refName.get(g.tags.find((t) => t.key === k)!.ref)!);
    if (g.name !== null) {
      const other = g.tags.filter((t) => t.key !== keyOf(g.name!));
      if (other.length) {
        conflictOf(outcome, personId, g.name, [...new Set(other.map((t) => refName.get(t.ref)!))], other);
      }
      continue;
    }
    if (keys.length > 1) {
      conflictOf(outcome, personId, null, names, g.tags);
      continue;
    }
    const ref = firstRef.get(keys[0]!)!;
    const target = byRef.get(ref)!;
    const name = names[0]!;
    // All of the person's tags give one name: the person is that name's, whole.
    if (target.existingId === undefined) {
      target.existingId = personId;
      outcome.named.push({ personId, name });
    } else if (target.existingId !== personId) {
      merges.push({ person: ref, sourceId: personId });
      outcome.merged.push({ personId, intoId: target.existingId, name });
    }
    // Tags of the same name under another ref (a people file with two persons of one name) join it too.
    for (const a of plan.assignments) if (g.tags.some((t) => t.faceId === a.faceId)) a.person = ref;
  }
  if (merges.length) plan.merges = [...(plan.merges ?? []), ...merges];
  return outcome;
}

function conflictOf(outcome: TagOutcome, personId: PersonId, personName: string | null, names: string[], tags: { faceId: number }[]): void {
  outcome.conflicts.push({ personId, personName, names, faceIds: tags.map((t) => t.faceId) });
}
