/**
 * Re-projecting the library after a head is adopted or rolled back (app/learning/projection.ts):
 * the chunked background run writes exactly what the one-transaction catch-up writes, stops
 * cleanly on abort (done faces carry the new head, the rest stay stale and a later call finishes
 * them), lets the event loop run between chunks, and a roll back to the base restores the base
 * bytes exactly. On real SQLite files with synthetic faces (no network run).
 */
import { describe, expect, it } from 'vitest';
import { headLayout, projectQuantized, type HeadShape } from '../../app/learning/head';
import { LearningService } from '../../app/learning/learning-service';
import {
  BASE_HEAD,
  STALENESS_QUERIES,
  activeHeadId,
  baseVector,
  loadHead,
  pendingSwitch,
  reprojectInChunks,
  setActiveHeadId,
  syncProjections,
  projectionSync,
} from '../../app/learning/projection';
import { encodeHeadRecord, type HeadRecord } from '../../app/learning/record';
import { Rng } from '../../app/learning/rng';
import { getEmbedder } from '../../app/faces/models/registry';
import { PeopleService } from '../../app/people/people-service';
import type { Store } from '../../app/store/store';
import { tempStores } from '../helpers/temp-stores';

const MODEL = 'dlib-resnet-v1';
const temp = tempStores('visage-reproject-');

/** A library of `n` faces as a scan leaves them (only `embedding`, the base), with `heads` stored. */
function library(n: number, seed = 1): Store {
  const store = temp.open();
  const r = new Rng(seed);
  const db = store.db;
  db.transaction(() => {
    const photo = db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, 'h', 1, 1, 640, 480, '2024-01-01')");
    const face = db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, ?)");
    for (let i = 0; i < n; i++) {
      const photoId = Number(photo.run(`/lib/p${i}.jpg`).lastInsertRowid);
      const e = Buffer.alloc(128);
      for (let k = 0; k < 128; k++) e[k] = Math.max(-127, Math.min(127, Math.round(r.normal() * 40))) & 0xff;
      face.run(photoId, e, MODEL);
    }
    // A face of another model: never touched.
    face.run(1, Buffer.alloc(128, 3), 'other-model');
  })();
  return store;
}

/** A random residual-MLP head (far from the identity, so that every face's bytes change). */
function storeHead(db: Store['db'], version: number, seed: number): string {
  const shape: HeadShape = { kind: 'residual-mlp', inDims: 128, outDims: 128, hidden: 16 };
  const r = new Rng(seed);
  const weights = new Float32Array(headLayout(shape).size).map(() => r.normal() * 0.2);
  const head: HeadRecord = { id: `${MODEL}/head-${version}`, version, parent: null, createdAt: new Date().toISOString(), modelId: MODEL, shape, metrics: {}, weights };
  db.prepare("INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, ?, NULL, ?, 1, ?, '{}')").run(
    head.id,
    MODEL,
    version,
    head.createdAt,
    encodeHeadRecord(head),
  );
  return head.id;
}

interface Row {
  id: number;
  embedding: Buffer;
  base_embedding: Buffer | null;
  head_id: string | null;
  model_id: string;
}
const rows = (s: Store) => s.db.prepare('SELECT id, embedding, base_embedding, head_id, model_id FROM faces ORDER BY id').all() as Row[];
const ours = (s: Store) => rows(s).filter((f) => f.model_id === MODEL);

