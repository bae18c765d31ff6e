/**
 * "Export people" / "Import" and XMP through the engine host and browser mode's HTTP server:
 * the download (GET /api/people-file) and the upload (POST /api/people-file) behind the token,
 * Host and Origin checks, size-limited and validated; a round trip into a fresh library of the
 * same photos; the import is one undoable correction; named faces written as XMP sidecars are
 * read back by a fresh library. A few photos of ../shared/datasets/people/dlib-johns are copied to
 * a temp folder; faces come from the fast fake analyzer (one face a photo).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceInfo, PeopleExport, PeopleImport, PersonSummary, XmpWrite } from '../../app/contract/contract';
import { InProcessEngine } from '../../app/engine/client';
import { startServer, type RunningServer } from '../../app/server/http-server';
import { parsePeopleFile, readPeopleFile } from '../../app/interop/people-file';
import { FakeAnalyzer, nextEvent, tempDir } from '../e2e/fixtures';
import { PEOPLE } from '../helpers/paths';

const JOHNS = path.join(PEOPLE, 'dlib-johns');
const canRun = fs.existsSync(JOHNS);

interface Lib {
  engine: InProcessEngine;
  server: RunningServer;
}

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let dir: string;
let photos: string;
const libs: Lib[] = [];

function request(l: Lib, pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: string; token?: boolean } = {}): Promise<Res> {
  const headers: Record<string, string> = { host: `127.0.0.1:${l.server.port}`, ...(opts.headers ?? {}) };
  if (opts.token !== false) headers['x-visage-token'] = l.server.token;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: l.server.port, path: pathname, method: opts.method ?? 'GET', headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve({ status: 0, headers: {}, body: '' }) : reject(e)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

async function call<T>(l: Lib, method: string, params?: unknown): Promise<T> {
  const r = await request(l, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, params }) });
  const body = JSON.parse(r.body) as { ok: boolean; result: T; error?: { message: string } };
  if (!body.ok) throw Object.assign(new Error(body.error!.message), { status: r.status });
  return body.result;
}

function upload(l: Lib, text: string, headers: Record<string, string> = {}): Promise<Res> {
  return request(l, '/api/people-file', { method: 'POST', headers: { 'content-type': 'application/json', 'x-visage-file-name': 'backup.visage-people.json', ...headers }, body: text });
}

/** A library over the same photos, scanned. */
async function library(name: string): Promise<Lib> {
  const engine = new InProcessEngine({ dbPath: path.join(dir, name, 'visage.db'), createAnalyzer: async () => new FakeAnalyzer(), learningService: null });
  const server = await startServer({ engine, rendererDir: dir });
  const l = { engine, server };
  libs.push(l);
  const done = nextEvent(engine, 'scan.finished', 60_000);
  await call(l, 'library.addFolder', { path: photos });
  await call(l, 'scan.start');
  await done;
  return l;
}

/** Face -> person name, keyed by the photo's file (one face a photo here). */
async function namesByPhoto(l: Lib): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of await call<PersonSummary[]>(l, 'people.list', { includeHidden: true })) {
    if (!p.name) continue;
    for (const f of await call<FaceInfo[]>(l, 'people.faces', { id: p.id })) out[path.relative(photos, f.photoPath)] = p.name;
  }
  return out;
}

let a: Lib;
let expected: Record<string, string>;

beforeAll(async () => {
  if (!canRun) return;
  dir = tempDir('visage-people-file-');
  photos = path.join(dir, 'Photos');
  for (const id of ['John_Savage', 'John_Simm', 'John_Shimkus']) {
    fs.mkdirSync(path.join(photos, id), { recursive: true });
    for (const f of fs.readdirSync(path.join(JOHNS, id)).filter((n) => n.endsWith('.jpg')).sort().slice(0, 2)) fs.copyFileSync(path.join(JOHNS, id, f), path.join(photos, id, f));
  }
  a = await library('a');
  // Name everyone: the two faces of each folder become one named person.
  const faces: FaceInfo[] = [...(await call<FaceInfo[]>(a, 'people.unassigned', { limit: 100 }))];
  for (const p of await call<PersonSummary[]>(a, 'people.list', { includeHidden: true })) faces.push(...(await call<FaceInfo[]>(a, 'people.faces', { id: p.id })));
  expect(faces).toHaveLength(6);
  for (const id of ['John_Savage', 'John_Simm', 'John_Shimkus']) {
    const ids = faces.filter((f) => f.photoPath.includes(`/${id}/`)).map((f) => f.id);
    await call(a, 'people.correct', { kind: 'split', faceIds: ids, name: id.replace('_', ' ') });
  }
  expected = await namesByPhoto(a);
  expect(Object.keys(expected)).toHaveLength(6);
}, 120_000);

