/**
 * The renderer's only way to the engine: the typed VisageApi of app/contract. In the desktop app
 * it is `window.visage` (exposed by the preload over IPC); in browser mode it is this HTTP client
 * (JSON POSTs to /api/call, Server-Sent Events from /api/events; the cookie carries the token).
 */
import type { EventName, Events, Params, Result, UiMethod, VisageApi } from '../../../app/contract/contract';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = (data: unknown) => void;

interface PreloadApi {
  mode: 'electron';
  call(method: string, params?: unknown): Promise<unknown>;
  on(event: string, listener: (data: unknown) => void): () => void;
}

export function mediaUrl(kind: 'face' | 'thumb' | 'photo', id: number): string {
  return `/media/${kind}/${id}${kind === 'photo' ? '' : '.jpg'}`;
}

function electronApi(p: PreloadApi): VisageApi {
  return {
    mode: 'electron',
    async call(method: string, params?: unknown) {
      try {
        return await p.call(method, params);
      } catch (e) {
        // Electron flattens errors crossing IPC to "Error invoking remote method ...: Code: message".
        const msg = (e as Error).message ?? String(e);
        const m = /(bad-request|unknown-method|not-found|unavailable|busy|failed): (.*)$/s.exec(msg);
        throw m ? new ApiError(m[1]!, m[2]!) : new ApiError('failed', msg);
      }
    },
    on(event, listener) {
      return p.on(event, listener as Listener);
    },
    mediaUrl,
  } as VisageApi;
}

function browserApi(): VisageApi {
  const listeners = new Map<string, Set<Listener>>();
  let source: EventSource | null = null;
  const connect = () => {
    if (source || typeof EventSource === 'undefined') return;
    source = new EventSource('/api/events');
    source.onmessage = (ev) => {
      let msg: { event?: string; data?: unknown };
      try {
        msg = JSON.parse(ev.data as string);
      } catch {
        return;
      }
      if (typeof msg.event !== 'string') return;
      for (const l of listeners.get(msg.event) ?? []) l(msg.data);
    };
  };
  return {
    mode: 'browser',
    async call(method: string, params?: unknown) {
      let res: Response;
      try {
        res = await fetch('/api/call', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ method, params }),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw new ApiError('unavailable', `Visage is not reachable: ${(e as Error).message}`);
      }
      let body: { ok?: boolean; result?: unknown; error?: { code: string; message: string } };
      try {
        body = await res.json();
      } catch {
        throw new ApiError('failed', `Visage answered ${res.status}`);
      }
      if (body.ok) return body.result;
      throw new ApiError(body.error?.code ?? 'failed', body.error?.message ?? `Visage answered ${res.status}`);
    },
    on(event: string, listener: Listener) {
      connect();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set!.delete(listener);
    },
    mediaUrl,
  } as VisageApi;
}

export function createApi(): VisageApi {
  const w = globalThis as unknown as { visage?: PreloadApi };
  return w.visage && w.visage.mode === 'electron' ? electronApi(w.visage) : browserApi();
}

let current: VisageApi | null = null;
export function api(): VisageApi {
  return (current ??= createApi());
}
/** Tests: use a fake. */
export function setApi(a: VisageApi | null): void {
  current = a;
}

export type { EventName, Events, Params, Result, UiMethod, VisageApi };