describe('re-projecting the library in chunks', () => {
  it('writes byte for byte what the one-transaction catch-up writes, with progress per chunk', async () => {
    const a = library(500);
    const b = library(500);
    const head = storeHead(a.db, 1, 7);
    expect(storeHead(b.db, 1, 7)).toBe(head);
    setActiveHeadId(a.db, MODEL, head);
    setActiveHeadId(b.db, MODEL, head);
    expect(syncProjections(a.db, MODEL)).toBe(500);
    const progress: [number, number][] = [];
    expect(await reprojectInChunks(b.db, MODEL, { chunk: 37, onProgress: (done, total) => progress.push([done, total]) })).toBe(500);
    expect(progress).toHaveLength(Math.ceil(500 / 37));
    expect(progress.at(-1)).toEqual([500, 500]);
    expect(progress.every(([d, t], i) => t === 500 && d === Math.min(500, (i + 1) * 37))).toBe(true);
    const ra = rows(a);
    const rb = rows(b);
    expect(rb.map((f) => [f.id, f.head_id])).toEqual(ra.map((f) => [f.id, f.head_id]));
    for (let i = 0; i < ra.length; i++) expect(rb[i]!.embedding.equals(ra[i]!.embedding), `face ${ra[i]!.id}`).toBe(true);
    const mine = ours(b);
    expect(mine.every((f) => f.head_id === head)).toBe(true);
    // Every face as the head projects it alone (the batched pages change no byte).
    const h = loadHead(b.db, head)!;
    const scale = getEmbedder(MODEL).quantScale;
    for (const f of mine) {
      const q = projectQuantized(h.shape, h.weights, baseVector(f.base_embedding!, scale), scale);
      expect(f.embedding.equals(Buffer.from(q.buffer, q.byteOffset, 128)), `face ${f.id}`).toBe(true);
    }
    // The head changed the bytes, and the base was kept.
    expect(mine.filter((f) => f.embedding.equals(f.base_embedding!)).length).toBeLessThan(5);
    const other = rows(b).find((f) => f.model_id !== MODEL)!;
    expect(other.head_id).toBeNull();
    expect(other.embedding.equals(Buffer.alloc(128, 3))).toBe(true);
    // Nothing left: both are cheap no-ops now.
    expect(await reprojectInChunks(b.db, MODEL)).toBe(0);
    expect(syncProjections(b.db, MODEL)).toBe(0);
  });

  it('stops cleanly on abort: done faces carry the new head, the rest stay stale, a second call finishes them', async () => {
    const s = library(300);
    const ref = library(300);
    const head = storeHead(s.db, 1, 11);
    storeHead(ref.db, 1, 11);
    setActiveHeadId(ref.db, MODEL, head);
    syncProjections(ref.db, MODEL);
    setActiveHeadId(s.db, MODEL, head);
    const abort = new AbortController();
    let chunks = 0;
    const done = await reprojectInChunks(s.db, MODEL, {
      chunk: 40,
      signal: abort.signal,
      onProgress: () => {
        if (++chunks === 3) abort.abort();
      },
    });
    expect(done).toBe(120);
    const mid = ours(s);
    // Keyset order: the first 120 faces by id are done, each fully (new bytes and head id together).
    const want = ours(ref);
    mid.forEach((f, i) => {
      if (i < 120) {
        expect(f.head_id).toBe(head);
        expect(f.embedding.equals(want[i]!.embedding)).toBe(true);
      } else {
        expect(f.head_id).toBeNull();
        expect(f.embedding.equals(f.base_embedding!)).toBe(true);
      }
    });
    // Already aborted: nothing more happens.
    expect(await reprojectInChunks(s.db, MODEL, { signal: abort.signal })).toBe(0);
    const progress: [number, number][] = [];
    expect(await reprojectInChunks(s.db, MODEL, { chunk: 100, onProgress: (d, t) => progress.push([d, t]) })).toBe(180);
    expect(progress).toEqual([
      [100, 180],
      [180, 180],
    ]);
    const end = ours(s);
    expect(end.every((f, i) => f.head_id === head && f.embedding.equals(want[i]!.embedding))).toBe(true);
  });

  it('the one-transaction catch-up also finishes an interrupted run', async () => {
    const s = library(200);
    const head = storeHead(s.db, 1, 5);
    setActiveHeadId(s.db, MODEL, head);
    const abort = new AbortController();
    expect(await reprojectInChunks(s.db, MODEL, { chunk: 50, signal: abort.signal, onProgress: () => abort.abort() })).toBe(50);
    expect(syncProjections(s.db, MODEL)).toBe(150);
    expect(ours(s).every((f) => f.head_id === head)).toBe(true);
  });

  it('yields to the event loop between chunks', async () => {
    const s = library(400);
    setActiveHeadId(s.db, MODEL, storeHead(s.db, 1, 3));
    let ticks = 0;
    let stop = false;
    const tick = () => {
      ticks++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    let timerAt: number | null = null;
    let done = 0;
    setTimeout(() => (timerAt = done), 0);
    const seen: number[] = [];
    await reprojectInChunks(s.db, MODEL, {
      chunk: 20,
      onProgress: (d) => {
        done = d;
        seen.push(ticks);
      },
    });
    stop = true;
    // Callbacks queued by others ran while faces were still left.
    expect(timerAt).not.toBeNull();
    expect(timerAt!).toBeLessThan(400);
    expect(seen).toHaveLength(20);
    // An immediate callback ran between every two chunks.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  });

  it('rolling back to the base restores the base bytes exactly', async () => {
    const s = library(250);
    const before = ours(s).map((f) => f.embedding);
    const head = storeHead(s.db, 1, 9);
    setActiveHeadId(s.db, MODEL, head);
    expect(await reprojectInChunks(s.db, MODEL, { chunk: 64 })).toBe(250);
    expect(ours(s).some((f, i) => !f.embedding.equals(before[i]!))).toBe(true);
    setActiveHeadId(s.db, MODEL, BASE_HEAD);
    expect(await reprojectInChunks(s.db, MODEL, { chunk: 64 })).toBe(250);
    const after = ours(s);
    expect(after.every((f, i) => f.head_id === null && f.embedding.equals(before[i]!) && f.base_embedding!.equals(before[i]!))).toBe(true);
  });

  it('follows a head made active between chunks (starting over under it)', async () => {
    const s = library(300);
    const ref = library(300);
    const h1 = storeHead(s.db, 1, 1);
    const h2 = storeHead(s.db, 2, 2);
    storeHead(ref.db, 2, 2);
    setActiveHeadId(ref.db, MODEL, h2);
    syncProjections(ref.db, MODEL);
    setActiveHeadId(s.db, MODEL, h1);
    let chunks = 0;
    const last: [number, number][] = [];
    const n = await reprojectInChunks(s.db, MODEL, {
      chunk: 50,
      onProgress: (d, t) => {
        last.push([d, t]);
        if (++chunks === 2) setActiveHeadId(s.db, MODEL, h2);
      },
    });
    expect(n).toBe(100 + 300);
    expect(last.at(-1)).toEqual([400, 400]);
    const want = ours(ref);
    expect(ours(s).every((f, i) => f.head_id === h2 && f.embedding.equals(want[i]!.embedding))).toBe(true);
  });
});

describe('staleness lookups (schema v5 indexes)', () => {
  it('every lookup is answered from an index, never by a scan of the faces table (also with ANALYZE statistics)', () => {
    const s = library(400);
    const head = storeHead(s.db, 1, 2);
    setActiveHeadId(s.db, MODEL, head);
    syncProjections(s.db, MODEL);
    s.db.prepare('UPDATE faces SET head_id = NULL, embedding = base_embedding WHERE id > 300 AND model_id = ?').run(MODEL);
    expect(STALENESS_QUERIES.length).toBeGreaterThanOrEqual(9);
    for (const analyzed of [false, true]) {
      if (analyzed) s.db.exec('ANALYZE');
      for (const sql of STALENESS_QUERIES) {
        const plan = (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ model: MODEL, head, lo: 0, hi: 100, after: 0, limit: 10 }) as { detail: string }[]).map(
          (r) => r.detail,
        );
        expect(plan.join(' | '), sql).toMatch(/^SEARCH faces USING (COVERING )?INDEX faces_(head|no_head|no_base) \(model_id=\?/);
        expect(plan.join(' | '), sql).not.toMatch(/SCAN faces|TEMP B-TREE/);
      }
    }
  });

  it('pages every group of stale faces (base, older heads) in chunks: the same bytes as the one-transaction catch-up', async () => {
    const s = library(300);
    const ref = library(300);
    const [h1, h2, h3] = [1, 2, 3].map((v) => storeHead(s.db, v, v * 10));
    for (const v of [1, 2, 3]) storeHead(ref.db, v, v * 10);
    for (const db of [s.db, ref.db]) {
      // Faces 1-100 under h1, 201-300 under h3, the rest still the base network's; h2 active.
      setActiveHeadId(db, MODEL, h1!);
      syncProjections(db, MODEL);
      setActiveHeadId(db, MODEL, h3!);
      await reprojectInChunks(db, MODEL, { chunk: 50 });
      db.prepare(`UPDATE faces SET head_id = ?, embedding = (SELECT embedding FROM faces f WHERE f.id = faces.id) WHERE id <= 100 AND model_id = ?`).run(h1, MODEL);
      db.prepare('UPDATE faces SET head_id = NULL, embedding = base_embedding WHERE id > 100 AND id <= 200 AND model_id = ?').run(MODEL);
      setActiveHeadId(db, MODEL, h2!);
    }
    const groups = (st: Store) => st.db.prepare('SELECT head_id AS h, COUNT(*) AS n FROM faces WHERE model_id = ? GROUP BY head_id ORDER BY head_id').all(MODEL);
    expect(groups(s)).toEqual([{ h: null, n: 100 }, { h: h1, n: 100 }, { h: h3, n: 100 }]);
    expect(syncProjections(ref.db, MODEL)).toBe(300);
    const progress: [number, number][] = [];
    expect(await reprojectInChunks(s.db, MODEL, { chunk: 70, onProgress: (d, t) => progress.push([d, t]) })).toBe(300);
    expect(progress).toEqual([70, 140, 210, 280, 300].map((d) => [d, 300]));
    const want = ours(ref);
    expect(ours(s).every((f, i) => f.head_id === h2 && f.embedding.equals(want[i]!.embedding))).toBe(true);
    expect(groups(s)).toEqual([{ h: h2, n: 300 }]);
    expect(syncProjections(s.db, MODEL)).toBe(0);
  });
});

describe('LearningService: adopting or rolling back a head re-projects in the background, then re-clusters', () => {
  it('train: an adopted head is re-projected in chunks with progress, then people re-clustered keeping the user\'s decisions', async () => {
    const s = library(150);
    const people = new PeopleService(s.db, { projections: projectionSync });
    people.update();
    const ids = ours(s).map((f) => f.id);
    for (let p = 0; p < 3; p++) people.correct({ kind: 'split', faceIds: ids.slice(p * 6, p * 6 + 6), name: `P${p}` });
    const named = () => new Map(people.listPeople().filter((p) => p.name).map((p) => [p.name!, people.personFaces(p.id).map((f) => f.id).sort((x, y) => x - y)]));
    const before = named();
    expect([...before.keys()].sort()).toEqual(['P0', 'P1', 'P2']);
    const learning = new LearningService(s.db, people);
    const progress: { headId: string; done: number; total: number }[] = [];
    // Adoption forced (any score, no held-out check of wrong answers): this is about what follows it.
    const out = await learning.train({
      options: { epochs: 2, minGain: -1e9, noMoreWrong: false, restoreBest: false, heldOutFraction: 0.3, adoptionFraction: 0.3, minJudgeFaces: 1 },
      reprojectChunk: 40,
      onReproject: (p) => progress.push(p),
    });
    expect(out.adopted).toBe(true);
    expect(out.people).not.toBeNull();
    expect(progress.map((p) => [p.headId, p.done, p.total])).toEqual([40, 80, 120, 150].map((d) => [out.head.id, d, 150]));
    expect(ours(s).every((f) => f.head_id === out.head.id)).toBe(true);
    for (const [name, faces] of before) expect(named().get(name), name).toEqual(expect.arrayContaining(faces));
  });

  it('rollback re-projects in chunks with progress, re-clusters, and an interrupted one leaves a consistent library', async () => {
    const s = library(120);
    const people = new PeopleService(s.db, { projections: projectionSync });
    people.update();
    const learning = new LearningService(s.db, people);
    const head = storeHead(s.db, 1, 4);
    const progress: { headId: string; done: number; total: number }[] = [];
    const r = await learning.rollback(head, { reprojectChunk: 50, onReproject: (p) => progress.push(p) });
    expect(r.active.id).toBe(head);
    expect(r.people).toMatchObject({ assigned: expect.any(Number) });
    expect(progress).toEqual([
      { headId: head, done: 50, total: 120 },
      { headId: head, done: 100, total: 120 },
      { headId: head, done: 120, total: 120 },
    ]);
    expect(ours(s).every((f) => f.head_id === head)).toBe(true);

    // The engine closing mid-way: the call rejects, the head is active, done faces carry it.
    const stop = new AbortController();
    await expect(learning.rollback('base', { reprojectChunk: 50, reprojectSignal: stop.signal, onReproject: () => stop.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(activeHeadId(s.db, MODEL)).toBe(BASE_HEAD);
    const mid = ours(s);
    expect(mid.filter((f) => f.head_id === null && f.embedding.equals(f.base_embedding!))).toHaveLength(50);
    expect(mid.filter((f) => f.head_id === head)).toHaveLength(70);
    // The next clustering finishes them.
    people.recluster();
    expect(ours(s).every((f) => f.head_id === null && f.embedding.equals(f.base_embedding!))).toBe(true);
    await expect(learning.rollback('no-such-head')).rejects.toThrow(/no head/);
  });

  it('a switch is pending from the active-head change (same transaction) until the re-cluster commits; resumePending finishes an interrupted one', async () => {
    const s = library(120);
    const people = new PeopleService(s.db, { projections: projectionSync });
    people.update();
    const learning = new LearningService(s.db, people);
    expect(learning.pendingSwitch()).toBeNull();
    expect(await learning.resumePending()).toBeNull();
    const head = storeHead(s.db, 1, 6);
    // Both settings or neither.
    expect(() =>
      s.db.transaction(() => {
        setActiveHeadId(s.db, MODEL, head);
        throw new Error('power cut');
      })(),
    ).toThrow('power cut');
    expect([activeHeadId(s.db, MODEL), pendingSwitch(s.db, MODEL)]).toEqual([BASE_HEAD, null]);

    const stop = new AbortController();
    await expect(learning.rollback(head, { reprojectChunk: 50, reprojectSignal: stop.signal, onReproject: () => stop.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(learning.pendingSwitch()).toBe(head);
    // The next session's services: a re-cluster that fails leaves the switch pending...
    class FailingPeople extends PeopleService {
      override recluster(): never {
        throw new Error('disk full');
      }
      override async reclusterInWorker(): Promise<never> {
        throw new Error('disk full');
      }
    }
    await expect(new LearningService(s.db, new FailingPeople(s.db)).resumePending({ reprojectChunk: 50 })).rejects.toThrow('disk full');
    expect(pendingSwitch(s.db, MODEL)).toBe(head);
    expect(ours(s).every((f) => f.head_id === head)).toBe(true);
    // ...one that commits clears it; a second resume has nothing to do.
    const again = new LearningService(s.db, new PeopleService(s.db, { projections: projectionSync }));
    const progress: unknown[] = [];
    expect(await again.resumePending({ onReproject: (p) => progress.push(p) })).toMatchObject({ assigned: expect.any(Number) });
    expect(progress).toEqual([]);
    expect(again.pendingSwitch()).toBeNull();
    expect(await again.resumePending()).toBeNull();

    // Interrupted again (roll back to the base): resumed, it re-projects only what is left.
    const stop2 = new AbortController();
    await expect(again.rollback(BASE_HEAD, { reprojectChunk: 50, reprojectSignal: stop2.signal, onReproject: () => stop2.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    const resumed: unknown[] = [];
    await again.resumePending({ reprojectChunk: 50, onReproject: (p) => resumed.push(p) });
    expect(resumed).toEqual([
      { headId: BASE_HEAD, done: 50, total: 70 },
      { headId: BASE_HEAD, done: 70, total: 70 },
    ]);
    expect(ours(s).every((f) => f.head_id === null && f.embedding.equals(f.base_embedding!))).toBe(true);
    expect(again.pendingSwitch()).toBeNull();
  });
});
