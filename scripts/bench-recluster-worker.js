#!/usr/bin/env node
// node scripts/bench-recluster-worker.js [--faces 100000] [--seed 1]   (after `npx tsc -p tsconfig.json`)
//
// A full re-cluster of a synthetic library (app/people/synthetic.ts, as scripts/bench-cluster.js)
// stored in a real SQLite file, twice from the same file: PeopleService.recluster() (all on the
// main thread) and PeopleService.reclusterInWorker() (computation in a worker thread). Prints wall
// times, the main thread's stretches in the worker path (reading the inputs, persisting, the stats
// query), the longest gap a 1 ms timer saw while it ran, and the index built again in the
// background afterwards (until ready, longest block, the first request after it).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist', 'app');
if (!fs.existsSync(path.join(dist, 'people', 'recluster-worker.js'))) {
  console.error('dist/app/people/recluster-worker.js is missing: run `npx tsc -p tsconfig.json` first');
  process.exit(2);
}
const { Store } = require(path.join(dist, 'store', 'store.js'));
const { PeopleService } = require(path.join(dist, 'people', 'people-service.js'));
const { projectionSync } = require(path.join(dist, 'learning', 'projection.js'));
const { synthesize } = require(path.join(dist, 'people', 'synthetic.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('faces', 100_000);
const MODEL = 'dlib-resnet-v1';
const ms = (x) => `${Math.round(x)} ms`;

function makeLibrary(file) {
  const s = synthesize({ faces: N, identities: Math.ceil(N / 40), seed: arg('seed', 1) });
  const store = Store.open(file);
  const db = store.db;
  db.transaction(() => {
    const photo = db.prepare("INSERT OR IGNORE INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, ?, 1, 1, 640, 480, '2024-01-01')");
    const face = db.prepare("INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, ?, 0, 0, 10, 10, 0.9, '[]', ?, ?, ?)");
    for (let i = 0; i < N; i++) {
      const p = s.photoIds[i];
      photo.run(p, `/lib/${p}.jpg`, `h${p}`);
      face.run(s.ids[i], p, Buffer.from(s.embeddings.buffer, s.embeddings.byteOffset + i * 128, 128), MODEL, s.quality[i]);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
}

function dump(file) {
  const store = Store.open(file);
  try {
    return JSON.stringify([
      store.db.prepare('SELECT face_id, person_id, source FROM face_assignments ORDER BY face_id').raw().all(),
      store.db.prepare('SELECT id, name, user_named, merged_into FROM persons ORDER BY id').raw().all(),
    ]);
  } finally {
    store.close();
  }
}

/** Times every call of a (private) method of PeopleService. */
function timeMethod(name, into) {
  const orig = PeopleService.prototype[name];
  PeopleService.prototype[name] = function (...a) {
    const t = performance.now();
    try {
      return orig.apply(this, a);
    } finally {
      into.push(performance.now() - t);
    }
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-bench-recluster-'));
  try {
    const a = path.join(dir, 'sync.db');
    const b = path.join(dir, 'worker.db');
    let t = performance.now();
    makeLibrary(a);
    fs.copyFileSync(a, b);
    console.log(`library of ${N} synthetic faces written in ${ms(performance.now() - t)}`);

    // A library clustered once already (machine people whose ids the re-cluster keeps).
    for (const f of [a]) {
      const store = Store.open(f);
      t = performance.now();
      const r = new PeopleService(store.db, { projections: projectionSync }).recluster();
      console.log(`first clustering (sync, from nothing): ${ms(performance.now() - t)}: ${r.people} people, ${r.unassigned} unassigned`);
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      store.close();
    }
    fs.copyFileSync(a, b);

    {
      const store = Store.open(a);
      t = performance.now();
      const r = new PeopleService(store.db, { projections: projectionSync }).recluster();
      console.log(`recluster() (main thread): ${ms(performance.now() - t)} wall, all of it blocking; ${r.people} people, created ${r.created}`);
      store.close();
    }
    {
      const reads = [], commits = [], stats = [];
      timeMethod('reclusterInput', reads);
      timeMethod('commitWorkerResult', commits);
      timeMethod('stats', stats);
      const store = Store.open(b);
      const svc = new PeopleService(store.db, { projections: projectionSync });
      let last = performance.now(), maxGap = 0, ticks = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 1);
      t = performance.now();
      const r = await svc.reclusterInWorker();
      const wall = performance.now() - t;
      clearInterval(timer);
      console.log(`reclusterInWorker(): ${ms(wall)} wall; ${r.people} people, created ${r.created}; timer ticks ${ticks}, longest gap ${ms(maxGap)}`);
      console.log(`  main thread: read inputs ${reads.map(ms).join(', ')}; persist (one transaction) ${commits.map(ms).join(', ')}; stats ${stats.map(ms).join(', ')}`);
      // The index is built again in the background (PeopleService.warmIndex): how long until it is
      // ready, the longest stretch the event loop was blocked meanwhile, then the first request.
      const builds = svc.indexBuilds;
      t = performance.now();
      let lastTick = t, longest = 0;
      await new Promise((resolve) => {
        const tickTimer = setInterval(() => {
          const now = performance.now();
          longest = Math.max(longest, now - lastTick);
          lastTick = now;
          if (svc.indexBuilds > builds) {
            clearInterval(tickTimer);
            resolve();
          }
        }, 1);
      });
      console.log(`  index built again in the background: ready ${ms(performance.now() - t)} after the re-cluster, the event loop blocked at most ${ms(longest)} at a time`);
      t = performance.now();
      svc.suggestPeople(1, 1);
      console.log(`  first request after that (suggestPeople): ${ms(performance.now() - t)}`);
      store.close();
    }
    console.log(`same assignment and persons as recluster(): ${dump(a) === dump(b)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
