import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onnx } from 'onnx-proto';
import { ort } from '../../app/faces/onnx-session';
import { EMBEDDER_MOBILEFACENET } from '../../app/faces/models/registry';
import { decodePhoto } from '../../app/faces/image';
import { FacePipeline } from '../../app/faces/pipeline';
import { alignFace } from '../../app/faces/align';
import { l2normalize } from '../../app/faces/quantize';
import { DATASETS, MODELS_DIR, ROOT, requireDatasets } from '../helpers/paths';

/** Made by scripts/make-mobilefacenet-reference.js with TensorFlow's TFLite interpreter (tfjs-tflite, WASM). */
interface Reference {
  runtime: string;
  faces: { image: string; detection: number; chipSha256: string; output: number[] }[];
}
const ref = JSON.parse(readFileSync(join(ROOT, 'app/faces/models/build/reference-mobilefacenet.json'), 'utf8')) as Reference;
/** Largest allowed |onnxruntime - TFLite| on a raw output component (magnitudes ~0.1-3): float32 rounding, ~1e-5 seen. */
const TOLERANCE = 1e-4;

let chips: Uint8Array[] = [];

beforeAll(async () => {
  requireDatasets();
  const engine = await FacePipeline.create({ provider: 'cpu', threads: 1 });
  chips = [];
  for (const f of ref.faces) {
    const photo = await decodePhoto(join(DATASETS, f.image));
    const dets = await engine.detect(photo.image);
    const [l68] = await engine.landmarksFor(photo.image, [dets[f.detection]!]);
    chips.push(alignFace(photo.image, l68!, EMBEDDER_MOBILEFACENET).pixels);
  }
  await engine.close();
});

describe('MobileFaceNet converted from TFLite', () => {
  it('gives the TFLite interpreter its output on real aligned faces, in one batch of four', async () => {
    // The same chips as the reference was made from (else alignment or decoding changed: rerun the script).
    chips.forEach((c, i) => expect(createHash('sha256').update(c).digest('hex'), ref.faces[i]!.image).toBe(ref.faces[i]!.chipSha256));
    const S = EMBEDDER_MOBILEFACENET.inputSize, plane = S * S;
    const { mean, std } = EMBEDDER_MOBILEFACENET.normalise!;
    const input = new Float32Array(chips.length * 3 * plane);
    chips.forEach((px, b) => {
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[(b * 3 + c) * plane + i] = (px[i * 3 + c]! - mean) / std;
    });
    const session = await ort.InferenceSession.create(join(MODELS_DIR, EMBEDDER_MOBILEFACENET.file));
    const out = await session.run({ input: new ort.Tensor('float32', input, [chips.length, 3, S, S]) });
    await session.release();
    const got = out[session.outputNames[0]!]!.data as Float32Array;
    expect(got.length).toBe(chips.length * 192);
    let maxDiff = 0;
    ref.faces.forEach((f, b) => f.output.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[b * 192 + i]!)))));
    expect(maxDiff, `max |onnxruntime - ${ref.runtime}|`).toBeLessThan(TOLERANCE);
  });

  it("the installed graph writes MobileFaceNet's 33 PReLUs for onnxruntime's blocked layout (no ABS/SUB passes left)", () => {
    // The five-operator spelling cost ~1.8x the CPU a face (docs/speed.md "Exact speed-ups"); a
    // converter change that lost the rewrite would still pass the output check above.
    const nodes = onnx.ModelProto.decode(readFileSync(join(MODELS_DIR, EMBEDDER_MOBILEFACENET.file))).graph!.node!.map((n) => n.opType!);
    const count = (op: string) => nodes.filter((o) => o === op).length;
    expect(count('Abs')).toBe(0);
    expect(count('Sub')).toBe(0);
    expect(count('BatchNormalization')).toBe(2 * 33);
  });

  it('the reference outputs of four different people are far apart (not one collapsed vector)', () => {
    // A sanity check of the reference itself: a broken export (like human-models' mobilefacenet) maps every face near one vector.
    const unit = ref.faces.map((f) => l2normalize(Float32Array.from(f.output)));
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    for (let i = 0; i < unit.length; i++) for (let j = i + 1; j < unit.length; j++) expect(cos(unit[i]!, unit[j]!), `${i} vs ${j}`).toBeLessThan(0.5);
  });
});
