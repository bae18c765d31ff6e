/**
 * The `visage://` protocol: `visage://app/...` serves the built renderer (dist/renderer) and
 * `visage://app/media/<face|thumb|photo>/<id>` serves photos and face thumbnails, read only from
 * inside the library folders and the thumbnail cache (app/platform/media-guard.ts; the engine
 * resolves the id, this handler re-checks the real path before reading).
 */
import { protocol } from 'electron';
import fs from 'node:fs';
import { contentTypeOf, CSP, parseMediaPath, resolveInside, resolveStatic } from '../app/platform/media-guard';
import type { EngineBridge } from './engine-bridge';

export const SCHEME = 'visage';
export const APP_HOST = 'app';

/** Must run before the app is ready. */
export function registerScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);
}

const HEADERS = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin' };

function notFound(status = 404): Response {
  return new Response('not found', { status, headers: { ...HEADERS, 'Content-Type': 'text/plain' } });
}

async function fileResponse(file: string, cache: string): Promise<Response> {
  const body = await fs.promises.readFile(file);
  return new Response(new Uint8Array(body), { status: 200, headers: { ...HEADERS, 'Content-Type': contentTypeOf(file), 'Cache-Control': cache } });
}

export function makeHandler(deps: { rendererDir: string; engine: Pick<EngineBridge, 'call'> }): (req: Request) => Promise<Response> {
  return async (req) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return notFound(400);
    }
    if (url.protocol !== `${SCHEME}:` || url.host !== APP_HOST) return notFound();
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(405);
    if (url.pathname.startsWith('/media/')) {
      const m = parseMediaPath(url.pathname);
      if (!m) return notFound();
      let loc: { file: string; allowedRoots?: string[] };
      try {
        loc = (await deps.engine.call('media.resolve', { kind: m.kind, id: m.id })) as typeof loc;
      } catch {
        return notFound();
      }
      const real = resolveInside(loc.file, loc.allowedRoots ?? []);
      if (!real) return notFound(403);
      return fileResponse(real, 'private, max-age=300');
    }
    const file = resolveStatic(deps.rendererDir, url.pathname);
    if (!file) return notFound();
    return fileResponse(file, 'no-cache');
  };
}

export function handleProtocol(deps: { rendererDir: string; engine: Pick<EngineBridge, 'call'> }): void {
  protocol.handle(SCHEME, makeHandler(deps));
}
