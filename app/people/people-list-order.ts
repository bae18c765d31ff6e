/**
 * The People page's order and filters, in one place: the people service lists people through it
 * (people.list), so the app and `visage people --sort --filter` show the same people in the same
 * order.
 */
import type { PeopleFilter, PeopleListOptions, PeopleSort, PersonSummary } from '../contract/people';

const byName = (a: PersonSummary, b: PersonSummary) => (a.name ?? '').localeCompare(b.name ?? '');

/**
 * People in the chosen order, ties broken the same way in every order: more photos, more faces,
 * name, id (so that no two people ever tie). 'named-first': named people first, then the most
 * photographed; 'name': alphabetical, unnamed people last; 'recent': the newest photo first,
 * people without a dated photo last.
 */
export function sortPeople(list: readonly PersonSummary[], sort: PeopleSort = 'named-first'): PersonSummary[] {
  const ties = (a: PersonSummary, b: PersonSummary) => b.photoCount - a.photoCount || b.faceCount - a.faceCount || byName(a, b) || a.id - b.id;
  const first: (a: PersonSummary, b: PersonSummary) => number =
    sort === 'named-first'
      ? (a, b) => Number(!!b.name) - Number(!!a.name)
      : sort === 'photos'
        ? () => 0
        : sort === 'name'
          ? (a, b) => Number(!!b.name) - Number(!!a.name) || byName(a, b)
          : (a, b) => (b.latestPhotoDate ?? '').localeCompare(a.latestPhotoDate ?? '');
  return [...list].sort((a, b) => first(a, b) || ties(a, b));
}

/**
 * Whether a person passes the filter: 'hidden' keeps the hidden people only; the others leave
 * hidden people out unless `includeHidden` ("Show hidden", `--hidden`).
 */
export function passesFilter(p: PersonSummary, filter: PeopleFilter = 'all', includeHidden = false): boolean {
  if (filter === 'hidden') return p.hidden;
  if (p.hidden && !includeHidden) return false;
  return filter === 'all' || (filter === 'named') === !!p.name;
}

/** Case- and accent-insensitive name search; an unnamed person is found as "unnamed". */
export function matchesQuery(p: PersonSummary, q: string | undefined): boolean {
  const norm = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const query = norm((q ?? '').trim());
  if (!query) return true;
  return norm(p.name ?? 'unnamed').includes(query);
}

/** The people `opts` asks for, in its order. */
export function orderPeople(list: readonly PersonSummary[], opts: PeopleListOptions = {}): PersonSummary[] {
  return sortPeople(
    list.filter((p) => passesFilter(p, opts.filter, opts.includeHidden) && matchesQuery(p, opts.query)),
    opts.sort,
  );
}
