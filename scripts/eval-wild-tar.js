#!/usr/bin/env node
'use strict';
/**
 * Verification on library-like photos: `node scripts/eval-wild-tar.js [--models a,b] [--no-flip] [--sets a,b]`
 * For each ../shared/datasets/people-wild set: every photo through the full pipeline (detect, 68
 * landmarks); photos with exactly one detected face are kept (the label then names that face);
 * each kept face is embedded by every model (its own alignment, 128 bytes); all pairs of kept
 * faces are scored by cosine on the bytes; TAR (genuine pairs accepted) at FAR 1e-3 (the threshold
 * is the impostor score that at most 0.1 % of the set's impostor pairs exceed). No threshold is
 * carried between sets, so the figure says how separable each set is, not which threshold to ship.
 * Needs the build (npm run build) and the built models. JSON on stdout, a table on stderr.
 */
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'app');
const { FacePipeline } = require(path.join(dist, 'faces', 'pipeline.js'));
const { decodePhoto } = require(path.join(dist, 'faces', 'image.js'));
const { cosineInt8 } = require(path.join(dist, 'faces', 'quantize.js'));

const WILD = path.join(__dirname, '..', '..', 'shared', 'datasets', 'people-wild');
/** The false accept rate the TAR is read at (unit: fraction of impostor pairs). */
const FAR = 1e-3;

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

function tarAtFar(genuine, impostor, far) {
  const imp = Float64Array.from(impostor).sort().reverse();
  const allowed = Math.floor(far * imp.length);
  const threshold = imp[allowed] ?? -1; // accept only scores above the (allowed+1)-th highest impostor
  return { tar: genuine.filter((s) => s > threshold).length / genuine.length, threshold, genuine: genuine.length, impostor: imp.length };
}

(async () => {
  const modelIds = arg('models', 'dlib-resnet-v1,mobilefacenet-192').split(',');
  const flip = !process.argv.includes('--no-flip');
  const sets = arg('sets', 'pins-celebs,sports-celebs,vn-celebs').split(',');
  const engines = [];
  for (const id of modelIds) engines.push(await FacePipeline.create({ embedder: id, provider: 'cpu', flip }));
  const front = engines[0];
  const results = [];
  for (const set of sets) {
    const faces = []; // { who, emb: Int8Array[] per model }
    const ids = fs.readdirSync(path.join(WILD, set)).filter((d) => fs.statSync(path.join(WILD, set, d)).isDirectory()).sort();
    let images = 0;
    for (const who of ids) {
      for (const f of fs.readdirSync(path.join(WILD, set, who)).sort()) {
        images++;
        let photo;
        try {
          photo = await decodePhoto(path.join(WILD, set, who, f));
        } catch {
          continue;
        }
        const dets = await front.detect(photo.image);
        if (dets.length !== 1) continue;
        const [l68] = await front.landmarksFor(photo.image, dets);
        const emb = [];
        for (const e of engines) emb.push((await e.embedderNet.embedFaces(photo.image, [l68]))[0]);
        faces.push({ who, emb });
      }
    }
    for (const [m, id] of modelIds.entries()) {
      const genuine = [], impostor = [];
      for (let i = 0; i < faces.length; i++)
        for (let j = i + 1; j < faces.length; j++) (faces[i].who === faces[j].who ? genuine : impostor).push(cosineInt8(faces[i].emb[m], faces[j].emb[m]));
      const r = tarAtFar(genuine, impostor, FAR);
      results.push({ set, model: id, flip, images, faces: faces.length, ...r, tar: Math.round(r.tar * 1000) / 1000, threshold: Math.round(r.threshold * 1000) / 1000 });
      process.stderr.write(`${set} ${id}${flip ? ' (mirror-averaged)' : ''}: ${faces.length} one-face photos of ${images}; TAR ${r.tar.toFixed(3)} at FAR ${FAR} (cos > ${r.threshold.toFixed(3)})\n`);
    }
  }
  for (const e of engines) await e.close();
  process.stdout.write(`${JSON.stringify({ far: FAR, results })}\n`);
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
