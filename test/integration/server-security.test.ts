/**
 * Browser mode's HTTP server: the token (refused without it), Host and Origin checks, JSON-only
 * API with contract validation, and media served only from the library folders and the thumbnail
 * cache (path traversal, symlinks and database rows pointing outside are refused).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEngine } from '../../app/engine/client';
import { startServer, type RunningServer } from '../../app/server/http-server';
import { parseMediaPath, resolveInside, resolveStatic } from '../../app/platform/media-guard';
import { Store } from '../../app/store/store';
import { FakeAnalyzer, nextEvent, syntheticPhotos, tempDir } from '../e2e/fixtures';

let dir: string;
let lib: string;
let engine: InProcessEngine;
let server: RunningServer;
let dbPath: string;
const SECRET = 'TOP-SECRET-CONTENT-OUTSIDE-LIBRARY';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function raw(pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string; token?: boolean } = {}): Promise<Res> {
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, ...(opts.headers ?? {}) };
  if (opts.token !== false) headers.cookie = `visage-${server.port}=${server.token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathname, method: opts.method ?? 'GET', headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function api(method: string, params?: unknown, extra: { headers?: Record<string, string>; token?: boolean } = {}): Promise<Res> {
  return raw('/api/call', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${server.port}`, ...(extra.headers ?? {}) },
    body: JSON.stringify({ method, params }),
    token: extra.token,
  });
}

beforeAll(async () => {
  dir = tempDir('visage-server-');
  lib = path.join(dir, 'Library');
  await syntheticPhotos(lib, 3);
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  // A symlink inside the library pointing outside it.
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(lib, 'escape.jpg'));
  const renderer = path.join(dir, 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Visage</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log(1)');
  dbPath = path.join(dir, 'data', 'visage.db');
  engine = new InProcessEngine({ dbPath, createAnalyzer: async () => new FakeAnalyzer() });
  server = await startServer({ engine, rendererDir: renderer });
  const done = nextEvent(engine, 'scan.finished', 60_000);
  expect((await api('library.addFolder', { path: lib })).status).toBe(200);
  expect((await api('scan.start')).status).toBe(200);
  await done;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('browser mode: the token', () => {
  it('prints the URL with a per-launch token on loopback', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses every request without the token', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/media/thumb/1.jpg', '/api/events']) {
      const r = await raw(p, { token: false });
      expect(r.status, p).toBe(401);
      expect(r.body).not.toContain('<title>Visage');
    }
    expect((await api('library.state', undefined, { token: false })).status).toBe(401);
    expect((await raw('/', { token: false, headers: { cookie: `visage-${server.port}=wrong` } })).status).toBe(401);
    expect((await raw('/?token=wrong', { token: false })).status).toBe(401);
  });

  it('turns the printed token into an HttpOnly SameSite=Strict cookie and cleans the URL', async () => {
    const r = await raw(`/?token=${server.token}`, { token: false });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toContain(`visage-${server.port}=${server.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await raw('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Visage');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    // The header form works for non-browser clients.
    expect((await api('library.state', undefined, { token: false, headers: { 'x-visage-token': server.token } })).status).toBe(200);
  });
});

describe('browser mode: Host and Origin', () => {
  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`, '']) {
      expect((await raw('/', { headers: { host } })).status, host).toBe(421);
    }
    expect((await raw('/', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('refuses cross-origin requests (CSRF)', async () => {
    expect((await api('library.state', undefined, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await api('library.state', undefined, { headers: { origin: 'null' } })).status).toBe(403);
    expect((await api('library.state', undefined, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await raw('/media/thumb/1.jpg', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
  });

  it('takes API calls only as JSON POSTs with valid contract requests', async () => {
    expect((await raw('/api/call')).status).toBe(405);
    const form = await raw('/api/call', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'method=library.state' });
    expect(form.status).toBe(415);
    const bad = await raw('/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect((await api('people.get', { id: 'x' })).status).toBe(400);
    const unknown = await api('people.dropEverything', {});
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error.code).toBe('unknown-method');
    // Internal and shell-only methods are not reachable from the browser.
    expect(JSON.parse((await api('media.resolve', { kind: 'photo', id: 1 })).body).error.code).toBe('unknown-method');
    expect(JSON.parse((await api('shell.chooseFolder')).body).error.code).toBe('unknown-method');
    const big = await raw('/api/call', { method: 'POST', headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${server.port}` }, body: JSON.stringify({ method: 'library.state', params: { x: 'a'.repeat(1_100_000) } }) });
    expect(big.status).toBe(400);
    const ok = JSON.parse((await api('library.state')).body);
    expect(ok.ok).toBe(true);
    expect(ok.result.photos).toBe(3);
  });
});

describe('settings', () => {
  it('keeps the clustering strictness beside the database and re-clusters with it', async () => {
    const set = JSON.parse((await api('settings.set', { strictness: 'strict' })).body);
    expect(set.result).toEqual({ strictness: 'strict', minFacePixels: 0 });
    expect(JSON.parse((await api('library.state')).body).result.settings.strictness).toBe('strict');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'data', 'visage.settings.json'), 'utf8')).strictness).toBe('strict');
    const r = JSON.parse((await api('people.recluster')).body);
    expect(r.ok).toBe(true);
    expect(typeof r.result.people).toBe('number');
    expect(JSON.parse((await api('settings.set', { strictness: 'normal' })).body).result).toEqual({ strictness: 'normal', minFacePixels: 0 });
  });
});

describe('media: only library folders and the thumbnail cache', () => {
  it('serves photos, photo thumbnails and face thumbnails by id', async () => {
    const photo = await raw('/media/photo/1');
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    const thumb = await raw('/media/thumb/1.jpg');
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    const face = await raw('/media/face/1.jpg');
    expect(face.status).toBe(200);
    expect((await raw('/media/photo/999999')).status).toBe(404);
  });

  it('refuses path traversal in every encoding', async () => {
    const attempts = [
      '/media/../../secret.txt',
      '/media/photo/../../../secret.txt',
      '/media/photo/1/../../../../etc/passwd',
      '/media/photo/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/media/photo/..%2f..%2fsecret.txt',
      '/media/photo/1%00.jpg',
      '/media/photo/-1',
      '/media/photo/0',
      '/media/photo/1e3',
      '/media/face/1.jpg/..',
      '/media/thumb/99999999999999999999',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2f%2e%2e%2fetc/passwd',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5c..%5csecret.txt',
      '/assets/..\\..\\secret.txt',
      '//etc/passwd',
      '/%00',
    ];
    for (const p of attempts) {
      const r = await raw(p);
      expect([400, 403, 404], `${p} -> ${r.status}`).toContain(r.status);
      expect(r.body, p).not.toContain(SECRET);
      expect(r.body, p).not.toContain('root:');
    }
  });

  it('refuses a database row that points outside the library (tampered or stale)', async () => {
    const store = Store.open(dbPath);
    try {
      store.db.prepare('UPDATE photos SET path = ?, format = ? WHERE id = 2').run(path.join(dir, 'secret.txt'), 'jpeg');
    } finally {
      store.close();
    }
    const r = await raw('/media/photo/2');
    expect([403, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
  });

  it('guards real paths: symlinks out of a root and sibling prefixes do not count as inside', () => {
    expect(resolveInside(path.join(lib, 'p0.jpg'), [lib])).toBe(fs.realpathSync(path.join(lib, 'p0.jpg')));
    expect(resolveInside(path.join(lib, 'escape.jpg'), [lib])).toBeNull();
    expect(resolveInside(path.join(lib, '..', 'secret.txt'), [lib])).toBeNull();
    fs.mkdirSync(`${lib}-sibling`, { recursive: true });
    fs.writeFileSync(`${lib}-sibling/x.jpg`, 'x');
    expect(resolveInside(`${lib}-sibling/x.jpg`, [lib])).toBeNull();
    expect(resolveInside(lib, [lib])).toBeNull();
    expect(resolveInside('relative.jpg', [lib])).toBeNull();
    expect(resolveInside(`${lib}/p0.jpg\0`, [lib])).toBeNull();
    expect(resolveStatic(path.join(dir, 'renderer'), '/%2e%2e/secret.txt')).toBeNull();
    expect(resolveStatic(path.join(dir, 'renderer'), '/')).toMatch(/index\.html$/);
    expect(parseMediaPath('/media/face/12.jpg')).toEqual({ kind: 'face', id: 12 });
    expect(parseMediaPath('/media/face/12.png')).toBeNull();
    expect(parseMediaPath('/media/secret/12')).toBeNull();
  });

  it('stops serving a folder once it leaves the library', async () => {
    expect((await raw('/media/photo/3')).status).toBe(200);
    const r = JSON.parse((await api('library.removeFolder', { path: lib })).body);
    expect(r.ok).toBe(true);
    expect(r.result.folders).toEqual([]);
    // Only the tampered row (which points outside every folder) is left.
    expect(r.result.photos).toBe(1);
    expect((await raw('/media/photo/3')).status).toBe(404);
  });
});
