/**
 * Browser mode: the renderer, the contract and the media served over loopback HTTP to a local
 * browser, for machines where the Electron shell cannot run.
 *
 * Security: binds 127.0.0.1 only; a random token per launch (the printed URL carries it once, it
 * becomes an HttpOnly SameSite=Strict cookie, then the URL is cleaned); every request without the
 * token is refused; the Host header must name this server (DNS-rebinding) and a cross-origin
 * Origin/Sec-Fetch-Site is refused (CSRF); API calls must be JSON POSTs; params are validated by
 * the contract; media only from the library folders and the thumbnail cache (media-guard.ts);
 * the same strict CSP as the desktop app.
 *
 * The people file (browser mode has no native dialogs, and the browser never names a path on
 * this machine): GET /api/people-file downloads it (an attachment), POST /api/people-file uploads
 * one to import (JSON, at most MAX_PEOPLE_FILE_BYTES, validated by the contract, then the file
 * format's own schema). Both behind the same token, Host and Origin checks as everything else.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ContractError, MAX_PEOPLE_FILE_BYTES, validateRequest, type EventName, type PeopleExport } from '../contract/contract';
import { toErrorShape } from '../contract/rpc';
import type { EngineClient } from '../engine/client';
import { contentTypeOf, CSP, parseMediaPath, resolveInside, resolveStatic } from '../platform/media-guard';

export interface ServerOptions {
  engine: EngineClient;
  /** 0 (default): a free port. */
  port?: number;
  /** The built renderer (default: dist/renderer). */
  rendererDir?: string;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export function defaultRendererDir(): string {
  return path.join(__dirname, '..', '..', 'renderer');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const BASE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? crypto.randomBytes(32).toString('base64url');
  const rendererDir = opts.rendererDir ?? defaultRendererDir();
  const engine = opts.engine;
  const sse = new Set<http.ServerResponse>();
  let port = 0;
  let cookieName = 'visage';

  const unsubscribe = engine.onEvent((event: EventName, data: unknown) => {
    const line = `data: ${JSON.stringify({ event, data })}\n\n`;
    for (const res of sse) res.write(line);
  });
  const heartbeat = setInterval(() => {
    for (const res of sse) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  function send(res: http.ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
    res.end(body);
  }

  function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
  }

  function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, cache: string): void {
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return send(res, 404, 'not found');
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ...BASE_HEADERS, ETag: etag, 'Cache-Control': cache });
        return res.end();
      }
      res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': contentTypeOf(file), 'Content-Length': String(st.size), ETag: etag, 'Cache-Control': cache });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    });
  }

  function allowedHost(req: http.IncomingMessage): boolean {
    const h = req.headers.host;
    return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  }

  function sameOrigin(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return false;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
    return true;
  }

  function authorised(req: http.IncomingMessage): boolean {
    const header = req.headers['x-visage-token'];
    if (typeof header === 'string' && safeEqual(header, token)) return true;
    const c = cookieValue(req.headers.cookie, cookieName);
    return c !== null && safeEqual(c, token);
  }

  async function readBody(req: http.IncomingMessage, limit = MAX_BODY): Promise<string> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw new ContractError('bad-request', 'request too large');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new ContractError('bad-request', 'request too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  function sendError(res: http.ServerResponse, e: unknown, req?: http.IncomingMessage): void {
    // A body refused half-read (too large) leaves the connection unusable: close it.
    if (req && !req.complete) res.setHeader('Connection', 'close');
    const err = toErrorShape(e);
    const status = err.code === 'bad-request' || err.code === 'unknown-method' ? 400 : err.code === 'not-found' ? 404 : err.code === 'busy' ? 409 : err.code === 'unavailable' ? 503 : 500;
    sendJson(res, status, { ok: false, error: err });
  }

  /** GET: the people file as a download; POST: a people file to import (one undoable correction). */
  async function handlePeopleFile(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      try {
        const r = (await engine.call('people.export', validateRequest('people.export', undefined, { allowInternal: true }).params)) as PeopleExport;
        const name = `visage-people-${new Date().toISOString().slice(0, 10)}.visage-people.json`;
        return send(res, 200, r.text ?? '', 'application/json; charset=utf-8', {
          'Content-Disposition': `attachment; filename="${name}"`,
          'X-Visage-Persons': String(r.persons),
          'X-Visage-Faces': String(r.faces),
        });
      } catch (e) {
        return sendError(res, e);
      }
    }
    if (req.method !== 'POST') return send(res, 405, 'GET or POST only', 'text/plain', { Allow: 'GET, POST' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { ok: false, error: { code: 'bad-request', message: 'JSON only' } });
    try {
      const text = await readBody(req, MAX_PEOPLE_FILE_BYTES);
      const raw = req.headers['x-visage-file-name'];
      let source = 'uploaded file';
      if (typeof raw === 'string' && raw.trim()) {
        try {
          source = decodeURIComponent(raw).slice(0, 200);
        } catch {
          /* keep the default */
        }
      }
      const v = validateRequest('people.import', { text, source }, { allowInternal: true });
      const result = await engine.call(v.method, v.params);
      sendJson(res, 200, { ok: true, result: result ?? null });
    } catch (e) {
      sendError(res, e, req);
    }
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return send(res, 405, 'POST only', 'text/plain', { Allow: 'POST' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { ok: false, error: { code: 'bad-request', message: 'JSON only' } });
    try {
      const raw = await readBody(req);
      let body: { method?: unknown; params?: unknown };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        throw new ContractError('bad-request', 'invalid JSON');
      }
      if (!body || typeof body !== 'object') throw new ContractError('bad-request', 'expected { method, params }');
      const v = validateRequest(body.method, body.params, { allowInternal: false, allowShell: false });
      const result = await engine.call(v.method, v.params);
      sendJson(res, 200, { ok: true, result: result ?? null });
    } catch (e) {
      sendError(res, e, req);
    }
  }

  async function handleMedia(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    const m = parseMediaPath(pathname);
    if (!m) return send(res, 404, 'not found');
    let loc: { file: string; allowedRoots?: string[] };
    try {
      loc = (await engine.call('media.resolve', { kind: m.kind, id: m.id })) as typeof loc;
    } catch {
      return send(res, 404, 'not found');
    }
    // Checked again here, by whoever reads the file: only library folders and the thumbnail cache.
    const real = resolveInside(loc.file, loc.allowedRoots ?? []);
    if (!real) return send(res, 403, 'forbidden');
    sendFile(req, res, real, 'private, max-age=300');
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!allowedHost(req)) return send(res, 421, 'wrong host');
      if (!sameOrigin(req)) return send(res, 403, 'cross-origin request refused');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const pathname = url.pathname;
      // First visit: the printed URL's token becomes a cookie, then the URL loses it.
      const qToken = url.searchParams.get('token');
      if (qToken !== null && req.method === 'GET' && pathname === '/') {
        if (!safeEqual(qToken, token)) return send(res, 401, 'wrong token: open the link Visage printed');
        res.writeHead(303, { ...BASE_HEADERS, Location: '/', 'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'Cache-Control': 'no-store' });
        return res.end();
      }
      if (!authorised(req)) return send(res, 401, 'Visage: this address needs the link with the token that Visage printed when it started.');
      if (pathname === '/api/call') return handleApi(req, res);
      if (pathname === '/api/people-file') return handlePeopleFile(req, res);
      if (pathname === '/api/events') {
        if (req.method !== 'GET') return send(res, 405, 'GET only');
        res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
        res.write(': connected\n\n');
        sse.add(res);
        req.on('close', () => sse.delete(res));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
      if (pathname.startsWith('/media/')) return handleMedia(req, res, pathname);
      const file = resolveStatic(rendererDir, pathname);
      if (!file) {
        if (!fs.existsSync(path.join(rendererDir, 'index.html'))) return send(res, 503, 'The Visage UI is not built: run "npm run build:renderer".');
        return send(res, 404, 'not found');
      }
      sendFile(req, res, file, file.endsWith('index.html') ? 'no-store' : 'private, max-age=3600');
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${(e as Error).message}`);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `visage-${port}`;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const res of sse) res.end();
      sse.clear();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
    },
  };
}
