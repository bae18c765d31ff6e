/**
 * "Is this Anna?": the unassigned faces grouped by the person each most likely is, named people
 * first, then by group size; faces no person is near enough for are "unknown". The Unassigned
 * screen shows them in this order (engine method people.suggestionGroups), and the simulated user
 * (app/eval/simulated-user.ts) answers them in the same order.
 */
import type { SuggestionGroup, SuggestionGroups } from '../contract/contract';
import type { PeopleApi } from './api';

export function suggestionGroups(people: PeopleApi, limit: number): SuggestionGroups {
  const faces = people.unassignedFaces({ limit });
  const groups = new Map<number, SuggestionGroup>();
  const unknown: SuggestionGroups['unknown'] = [];
  for (const face of faces) {
    const best = people.suggestPeople(face.id, 1)[0];
    if (!best) {
      unknown.push(face);
      continue;
    }
    let g = groups.get(best.personId);
    if (!g) {
      const person = people.getPerson(best.personId);
      g = { personId: best.personId, name: best.name, coverFaceId: person?.coverFaceId ?? null, faces: [] };
      groups.set(best.personId, g);
    }
    g.faces.push({ face, similarity: best.similarity });
  }
  const list = [...groups.values()];
  for (const g of list) g.faces.sort((a, b) => b.similarity - a.similarity);
  list.sort((a, b) => Number(b.name !== null) - Number(a.name !== null) || b.faces.length - a.faces.length || a.personId - b.personId);
  return { groups: list, unknown, total: faces.length };
}