afterAll(async () => {
  for (const l of libs) {
    await l.server.close();
    await l.engine.close();
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canRun)('people file and XMP through the engine host and the HTTP server', () => {
  let exported: string;

  it('downloads the people file (an attachment) only with the token and from the same origin', async () => {
    expect((await request(a, '/api/people-file', { token: false })).status).toBe(401);
    expect((await request(a, '/api/people-file', { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await request(a, '/api/people-file', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await request(a, '/api/people-file', { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await request(a, '/api/people-file', { method: 'DELETE' })).status).toBe(405);
    const r = await request(a, '/api/people-file', { headers: { 'sec-fetch-site': 'same-origin' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="visage-people-\d{4}-\d\d-\d\d\.visage-people\.json"$/);
    expect(r.headers['cache-control']).toBe('no-store');
    const file = parsePeopleFile(r.body);
    expect(file.persons.map((p) => p.name).sort()).toEqual(['John Savage', 'John Shimkus', 'John Simm']);
    expect(file.faces).toHaveLength(6);
    exported = r.body;
  });

  it('exports to a file the desktop shell chose (people.export is internal: never from the UI)', async () => {
    const out = path.join(dir, 'out', 'backup.visage-people.json');
    const r = (await a.engine.call('people.export', { path: out })) as PeopleExport;
    expect(r).toMatchObject({ file: out, persons: 3, faces: 6 });
    expect(readPeopleFile(out).faces).toHaveLength(6);
    await expect(a.engine.call('people.export', { path: 'relative.json' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(a.engine.call('people.export', { path: dir })).rejects.toMatchObject({ code: 'bad-request' });
    // The renderer cannot name a path: both methods are refused on /api/call.
    const viaUi = await request(a, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'people.export', params: { path: out } }) });
    expect(viaUi.status).toBe(400);
    expect(viaUi.body).toContain('unknown-method');
    const imp = await request(a, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'people.import', params: { path: out } }) });
    expect(imp.status).toBe(400);
  });

  it('round trip: a fresh library of the same photos imports the file as one undoable correction', async () => {
    const b = await library('b');
    expect(await namesByPhoto(b)).toEqual({});
    const changed = nextEvent<{ reason: string }>(b.engine, 'people.changed', 5000);
    const r = await upload(b, exported);
    expect(r.status).toBe(200);
    const report = (JSON.parse(r.body) as { ok: boolean; result: PeopleImport }).result;
    expect(report).toMatchObject({ persons: 3, faces: 6, unmatched: [] });
    expect(report.correction).not.toBeNull();
    expect((await changed).reason).toBe('correct:import');
    expect(await namesByPhoto(b)).toEqual(expected);
    const history = await call<{ kind: string; correction: { source?: string } }[]>(b, 'people.history', { limit: 5 });
    expect(history[0]).toMatchObject({ kind: 'import', correction: { source: 'backup.visage-people.json' } });
    // Ctrl+Z: the whole import goes in one step, and comes back with redo.
    expect(await call(b, 'people.undo')).toMatchObject({ kind: 'import' });
    expect(await namesByPhoto(b)).toEqual({});
    await call(b, 'people.redo');
    expect(await namesByPhoto(b)).toEqual(expected);
  });

  it('refuses uploads that are not people files, too large, not JSON, or without the checks', async () => {
    const b = libs[1]!;
    const bad = await upload(b, JSON.stringify({ format: 'something-else' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/not a Visage people file/);
    const broken = await upload(b, '{"format": "visage-people", ');
    expect(broken.status).toBe(400);
    const invalid = JSON.parse(exported);
    invalid.faces[0].box.width = -5;
    expect((await upload(b, JSON.stringify(invalid))).status).toBe(400);
    expect((await upload(b, exported, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await upload(b, exported, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await request(b, '/api/people-file', { method: 'POST', token: false, headers: { 'content-type': 'application/json' }, body: exported })).status).toBe(401);
    const huge = await request(b, '/api/people-file', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(65 * 1024 * 1024) }, body: '' });
    expect([0, 400]).toContain(huge.status);
    // Nothing of that reached the corrections.
    expect((await call<{ kind: string }[]>(b, 'people.history', { limit: 1 }))[0]!.kind).toBe('import');
  });

  it('writes named faces as XMP sidecars; a fresh library names its faces from them (undoable)', async () => {
    const w = await call<XmpWrite>(a, 'xmp.write');
    expect(w).toMatchObject({ photos: 6, regions: 6, failed: [] });
    for (const s of w.sidecars) {
      expect(fs.existsSync(s)).toBe(true);
      expect(path.dirname(s).startsWith(photos)).toBe(true);
      expect(fs.readFileSync(s, 'utf8')).toContain('mwg-rs:Regions');
    }
    const one = await call<XmpWrite>(a, 'xmp.write', { personId: (await call<PersonSummary[]>(a, 'people.list', { query: 'Simm' }))[0]!.id });
    expect(one.photos).toBe(2);
    await expect(a.engine.call('xmp.write', { personId: 'x' })).rejects.toMatchObject({ code: 'bad-request' });
    const c = await library('c');
    const r = await call<PeopleImport>(c, 'xmp.read');
    expect(r).toMatchObject({ photos: 6, faces: 6, persons: 3, unmatched: [] });
    expect(await namesByPhoto(c)).toEqual(expected);
    expect(await call(c, 'people.undo')).toMatchObject({ kind: 'import' });
    expect(await namesByPhoto(c)).toEqual({});
  });
});
