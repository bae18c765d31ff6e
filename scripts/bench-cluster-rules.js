#!/usr/bin/env node
// node scripts/bench-cluster-rules.js [FACES] [--recluster] [--small-merge-max A,B | --pool-lead X]
// The cost of the seed-quality leftovers and the small-person merge (docs/clustering.md, "Album
// merge and leftovers: their cost"): app/people/bench.ts's runBench on the synthetic library, dlib's
// thresholds (the synthetic vectors are dlib-shaped) without and with the two rules at dlib-scale
// bars, alternated off / on / off / on in one process so that both see the same load.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const dist = path.join(__dirname, '..', 'dist', 'app', 'people');
if (!fs.existsSync(path.join(dist, 'bench.js'))) {
  console.error('dist/app/people/bench.js is missing: run `npm run build` first');
  process.exit(2);
}
const { runBench } = require(path.join(dist, 'bench.js'));
const { thresholdsFor } = require(path.join(dist, 'thresholds.js'));
const args = process.argv.slice(2);
const faces = Number(args.find((a) => /^\d+$/.test(a)) ?? 100000);
const recluster = args.includes('--recluster');
const off = thresholdsFor('dlib-resnet-v1');
const rules = (max) => thresholdsFor('dlib-resnet-v1', { leftoverSeed: 0.9, leftoverSeedMargin: 0.03, leftoverSeedMinFaces: 3, smallMerge: 0.9, smallMergeMargin: 0.03, smallMergeMaxFaces: max });
// --small-merge-max A,B: both runs with the rules on, the small-person merge taking people of at
// most A faces, then B (alternated the same way), instead of off / on.
const maxFlag = args.indexOf('--small-merge-max');
const pair = maxFlag >= 0 ? args[maxFlag + 1].split(',').map(Number) : null;
// --pool-lead X: the pool's lead (poolLead) off, then at X (a dlib-scale cosine), the other rules off.
const leadFlag = args.indexOf('--pool-lead');
const lead = leadFlag >= 0 ? Number(args[leadFlag + 1]) : null;
const [a, b] =
  lead !== null ? [['lead off', off], [`lead ${lead}`, thresholdsFor('dlib-resnet-v1', { poolLead: lead })]]
  : pair ? [[`max ${pair[0]}`, rules(pair[0])], [`max ${pair[1]}`, rules(pair[1])]] : [['off', off], ['on', rules(2)]];
for (const [name, model] of [a, b, a, b]) {
  const r = runBench({ faces, samples: 600, recluster, model, log: () => {} });
  const q = r.quality;
  console.log(
    `${name}: decide p50 ${r.decideMs.p50.toFixed(3)} p99 ${r.decideMs.p99.toFixed(2)} ms | addFaces p50 ${r.addFaceMs.p50.toFixed(3)} ` +
      `p99 ${r.addFaceMs.p99.toFixed(2)} mean ${r.addFaceMs.mean.toFixed(3)} ms | re-cluster ${r.reclusterSeconds === null ? '-' : r.reclusterSeconds.toFixed(1) + ' s'}` +
      `${q ? ` BCubed F1 ${q.bcubedF1.toFixed(4)} P ${q.bcubedPrecision.toFixed(4)}` : ''} | people ${r.people}, pool ${r.poolFaces}`,
  );
}
