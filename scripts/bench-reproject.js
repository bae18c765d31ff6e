#!/usr/bin/env node
// node scripts/bench-reproject.js [--faces 100000] [--chunk 2000] [--kind linear|residual-mlp]
// Re-projecting a synthetic library to a new head: one transaction (syncProjections) vs chunks
// (reprojectInChunks), with the longest stretch the event loop was blocked (gap between two turns
// of a setImmediate ticker). Needs `npx tsc -p tsconfig.json` first (uses dist/).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const dist = path.join(__dirname, '..', 'dist', 'app');
if (!fs.existsSync(path.join(dist, 'learning', 'projection.js'))) {
  console.error('dist/app/learning/projection.js is missing: run `npx tsc -p tsconfig.json` first');
  process.exit(2);
}
const { Store } = require(path.join(dist, 'store', 'store.js'));
const { setActiveHeadId, syncProjections, reprojectInChunks } = require(path.join(dist, 'learning', 'projection.js'));
const { encodeHeadRecord } = require(path.join(dist, 'learning', 'record.js'));
const { headLayout } = require(path.join(dist, 'learning', 'head.js'));
const { Rng } = require(path.join(dist, 'learning', 'rng.js'));

const { values: a } = parseArgs({ options: { faces: { type: 'string', default: '100000' }, chunk: { type: 'string', default: '2000' }, kind: { type: 'string', default: 'linear' } } });
const N = Number(a.faces);
const MODEL = 'dlib-resnet-v1';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-bench-reproject-'));
const store = Store.open(path.join(dir, 'visage.db'));
const db = store.db;
const r = new Rng(1);

let t = performance.now();
db.transaction(() => {
  const photo = db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, 'h', 1, 1, 640, 480, '2024-01-01')");
  const face = db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, ?)");
  const e = Buffer.alloc(128);
  for (let i = 0; i < N; i++) {
    const p = i % 3 === 0 ? Number(photo.run(`/lib/p${i}.jpg`).lastInsertRowid) : undefined;
    for (let k = 0; k < 128; k++) e[k] = Math.max(-127, Math.min(127, Math.round(r.normal() * 40))) & 0xff;
    face.run(p ?? Math.floor(i / 3) + 1, e, MODEL);
  }
})();
syncProjections(db, MODEL); // records every base embedding (as after a scan and a clustering)
const shape = { kind: a.kind, inDims: 128, outDims: 128, hidden: a.kind === 'linear' ? 0 : 64 };
const weights = new Float32Array(headLayout(shape).size).map(() => r.normal() * 0.1);
const head = { id: `${MODEL}/head-1`, version: 1, parent: null, createdAt: new Date().toISOString(), modelId: MODEL, shape, metrics: {}, weights };
db.prepare("INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, 1, NULL, ?, 1, ?, '{}')").run(head.id, MODEL, head.createdAt, encodeHeadRecord(head));
console.log(`${N} faces (${a.kind} head) written in ${((performance.now() - t) / 1000).toFixed(1)} s; ${dir}`);

const reset = () => db.prepare('UPDATE faces SET embedding = base_embedding, head_id = NULL').run();
const ms = (x) => `${x.toFixed(1)} ms`;

/** Runs fn while a setImmediate ticker measures the longest gap between two turns of the loop. */
async function measured(fn) {
  let last = performance.now();
  let maxGap = 0;
  let turns = 0;
  let on = true;
  const tick = () => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    turns++;
    if (on) setImmediate(tick);
  };
  setImmediate(tick);
  const t0 = performance.now();
  const n = await fn();
  const total = performance.now() - t0;
  await new Promise(setImmediate);
  on = false;
  return { n, total, maxGap, turns };
}

(async () => {
  setActiveHeadId(db, MODEL, head.id);
  const one = await measured(async () => syncProjections(db, MODEL));
  console.log(`one transaction (syncProjections): ${one.n} faces in ${ms(one.total)}; longest blocking stretch ${ms(one.maxGap)}`);
  const sample = db.prepare('SELECT embedding FROM faces WHERE id IN (1, ?, ?) ORDER BY id').all(Math.floor(N / 2), N).map((x) => x.embedding);
  reset();
  let chunkMax = 0;
  let prev = 0;
  const chunked = await measured(() =>
    reprojectInChunks(db, MODEL, {
      chunk: Number(a.chunk),
      onProgress: () => {
        const now = performance.now();
        if (prev) chunkMax = Math.max(chunkMax, now - prev);
        prev = now;
      },
    }),
  );
  const same = db.prepare('SELECT embedding FROM faces WHERE id IN (1, ?, ?) ORDER BY id').all(Math.floor(N / 2), N).every((x, i) => x.embedding.equals(sample[i]));
  console.log(
    `chunked (reprojectInChunks, ${a.chunk} a chunk): ${chunked.n} faces in ${ms(chunked.total)}; longest blocking stretch ${ms(chunked.maxGap)}` +
      `; chunk to chunk at most ${ms(chunkMax)}; ${chunked.turns} event-loop turns; same bytes: ${same}`,
  );
  t = performance.now();
  const left = syncProjections(db, MODEL);
  console.log(`catch-up with nothing stale (what recluster() runs first): ${left} faces in ${ms(performance.now() - t)}`);
  setActiveHeadId(db, MODEL, 'base');
  const back = await measured(() => reprojectInChunks(db, MODEL, { chunk: Number(a.chunk) }));
  console.log(`roll back to base, chunked: ${back.n} faces in ${ms(back.total)}; longest blocking stretch ${ms(back.maxGap)}`);
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
})();
