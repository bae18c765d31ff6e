import type { PeopleFilter, PeopleSort, PersonSummary } from '../../../app/contract/contract';

/**
 * The People page's orders and filters, as labelled in its drop-downs; the engine sorts and
 * filters (people.list; app/people/people-list-order.ts), so `visage people` shows the same.
 */
const options = <T extends string>(labels: Record<T, string>) => Object.entries<string>(labels).map(([value, label]) => ({ value: value as T, label }));

// Records, so that an order or filter the contract adds cannot be left out of the drop-downs.
export const PEOPLE_SORTS = options<PeopleSort>({ 'named-first': 'Named first', photos: 'Most photos', name: 'Name', recent: 'Most recent photo' });
export const PEOPLE_FILTERS = options<PeopleFilter>({ all: 'Everyone', named: 'Named', unnamed: 'Unnamed', hidden: 'Hidden' });

/**
 * The people "Hide unnamed people with at most N photos" hides, as the engine decides it
 * (PeopleRepo.smallUnnamed): unnamed, not hidden, with at most `maxPhotos` photos.
 */
export function peopleToHide(list: readonly PersonSummary[], maxPhotos: number): PersonSummary[] {
  return list.filter((p) => !p.name && !p.hidden && p.faceCount > 0 && p.photoCount <= maxPhotos);
}

/** One choice in a person picker. */
export interface PickOption {
  id: number;
  name: string | null;
  coverFaceId: number | null;
  similarity?: number;
  photoCount?: number;
}
