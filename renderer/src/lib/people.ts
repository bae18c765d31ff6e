import type { PersonSummary } from '../../../app/contract/contract';

/** Named people first, then unnamed; within each, the most photographed first (ties by name, id). */
export function sortPeople(list: readonly PersonSummary[]): PersonSummary[] {
  return [...list].sort(
    (a, b) =>
      Number(!!b.name) - Number(!!a.name) ||
      b.photoCount - a.photoCount ||
      b.faceCount - a.faceCount ||
      (a.name ?? '').localeCompare(b.name ?? '') ||
      a.id - b.id,
  );
}

/** Case- and accent-insensitive name search. */
export function matchesQuery(p: PersonSummary, q: string): boolean {
  const norm = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const query = norm(q.trim());
  if (!query) return true;
  return norm(p.name ?? 'unnamed').includes(query);
}

/** One choice in a person picker. */
export interface PickOption {
  id: number;
  name: string | null;
  coverFaceId: number | null;
  similarity?: number;
  photoCount?: number;
}
