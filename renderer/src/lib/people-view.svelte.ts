/**
 * The People page's order and filter, remembered for the session (while the app runs; a new
 * window starts with the defaults).
 */
import type { PeopleFilter, PeopleSort } from '../../../app/contract/contract';

export const peopleView = $state<{ sort: PeopleSort; filter: PeopleFilter }>({ sort: 'named-first', filter: 'all' });
