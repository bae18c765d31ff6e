#!/usr/bin/env node
// Regenerates app/faces/models/build/reference-outputs.json: the outputs of face-api.js 0.22.2 itself
// (tfjs-core CPU backend, a devDependency) on the fixed fixture input, for the two converted nets.
// The model build compares every converted ONNX file with these numbers.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const root = path.join(__dirname, '..');
const faceapi = require('face-api.js');
// face-api.js's own tfjs-core (1.7): the top-level @tensorflow/tfjs-core is the peer benchmark's 4.x.
const tf = faceapi.tf;
const { fixtureInput } = require(path.join(root, 'dist/app/faces/models/build/fixture.js'));
const dir = path.join(root, 'node_modules/@vladmandic/face-api/model');

(async () => {
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  const out = {};
  for (const [id, size, run] of [
    ['dlib-resnet-v1', 150, (x) => faceapi.nets.faceRecognitionNet.forwardInput(x)],
    ['faceapi-landmark68', 112, (x) => faceapi.nets.faceLandmark68Net.runNet(x)],
  ]) {
    const seed = 12345;
    const { nhwc } = fixtureInput(size, seed);
    const input = await faceapi.toNetInput(tf.tensor4d(nhwc, [1, size, size, 3]));
    out[id] = { inputSize: size, seed, output: Array.from(run(input).dataSync()) };
  }
  fs.writeFileSync(path.join(root, 'app/faces/models/build/reference-outputs.json'), JSON.stringify(out) + '\n');
  console.log('reference outputs written');
})();
