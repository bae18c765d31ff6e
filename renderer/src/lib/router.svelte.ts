/** Hash routes: #/people, #/person/12, #/photo/5?face=9, #/unassigned, #/same-person, #/scan, #/learn, #/settings, #/welcome. */
export type Route =
  | { name: 'people' }
  | { name: 'person'; id: number }
  | { name: 'photo'; id: number; face: number | null }
  | { name: 'unassigned' }
  | { name: 'same-person' }
  | { name: 'scan' }
  | { name: 'learn' }
  | { name: 'settings' }
  | { name: 'welcome' };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const [pathPart, query = ''] = h.split('?');
  const parts = (pathPart ?? '').split('/').filter(Boolean);
  const num = (s: string | undefined) => (s && /^[1-9][0-9]*$/.test(s) ? Number(s) : null);
  switch (parts[0]) {
    case 'person': {
      const id = num(parts[1]);
      return id ? { name: 'person', id } : { name: 'people' };
    }
    case 'photo': {
      const id = num(parts[1]);
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- parsed once, read once: nothing to react to
      const face = num(new URLSearchParams(query).get('face') ?? undefined);
      return id ? { name: 'photo', id, face } : { name: 'people' };
    }
    case 'unassigned':
    case 'same-person':
    case 'scan':
    case 'learn':
    case 'settings':
    case 'welcome':
      return { name: parts[0] };
    default:
      return { name: 'people' };
  }
}

export function href(r: Route): string {
  switch (r.name) {
    case 'person':
      return `#/person/${r.id}`;
    case 'photo':
      return `#/photo/${r.id}${r.face ? `?face=${r.face}` : ''}`;
    default:
      return `#/${r.name}`;
  }
}

class Router {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (this.route = parseRoute(location.hash)));
  }

  go(r: Route): void {
    const h = href(r);
    if (location.hash !== h) location.hash = h;
    else this.route = r;
  }
}

export const router = new Router();
