import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ort } from '../../app/faces/onnx-session';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../app/faces/models/registry';
import { decodePhoto } from '../../app/faces/image';
import { FacePipeline } from '../../app/faces/pipeline';
import { alignFace } from '../../app/faces/align';
import { GROUP, MODELS_DIR, requireDatasets } from '../helpers/paths';

// face-api.js 0.22.2 (tfjs-core CPU backend) is the reference implementation of the converted nets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const faceapi = require('face-api.js');
// face-api.js's own tfjs-core (1.7): the top-level @tensorflow/tfjs-core is the peer benchmark's 4.x.
const tf = faceapi.tf;
const FACEAPI_MODELS = join(__dirname, '..', '..', 'node_modules', '@vladmandic', 'face-api', 'model');

beforeAll(async () => {
  requireDatasets();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(FACEAPI_MODELS);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(FACEAPI_MODELS);
});

describe('built models', () => {
  it('every registry model file exists and matches the manifest hash', () => {
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8'));
    for (const m of MODELS) {
      const entry = manifest.models.find((e: { id: string }) => e.id === m.id);
      expect(entry, m.id).toBeTruthy();
      const bytes = readFileSync(join(MODELS_DIR, entry.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    }
  });

  it('converted embedder and landmark nets reproduce face-api.js on a real aligned face', async () => {
    const photo = await decodePhoto(join(GROUP, 'dlib__2008_002506.jpg'));
    // dlib's 150-px chip: the nets compared here are the face-api.js ones (MobileFaceNet has its own check).
    const engine = await FacePipeline.create({ provider: 'cpu', threads: 1, embedder: 'dlib-resnet-v1' });
    const dets = await engine.detect(photo.image);
    const [l68] = await engine.landmarksFor(photo.image, dets.slice(0, 1));
    const chip = alignFace(photo.image, l68!, engine.embedderNet.model);
    await engine.close();

    for (const [id, size, file, run] of [
      ['dlib-resnet-v1', 150, 'dlib-resnet-v1.onnx', (x: unknown) => faceapi.nets.faceRecognitionNet.forwardInput(x)],
      ['faceapi-landmark68', 112, 'faceapi-landmark68.onnx', (x: unknown) => faceapi.nets.faceLandmark68Net.runNet(x)],
    ] as const) {
      // Resize the 150px chip to the net's input with nearest sampling (same pixels for both).
      const nhwc = new Float32Array(size * size * 3);
      const nchw = new Float32Array(size * size * 3);
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const sy = Math.floor((y * 150) / size), sx = Math.floor((x * 150) / size);
          for (let c = 0; c < 3; c++) {
            const v = chip.pixels[(sy * 150 + sx) * 3 + c]!;
            nhwc[(y * size + x) * 3 + c] = v;
            nchw[c * size * size + y * size + x] = v;
          }
        }
      const ref = run(await faceapi.toNetInput(tf.tensor4d(nhwc, [1, size, size, 3]))).dataSync() as Float32Array;
      const session = await ort.InferenceSession.create(join(MODELS_DIR, file));
      const out = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, size, size]) });
      const got = out[session.outputNames[0]!]!.data as Float32Array;
      expect(got.length, id).toBe(ref.length);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - got[i]!));
      expect(maxDiff, id).toBeLessThan(1e-4);
    }
  });

  it('the model build refuses an input whose md5 does not match', async () => {
    const { readSource } = await import('../../app/faces/models/build/build-models');
    expect(() => readSource({ npmPackage: 'faceplugin-face-recognition-js@0.0.1', file: 'model/fr_detect.onnx', md5: '0'.repeat(32) })).toThrow(/md5/);
    expect(() => readSource({ npmPackage: 'faceplugin-face-recognition-js@9.9.9', file: 'model/fr_detect.onnx', md5: '' })).toThrow(/version/);
    expect(existsSync(join(MODELS_DIR, 'rfb320.onnx'))).toBe(true);
  });
});
