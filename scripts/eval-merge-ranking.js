#!/usr/bin/env node
// Which person-to-person measure ranks "Same person?" pairs best: on clustered libraries of
// labelled folder trees (a face's identity = its photo's folder; a person's = most of its faces'),
// every pair of people that shares no photo is scored by (1) the average linkage of the two albums
// (app/people/merge-queue.ts) and (2) the best prototype match ("merge with...", similarPeople,
// both directions), and each ranking's average precision (pairs of one identity are the relevant
// ones), precision at 10 and at R (R = the number of such pairs) are printed, with how many relevant pairs
// the queue's floor (the model's `suggest`) keeps. Run after `npx tsc -p tsconfig.json`:
//   node scripts/eval-merge-ranking.js LIB.db...   (each scanned with visage scan, then visage cluster)
'use strict';
const path = require('node:path');

const root = path.join(__dirname, '..');
const { Store } = require(path.join(root, 'dist', 'app', 'store', 'store.js'));
const { PeopleService } = require(path.join(root, 'dist', 'app', 'people', 'people-service.js'));
const { ClusterRepo } = require(path.join(root, 'dist', 'app', 'store', 'cluster-repo.js'));
const { rankMergePairs } = require(path.join(root, 'dist', 'app', 'people', 'merge-queue.js'));

function averagePrecision(ranked, relevant) {
  let hits = 0;
  let sum = 0;
  ranked.forEach((k, i) => {
    if (relevant.has(k)) sum += ++hits / (i + 1);
  });
  return relevant.size ? sum / relevant.size : NaN;
}

const key = (a, b) => (a < b ? `${a}-${b}` : `${b}-${a}`);

for (const file of process.argv.slice(2)) {
  const store = Store.open(file);
  const svc = new PeopleService(store.db);
  const people = svc.listPeople({ includeHidden: true });
  const identity = new Map();
  for (const p of people) {
    const count = new Map();
    for (const f of svc.personFaces(p.id)) {
      const id = path.basename(path.dirname(f.photoPath));
      count.set(id, (count.get(id) ?? 0) + 1);
    }
    identity.set(p.id, [...count.entries()].sort((a, b) => b[1] - a[1])[0]?.[0]);
  }
  const cluster = new ClusterRepo(store.db);
  const assignment = new Map(cluster.liveAssignments().map((r) => [r.face_id, r.person_id]));
  const th = svc.thresholds;
  const allowed = rankMergePairs({ faces: cluster.faceColumns(svc.model, () => true), assignment, rejected: new Map(), qualityMin: th.qualityMin, floor: -2 });
  const relevant = new Set(allowed.filter((p) => identity.get(p.a) === identity.get(p.b)).map((p) => key(p.a, p.b)));
  const album = allowed.map((p) => key(p.a, p.b));
  const proto = new Map();
  for (const p of people) {
    for (const s of svc.similarPeople(p.id, people.length)) {
      const k = key(p.id, s.personId);
      proto.set(k, Math.max(proto.get(k) ?? -2, s.similarity));
    }
  }
  const protoRanked = [...album].sort((x, y) => (proto.get(y) ?? -2) - (proto.get(x) ?? -2));
  const r = relevant.size;
  const at = (ranked, n) => ranked.slice(0, n).filter((k) => relevant.has(k)).length / Math.max(1, Math.min(n, ranked.length));
  const atR = (ranked) => at(ranked, r);
  const aboveFloor = allowed.filter((p) => p.similarity >= th.suggest);
  console.log(
    JSON.stringify({
      library: path.basename(file),
      people: people.length,
      pairs: allowed.length,
      samePairs: r,
      album: { ap: +averagePrecision(album, relevant).toFixed(3), precisionAt10: +at(album, 10).toFixed(3), precisionAtR: +atR(album).toFixed(3) },
      prototype: { ap: +averagePrecision(protoRanked, relevant).toFixed(3), precisionAt10: +at(protoRanked, 10).toFixed(3), precisionAtR: +atR(protoRanked).toFixed(3) },
      floor: th.suggest,
      queued: aboveFloor.length,
      queuedSame: aboveFloor.filter((p) => relevant.has(key(p.a, p.b))).length,
    }),
  );
  store.close();
}
