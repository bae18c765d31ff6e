'use strict';
/**
 * One process of the peer in `npm run bench:peer` (scripts/bench-peer.js): @vladmandic/face-api
 * 1.7.15 on TensorFlow.js 4.22 (the versions it is built against), WASM backend (SIMD where the
 * CPU has it; single-threaded: one process per core instead), SSD MobileNet v1 + 68 landmarks +
 * the 128-D descriptor, photos decoded by sharp (EXIF orientation applied, longest side capped as
 * Visage caps it). Talks to the parent over the fork IPC channel: {file} in, {faces} or {error} out.
 */
const path = require('node:path');
const fs = require('node:fs');
const sharp = require('sharp');

const maxSide = Number(process.env.PEER_MAX_SIDE || 0);
const forceCpu = process.env.PEER_BACKEND === 'cpu';

async function init() {
  // The WASM build of face-api: requires @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
  const tf = faceapi.tf;
  let backend = 'cpu';
  let why = forceCpu ? 'PEER_BACKEND=cpu' : '';
  if (!forceCpu) {
    try {
      const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
      tf.setWasmPaths(wasmDir);
      if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") returned false');
      backend = 'wasm';
    } catch (e) {
      why = `WASM backend failed under Node: ${e instanceof Error ? e.message : String(e)}`;
      await tf.setBackend('cpu');
    }
  }
  await tf.ready();
  const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const simd = backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') : false;
  const threads = backend === 'wasm' ? await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') : false;
  return { faceapi, tf, info: { backend: tf.getBackend(), simd, multithread: threads, fallback: why || null, tfjs: tf.version_core, faceapi: faceapi.version } };
}

async function analyse(faceapi, tf, file) {
  let img = sharp(fs.readFileSync(file), { limitInputPixels: 250_000_000 }).rotate();
  if (maxSide > 0) img = img.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const tensor = tf.tensor3d(data, [info.height, info.width, 3], 'int32');
  try {
    const found = await faceapi.detectAllFaces(tensor, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 })).withFaceLandmarks().withFaceDescriptors();
    return found.length;
  } finally {
    tensor.dispose();
  }
}

(async () => {
  const t0 = performance.now();
  const { faceapi, tf, info } = await init();
  const c0 = process.cpuUsage();
  process.send({ ready: true, info, initMs: performance.now() - t0, cpuUs: c0.user + c0.system });
  process.on('message', async (m) => {
    if (m.done) {
      const cpu = process.cpuUsage();
      process.send({ closed: true, cpuUs: cpu.user + cpu.system, maxRssKiB: process.resourceUsage().maxRSS }, () => process.exit(0));
      return;
    }
    try {
      process.send({ file: m.file, faces: await analyse(faceapi, tf, m.file) });
    } catch (e) {
      process.send({ file: m.file, error: e instanceof Error ? e.message : String(e) });
    }
  });
})().catch((e) => {
  process.send({ fatal: e instanceof Error ? e.stack || e.message : String(e) });
});
