/**
 * The full re-cluster computed in a worker thread (PeopleService.reclusterInWorker,
 * app/people/recluster-worker.ts): on the same library it writes exactly what the synchronous
 * recluster() writes (user decisions, names, rejections, merges kept; stable ids; new people
 * created from the worker's placeholder ids), the event loop keeps turning while it runs, a result
 * the library outdated meanwhile (a correction, an undo, a new face) is discarded and computed
 * again, and a failed or aborted worker leaves the database as it was. Real SQLite files with
 * synthetic faces; the worker runs the compiled script from dist/ (built by npm test's pretest).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Correction } from '../../app/contract/people';
import { headLayout, type HeadShape } from '../../app/learning/head';
import { activeHeadId, pendingSwitch, setActiveHeadId, syncProjections, projectionSync } from '../../app/learning/projection';
import { encodeHeadRecord, type HeadRecord } from '../../app/learning/record';
import { Rng } from '../../app/learning/rng';
import { PeopleService } from '../../app/people/people-service';
import { defaultReclusterWorkerPath, PLACEHOLDER_BASE, runPacked } from '../../app/people/recluster-worker';
import { Store } from '../../app/store/store';
import { synthesize } from '../../app/people/synthetic';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const MODEL = 'dlib-resnet-v1';
const stores: Store[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(defaultReclusterWorkerPath())) throw new Error(`${defaultReclusterWorkerPath()} is missing: run "npx tsc -p tsconfig.json" first`);
});

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-recluster-worker-'));
  dirs.push(dir);
  return dir;
}

/** A library of `n` synthetic faces (identities of ~40 faces, low-quality faces, strangers), as a scan leaves it. */
function libraryFile(n: number, seed = 1): string {
  const file = path.join(tempDir(), 'visage.db');
  const store = Store.open(file);
  const db = store.db;
  writeSyntheticFaces(db, n, seed, MODEL);
  store.close();
  return file;
}

/** A copy of a (closed) library file, opened. */
function open(file: string, copy = true): Store {
  let f = file;
  if (copy) {
    f = path.join(tempDir(), 'visage.db');
    fs.copyFileSync(file, f);
  }
  const store = Store.open(f);
  stores.push(store);
  return store;
}

/** Everything a re-cluster may write, in a comparable form (created_at left out). */
function dump(db: Store['db']) {
  return {
    persons: db.prepare('SELECT id, name, hidden, cover_face_id, user_named, merged_into FROM persons ORDER BY id').all(),
    assignments: db.prepare('SELECT face_id, person_id, source, confirmed FROM face_assignments ORDER BY face_id').all(),
    rejections: db.prepare('SELECT face_id, person_id FROM face_rejections ORDER BY face_id, person_id').all(),
    notAFace: db.prepare('SELECT id FROM faces WHERE not_a_face = 1 ORDER BY id').all(),
    settings: db.prepare("SELECT key, value FROM settings WHERE key LIKE 'people.%' OR key LIKE 'learning.%' ORDER BY key").all(),
    corrections: db.prepare('SELECT id, kind, undone FROM corrections ORDER BY id').all(),
  };
}

/** Clusters the library, then the user names, splits, rejects, merges, moves and marks a false detection. */
function withDecisions(file: string): string {
  const store = open(file, false);
  const people = new PeopleService(store.db, { projections: projectionSync });
  people.update();
  const list = people.listPeople();
  expect(list.length).toBeGreaterThanOrEqual(6);
  people.correct({ kind: 'name', personId: list[0]!.id, name: 'Ann' });
  people.correct({ kind: 'name', personId: list[1]!.id, name: 'Bob' });
  people.correct({ kind: 'split', faceIds: people.personFaces(list[2]!.id).slice(0, 3).map((f) => f.id), name: 'Cy' });
  people.correct({ kind: 'reject', personId: list[1]!.id, faceIds: [people.personFaces(list[1]!.id).at(-1)!.id] });
  people.correct({ kind: 'merge', targetId: list[3]!.id, sourceIds: [list[4]!.id] });
  people.correct({ kind: 'move', personId: list[0]!.id, faceIds: [people.personFaces(list[5]!.id)[0]!.id] });
  people.correct({ kind: 'not-a-face', faceIds: [people.personFaces(list[0]!.id).at(-1)!.id] });
  people.correct({ kind: 'hide', personId: list[5]!.id, hidden: true });
  stores.splice(stores.indexOf(store), 1);
  store.close();
  return file;
}

