import type { PersonSummary } from '../../../app/contract/contract';

/** The People page's orders: named first (the default), most photos, by name, most recent photo. */
export const PEOPLE_SORTS = [
  { value: 'named', label: 'Named first' },
  { value: 'photos', label: 'Most photos' },
  { value: 'name', label: 'Name' },
  { value: 'recent', label: 'Most recent photo' },
] as const;
export type PeopleSort = (typeof PEOPLE_SORTS)[number]['value'];

/** The People page's filters; 'hidden' shows the hidden people only. */
export const PEOPLE_FILTERS = [
  { value: 'all', label: 'Everyone' },
  { value: 'named', label: 'Named' },
  { value: 'unnamed', label: 'Unnamed' },
  { value: 'hidden', label: 'Hidden' },
] as const;
export type PeopleFilter = (typeof PEOPLE_FILTERS)[number]['value'];

const byName = (a: PersonSummary, b: PersonSummary) => (a.name ?? '').localeCompare(b.name ?? '');

/**
 * People in the chosen order, ties broken the same way in every order: more photos, more faces,
 * name, id. 'named': named people first, then the most photographed; 'name': alphabetical, unnamed
 * people last; 'recent': the newest photo first, people without a dated photo last.
 */
export function sortPeople(list: readonly PersonSummary[], sort: PeopleSort = 'named'): PersonSummary[] {
  const ties = (a: PersonSummary, b: PersonSummary) => b.photoCount - a.photoCount || b.faceCount - a.faceCount || byName(a, b) || a.id - b.id;
  const first: (a: PersonSummary, b: PersonSummary) => number =
    sort === 'named'
      ? (a, b) => Number(!!b.name) - Number(!!a.name)
      : sort === 'photos'
        ? () => 0
        : sort === 'name'
          ? (a, b) => Number(!!b.name) - Number(!!a.name) || byName(a, b)
          : (a, b) => (b.latestPhotoDate ?? '').localeCompare(a.latestPhotoDate ?? '');
  return [...list].sort((a, b) => first(a, b) || ties(a, b));
}

/** Whether a person passes the People page's filter (the list holds hidden people only when asked). */
export function passesFilter(p: PersonSummary, filter: PeopleFilter): boolean {
  if (filter === 'hidden') return p.hidden;
  if (p.hidden) return false;
  return filter === 'all' || (filter === 'named') === !!p.name;
}

/**
 * The people "Hide unnamed people with at most N photos" hides, as the engine decides it
 * (PeopleRepo.smallUnnamed): unnamed, not hidden, with at most `maxPhotos` photos.
 */
export function peopleToHide(list: readonly PersonSummary[], maxPhotos: number): PersonSummary[] {
  return list.filter((p) => !p.name && !p.hidden && p.faceCount > 0 && p.photoCount <= maxPhotos);
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
