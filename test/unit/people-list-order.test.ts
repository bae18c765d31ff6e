/** The People page's orders and filters (app/people/people-list-order.ts), as people.list and `visage people` apply them. */
import { describe, expect, it } from 'vitest';
import { matchesQuery, orderPeople, passesFilter, sortPeople } from '../../app/people/people-list-order';
import type { PersonSummary } from '../../app/contract/people';

const p = (id: number, name: string | null, photoCount: number, more: Partial<PersonSummary> = {}): PersonSummary => ({
  id,
  name,
  hidden: false,
  faceCount: photoCount,
  photoCount,
  coverFaceId: null,
  userTouched: !!name,
  birthDate: null,
  latestPhotoDate: null,
  ...more,
});
const ids = (list: PersonSummary[]) => list.map((x) => x.id);

describe('people order', () => {
  it('named first (the default): named people, then by photos', () => {
    const sorted = sortPeople([p(1, null, 50), p(2, 'Zoë', 3), p(3, 'Anna', 10), p(4, null, 80), p(5, 'Bob', 10)]);
    expect(ids(sorted)).toEqual([3, 5, 2, 4, 1]);
    expect(ids(orderPeople([p(1, null, 50), p(2, 'Zoë', 3), p(3, 'Anna', 10), p(4, null, 80), p(5, 'Bob', 10)]))).toEqual([3, 5, 2, 4, 1]);
  });

  it('most photos, name (unnamed last), most recent photo (undated last)', () => {
    const list = [
      p(1, null, 50, { latestPhotoDate: '2020-01-01' }),
      p(2, 'Zoë', 3, { latestPhotoDate: '2024-05-01' }),
      p(3, 'anna', 10),
      p(4, null, 80, { latestPhotoDate: '2023-01-01' }),
      p(5, 'Bob', 10, { latestPhotoDate: '2024-05-01' }),
    ];
    expect(ids(sortPeople(list, 'photos'))).toEqual([4, 1, 3, 5, 2]);
    expect(ids(sortPeople(list, 'name'))).toEqual([3, 5, 2, 4, 1]);
    // same latest date: more photos first
    expect(ids(sortPeople(list, 'recent'))).toEqual([5, 2, 4, 1, 3]);
    expect(sortPeople(list, 'named-first')).toEqual(sortPeople(list));
  });

  it('breaks ties the same way in every order: photos, then faces, then name, then id; whatever the input order', () => {
    // Same photos; 6 has more faces; 7 and 8 tie on everything but the name; 9 and 10 on everything
    // but the id. By name, no name ('') sorts before any.
    const list = [
      p(10, null, 4, { faceCount: 4 }),
      p(8, 'Bea', 4, { faceCount: 4, latestPhotoDate: '2022-02-02' }),
      p(9, null, 4, { faceCount: 4 }),
      p(7, 'Al', 4, { faceCount: 4, latestPhotoDate: '2022-02-02' }),
      p(6, null, 4, { faceCount: 9 }),
    ];
    expect(ids(sortPeople(list, 'photos'))).toEqual([6, 9, 10, 7, 8]);
    expect(ids(sortPeople(list, 'named-first'))).toEqual([7, 8, 6, 9, 10]);
    expect(ids(sortPeople(list, 'name'))).toEqual([7, 8, 6, 9, 10]);
    expect(ids(sortPeople(list, 'recent'))).toEqual([7, 8, 6, 9, 10]);
    for (const sort of ['named-first', 'photos', 'name', 'recent'] as const) {
      expect(ids(sortPeople([...list].reverse(), sort))).toEqual(ids(sortPeople(list, sort)));
    }
  });
});

describe('people filters and search', () => {
  const list = [p(1, 'Ann', 1), p(2, null, 1), p(3, null, 5), p(4, null, 1, { hidden: true }), p(5, 'Bob', 2, { hidden: true })];
  const filtered = (f: Parameters<typeof passesFilter>[1], includeHidden = false) => list.filter((x) => passesFilter(x, f, includeHidden)).map((x) => x.id);

  it('everyone, named, unnamed leave hidden people out unless asked; hidden gives them only', () => {
    expect(filtered('all')).toEqual([1, 2, 3]);
    expect(filtered('named')).toEqual([1]);
    expect(filtered('unnamed')).toEqual([2, 3]);
    expect(filtered('hidden')).toEqual([4, 5]);
    expect(filtered('all', true)).toEqual([1, 2, 3, 4, 5]);
    expect(filtered('named', true)).toEqual([1, 5]);
    expect(filtered('unnamed', true)).toEqual([2, 3, 4]);
    expect(filtered('hidden', true)).toEqual([4, 5]);
  });

  it('searches names without case or accents; unnamed people as "unnamed"', () => {
    expect(matchesQuery(p(1, 'Zoë Ångström', 1), 'zoe')).toBe(true);
    expect(matchesQuery(p(1, 'Zoë Ångström', 1), 'ANGS')).toBe(true);
    expect(matchesQuery(p(1, null, 1), 'unn')).toBe(true);
    expect(matchesQuery(p(1, 'Anna', 1), 'bob')).toBe(false);
    expect(matchesQuery(p(1, 'Anna', 1), '  ')).toBe(true);
  });

  it('orderPeople filters, searches and sorts in one go', () => {
    expect(ids(orderPeople(list, { filter: 'unnamed', sort: 'photos' }))).toEqual([3, 2]);
    expect(ids(orderPeople(list, { filter: 'hidden', sort: 'name' }))).toEqual([5, 4]);
    expect(ids(orderPeople(list, { includeHidden: true, query: 'b' }))).toEqual([5]);
    expect(ids(orderPeople(list, { includeHidden: true, sort: 'photos' }))).toEqual([3, 5, 2, 4, 1]);
  });
});