describe('re-cluster in a worker thread', () => {
  it('writes exactly what recluster() writes: decisions, names, rejections, merges kept, stable ids, new people from placeholders', async () => {
    const file = withDecisions(libraryFile(1200, 3));
    const a = open(file);
    const b = open(file);
    const before = dump(b.db);
    const sync = new PeopleService(a.db, { projections: projectionSync }).recluster();
    const worker = await new PeopleService(b.db, { projections: projectionSync }).reclusterInWorker();
    expect({ ...worker, seconds: 0 }).toEqual({ ...sync, seconds: 0 });
    const after = dump(b.db);
    expect(after).toEqual(dump(a.db));
    // The user's decisions are all there; machine people kept their ids where they overlap.
    const users = (d: typeof before) => (d.assignments as { source: string }[]).filter((x) => x.source === 'user');
    expect(users(after)).toEqual(users(before));
    expect(after.rejections).toEqual(before.rejections);
    const named = (d: typeof before) => (d.persons as { user_named: number }[]).filter((p) => p.user_named);
    expect(named(after)).toEqual(named(before));
    const ids = new Set((after.persons as { id: number }[]).map((p) => p.id));
    expect((before.persons as { id: number }[]).filter((p) => ids.has(p.id)).length).toBeGreaterThan(10);
  });

  it('from a never-clustered library (every person new) and under an active head with its own thresholds: the same as recluster(), the pending switch cleared', async () => {
    const file = libraryFile(1000, 5);
    {
      const s = open(file, false);
      const shape: HeadShape = { kind: 'residual-mlp', inDims: 128, outDims: 128, hidden: 16 };
      const r = new Rng(3);
      const weights = new Float32Array(headLayout(shape).size).map(() => r.normal() * 0.02);
      const head: HeadRecord = { id: `${MODEL}/head-1`, version: 1, parent: null, createdAt: new Date().toISOString(), modelId: MODEL, shape, metrics: {}, weights };
      s.db
        .prepare('INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, 1, NULL, ?, 1, ?, ?)')
        .run(head.id, MODEL, head.createdAt, encodeHeadRecord(head), JSON.stringify({ thresholds: { cluster: 0.9 } }));
      setActiveHeadId(s.db, MODEL, head.id);
      syncProjections(s.db, MODEL);
      stores.splice(stores.indexOf(s), 1);
      s.close();
    }
    const a = open(file);
    const b = open(file);
    const pa = new PeopleService(a.db, { projections: projectionSync });
    expect(pa.thresholds.cluster).toBe(0.9);
    const sync = pa.recluster();
    const worker = await new PeopleService(b.db, { projections: projectionSync }).reclusterInWorker();
    expect(worker.created).toBeGreaterThan(5);
    expect({ ...worker, seconds: 0 }).toEqual({ ...sync, seconds: 0 });
    expect(dump(b.db)).toEqual(dump(a.db));
    expect(pendingSwitch(b.db, MODEL)).toBeNull();
    expect(activeHeadId(b.db, MODEL)).toBe(`${MODEL}/head-1`);
  });

  it('placeholder ids: above every real id, in the order the re-cluster asked for them', () => {
    const s = synthesize({ faces: 400, identities: 10, seed: 2 });
    const res = runPacked({
      thresholds: new PeopleService(open(libraryFile(1)).db, { projections: projectionSync }).thresholds,
      faces: { n: s.n, ids: Float64Array.from(s.ids), photoIds: Float64Array.from(s.photoIds), quality: Float32Array.from(s.quality), embeddings: s.embeddings },
      persons: [],
      assigned: { faces: new Float64Array(0), persons: new Float64Array(0) },
      rejected: { faces: new Float64Array(0), persons: new Float64Array(0) },
      previous: { faces: new Float64Array(0), persons: new Float64Array(0) },
    });
    expect(res.placeholders).toBeGreaterThan(0);
    const used = new Set(Array.from(res.persons).filter((p) => p >= 0));
    for (const p of used) expect(p > PLACEHOLDER_BASE && p <= PLACEHOLDER_BASE + res.placeholders).toBe(true);
    expect(res.created).toBe(used.size);
  });

  it('keeps the event loop turning while it computes', async () => {
    const store = open(withDecisions(libraryFile(1500, 7)));
    const people = new PeopleService(store.db, { projections: projectionSync });
    let ticks = 0;
    let firedBeforeDone = false;
    const timer = setInterval(() => ticks++, 2);
    setTimeout(() => (firedBeforeDone = true), 0);
    const r = await people.reclusterInWorker();
    const seen = ticks;
    clearInterval(timer);
    // (a computation on this thread would finish before any timer fires)
    expect(firedBeforeDone).toBe(true);
    expect(seen).toBeGreaterThan(3);
    expect(r.people).toBeGreaterThan(10);
  });

  it('a correction made while the worker runs is kept: the outdated result is discarded and computed again', async () => {
    const file = withDecisions(libraryFile(1200, 3));
    const a = open(file);
    const b = open(file);
    const pa = new PeopleService(a.db, { projections: projectionSync });
    const pb = new PeopleService(b.db, { projections: projectionSync });
    const list = pb.listPeople();
    const face = pb.personFaces(list.at(-1)!.id)[0]!.id;
    const target = list.find((p) => p.name === 'Bob')!.id;
    const correction: Correction = { kind: 'move', personId: target, faceIds: [face] };

    const discarded: number[] = [];
    const run = pb.reclusterInWorker({ onDiscard: (n) => discarded.push(n) });
    // The inputs were read when the call returned; the worker computes now.
    pb.correct(correction);
    await run;
    expect(discarded).toEqual([1]);
    expect(b.db.prepare('SELECT person_id, source FROM face_assignments WHERE face_id = ?').get(face)).toEqual({ person_id: target, source: 'user' });
    // What the synchronous path gives with the correction made first.
    pa.correct(correction);
    pa.recluster();
    expect(dump(b.db)).toEqual(dump(a.db));

    // An undo, then a face a scan added, during later runs: discarded too, nothing lost.
    const undone: number[] = [];
    const run2 = pb.reclusterInWorker({ onDiscard: (n) => undone.push(n) });
    pb.undo();
    await run2;
    expect(undone).toEqual([1]);
    expect(b.db.prepare('SELECT source FROM face_assignments WHERE face_id = ?').get(face)).not.toEqual({ source: 'user' });
    const run3 = pb.reclusterInWorker({ maxAttempts: 1, onDiscard: (n) => undone.push(n) });
    const copyOf = b.db.prepare('SELECT photo_id, embedding, q_score FROM faces WHERE id = ?').get(face) as { photo_id: number; embedding: Buffer; q_score: number };
    const photo = Number(b.db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES ('/lib/new.jpg', 'new', 1, 1, 640, 480, '2024-01-02')").run().lastInsertRowid);
    const added = Number(
      b.db
        .prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, ?, ?)")
        .run(photo, copyOf.embedding, MODEL, copyOf.q_score).lastInsertRowid,
    );
    await run3;
    // (maxAttempts 1: the second run is the synchronous one, which cannot be interleaved)
    expect(undone).toEqual([1, 1]);
    expect(b.db.prepare("SELECT value FROM settings WHERE key = 'people.clusteredUpTo'").get()).toEqual({ value: String(added) });
    expect(b.db.prepare('SELECT person_id FROM face_assignments WHERE face_id = ?').get(added)).toBeDefined();
  });

  it('a worker that fails or is aborted rejects and leaves the database as it was', async () => {
    const store = open(withDecisions(libraryFile(600, 9)));
    const people = new PeopleService(store.db, { projections: projectionSync });
    const before = dump(store.db);
    const dir = tempDir();
    const throws = path.join(dir, 'throws.js');
    fs.writeFileSync(throws, "throw new RangeError('worker broke');\n");
    await expect(people.reclusterInWorker({ workerPath: throws })).rejects.toThrow('worker broke');
    const reports = path.join(dir, 'reports.js');
    fs.writeFileSync(reports, "require('node:worker_threads').parentPort.postMessage({ type: 'error', name: 'TypeError', message: 'bad input' });\n");
    await expect(people.reclusterInWorker({ workerPath: reports })).rejects.toMatchObject({ name: 'TypeError', message: 'bad input' });
    const exits = path.join(dir, 'exits.js');
    fs.writeFileSync(exits, 'process.exit(3);\n');
    await expect(people.reclusterInWorker({ workerPath: exits })).rejects.toThrow(/exited with code 3/);
    const stop = new AbortController();
    const run = people.reclusterInWorker({ signal: stop.signal });
    stop.abort(); // (the inputs are read, the worker computing)
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect(people.reclusterInWorker({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(dump(store.db)).toEqual(before);
    // The service still works afterwards.
    expect((await people.reclusterInWorker()).people).toBeGreaterThan(3);
  });

  describe('the index is built again in the background afterwards', () => {
    /** What the index answers (suggestions of every kind) and the people as the database lists them. */
    const observe = (svc: PeopleService, faces: number[]) => {
      const people = svc.listPeople({ includeHidden: true }).sort((a, b) => a.id - b.id);
      return {
        people: people.map((p) => [p.id, p.name, p.faceCount]),
        suggestFaces: people.slice(0, 8).map((p) => svc.suggestFaces(p.id, 15)),
        suggestPeople: faces.map((f) => svc.suggestPeople(f, 5)),
      };
    };
    const tick = () => new Promise((r) => setImmediate(r));
    const probesOf = (store: Store) => (store.db.prepare('SELECT id FROM faces ORDER BY id').all() as { id: number }[]).map((r) => r.id).filter((_, i) => i % 41 === 0);

    it('ready before the next request, which then waits for no rebuild and answers as a fresh load', async () => {
      const store = open(withDecisions(libraryFile(2500, 13)));
      const svc = new PeopleService(store.db, { projections: projectionSync });
      const builds = svc.indexBuilds;
      await svc.reclusterInWorker();
      // Nobody asks: the index is built in slices between other work.
      await expect.poll(() => svc.indexBuilds, { timeout: 20_000, interval: 5 }).toBe(builds + 1);
      const probes = probesOf(store);
      const seen = observe(svc, probes);
      expect(svc.indexBuilds).toBe(builds + 1);
      expect(seen).toEqual(observe(new PeopleService(store.db, { projections: projectionSync }), probes));
    });

    it('an edit while it is built (here through another service) leaves it unused: the next request rebuilds from the new state', async () => {
      const store = open(withDecisions(libraryFile(2500, 13)));
      const svc = new PeopleService(store.db, { projections: projectionSync });
      await svc.reclusterInWorker();
      await tick(); // the faces are read; the prototypes are still to compute
      const other = new PeopleService(store.db, { projections: projectionSync });
      const p = other.listPeople().sort((a, b) => b.faceCount - a.faceCount)[0]!;
      other.correct({ kind: 'reject', faceIds: other.personFaceIds(p.id).slice(0, 2), personId: p.id });
      for (let i = 0; i < 200; i++) await tick();
      const builds = svc.indexBuilds;
      const probes = probesOf(store);
      expect(observe(svc, probes)).toEqual(observe(new PeopleService(store.db, { projections: projectionSync }), probes));
      expect(svc.indexBuilds).toBe(builds + 1);
    });

    it('a library closed while it is built: the building stops, nothing thrown', async () => {
      const store = open(withDecisions(libraryFile(2500, 13)));
      const svc = new PeopleService(store.db, { projections: projectionSync });
      await svc.reclusterInWorker();
      await tick();
      stores.splice(stores.indexOf(store), 1);
      store.close();
      for (let i = 0; i < 50; i++) await tick();
      expect(store.db.open).toBe(false);
    });
  });
});

