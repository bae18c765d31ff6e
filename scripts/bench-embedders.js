#!/usr/bin/env node
'use strict';
/**
 * Embedder cost per face: `node scripts/bench-embedders.js [--threads N] [--rounds N] [--models a,b] [--full a,b]`
 * Aligns the faces of the first group photos once, then times each embedder's network alone
 * (Embedder.raw: the input packing and onnxruntime's CPU provider, no mirror) at batch 1 and
 * batch 8, rounds interleaved across models so that every model sees the same machine load.
 * `--full` (default dlib-resnet-v1,mobilefacenet-192,fused-dlib-mfn-128) also times the whole
 * embedding step of a scan from the 68 landmarks, as the pipeline runs it (embedFaces: the
 * alignment(s), the mirror average where the model uses it, every network batched over a photo's
 * faces, projection, int8), photo by photo.
 * Prints the median ms a face per model and batch, wall clock and CPU time of the process (human
 * lines on stderr, JSON on stdout). On a shared, loaded machine the wall clock measures the load;
 * the CPU time at --threads 1 (one engine per core, as a scan runs) measures the work.
 * Needs the build (npm run build) and the built models.
 */
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'app');
const { FacePipeline } = require(path.join(dist, 'faces', 'pipeline.js'));
const { Embedder } = require(path.join(dist, 'faces', 'embed.js'));
const { createSession } = require(path.join(dist, 'faces', 'onnx-session.js'));
const { alignFace } = require(path.join(dist, 'faces', 'align.js'));
const { decodePhoto } = require(path.join(dist, 'faces', 'image.js'));
const { getEmbedder } = require(path.join(dist, 'faces', 'models', 'registry.js'));
const { modelsDir } = require(path.join(dist, 'faces', 'models', 'paths.js'));

const GROUP = path.join(__dirname, '..', '..', 'shared', 'datasets', 'group-photos', '_group');
/** Faces timed per round (enough for several batches of 8). */
const FACES = 32;

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const threads = Number(arg('threads', '2'));
  const rounds = Number(arg('rounds', '5'));
  const models = arg('models', 'dlib-resnet-v1,mobilefacenet-192').split(',').map(getEmbedder);
  // Landmarks once (default front end), then each model's own alignment.
  const front = await FacePipeline.create({ provider: 'cpu', threads });
  const found = [];
  for (const f of fs.readdirSync(GROUP).filter((f) => /\.jpe?g$/i.test(f)).sort()) {
    const photo = await decodePhoto(path.join(GROUP, f));
    const dets = await front.detect(photo.image);
    for (const l of await front.landmarksFor(photo.image, dets)) found.push({ image: photo.image, l });
    if (found.length >= FACES) break;
  }
  await front.close();
  const faces = found.slice(0, FACES);
  const runs = [];
  for (const model of models) {
    const chips = faces.map((f) => alignFace(f.image, f.l, model).pixels);
    const { session } = await createSession(path.join(modelsDir(), model.file), { provider: 'cpu', threads });
    for (const batch of model.batched ? [1, 8] : [1]) {
      const emb = new Embedder(session, model, modelsDir(), { batchSize: batch, flip: false });
      await emb.raw(chips.slice(0, 8)); // warm-up
      runs.push({ model: model.id, batch, emb, chips, ms: [], cpu: [] });
    }
  }
  const fullIds = arg('full', 'dlib-resnet-v1,mobilefacenet-192,fused-dlib-mfn-128').split(',').filter(Boolean);
  const byImage = new Map();
  for (const f of faces) (byImage.get(f.image) ?? byImage.set(f.image, []).get(f.image)).push(f.l);
  const closers = [];
  for (const id of fullIds) {
    const engine = await FacePipeline.create({ embedder: id, provider: 'cpu', threads, flip: true, batchSize: 8 });
    closers.push(engine);
    const emb = { raw: async () => { for (const [image, lms] of byImage) await engine.embedderNet.embedFaces(image, lms); } };
    await emb.raw();
    runs.push({ model: `${id} (full embedding step, mirror as in use)`, batch: 8, emb, chips: faces, ms: [], cpu: [] });
  }
  for (let r = 0; r < rounds; r++) {
    for (const run of runs) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await run.emb.raw(run.chips);
      const c = process.cpuUsage(c0);
      run.ms.push((performance.now() - t0) / run.chips.length);
      run.cpu.push((c.user + c.system) / 1000 / run.chips.length);
    }
  }
  for (const e of closers) await e.close();
  const r2 = (v) => Math.round(v * 100) / 100;
  const out = runs.map((r) => ({ model: r.model, batch: r.batch, msPerFace: r2(median(r.ms)), min: r2(Math.min(...r.ms)), cpuMsPerFace: r2(median(r.cpu)) }));
  for (const o of out) {
    process.stderr.write(`${o.model} batch ${o.batch}: ${o.msPerFace} ms a face wall (median of ${rounds} rounds of ${FACES} faces; best ${o.min}), ${o.cpuMsPerFace} ms CPU, ${threads} threads\n`);
  }
  process.stdout.write(`${JSON.stringify({ threads, faces: FACES, rounds, results: out })}\n`);
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
