import { describe, expect, it } from 'vitest';
import { ort } from '../../app/faces/onnx-session';
import { readTflite, TflOp } from '../../app/faces/models/build/tflite-reader';
import { onnx } from 'onnx-proto';
import { buildTfliteOnnx, findPrelus } from '../../app/faces/models/build/convert-tflite';
import { writeTflite, type WOperator, type WTensor } from '../helpers/tflite-writer';

const rnd = (n: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s / 0x7fffffff) * 2 - 1;
  });
};

/** TensorFlow's SAME/VALID arithmetic for one axis: [out, padBegin]. */
function tfAxis(size: number, k: number, stride: number, same: boolean): [number, number] {
  if (!same) return [Math.floor((size - k) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  return [out, Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2)];
}

interface Img {
  d: Float32Array;
  h: number;
  w: number;
  c: number;
}

/**
 * Reference convolution on one NHWC image, written from TFLite's layouts: conv filters OHWI
 * [co, k, k, ci]; depthwise filters [1, k, k, ci * m], output channel c * m + j reading channel c.
 */
function convRef(x: Img, f: Float32Array, k: number, co: number, bias: Float32Array, stride: number, same: boolean, depthwise: number | null): Img {
  const [oh, pt] = tfAxis(x.h, k, stride, same);
  const [ow, pl] = tfAxis(x.w, k, stride, same);
  const out = new Float32Array(oh * ow * co);
  for (let y = 0; y < oh; y++)
    for (let xx = 0; xx < ow; xx++)
      for (let o = 0; o < co; o++) {
        let s = bias[o]!;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = y * stride + ky - pt, ix = xx * stride + kx - pl;
            if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
            if (depthwise !== null) s += x.d[(iy * x.w + ix) * x.c + Math.floor(o / depthwise)]! * f[(ky * k + kx) * co + o]!;
            else for (let i = 0; i < x.c; i++) s += x.d[(iy * x.w + ix) * x.c + i]! * f[((o * k + ky) * k + kx) * x.c + i]!;
          }
        out[(y * ow + xx) * co + o] = s;
      }
  return { d: out, h: oh, w: ow, c: co };
}

const map = (a: Float32Array, f: (v: number, i: number) => number) => Float32Array.from(a, f);

// A small net with every operator MobileFaceNet uses, in the shapes that matter: an odd input with
// a stride-2 SAME conv (asymmetric pads), a depthwise conv with multiplier 2, PReLU written as
// relu(x) + alpha * (x - |x|) with a per-channel constant, fused RELU and RELU6, a 1x1 VALID conv,
// a RESHAPE that hard-codes batch 2 and flattens a 5x5x3 image (element order), a 2-D constant add.
const B = 2, H = 9, W = 9, C = 3;
const w1 = rnd(4 * 3 * 3 * C, 1), b1 = rnd(4, 2);
const w2 = rnd(3 * 3 * 8, 3), b2 = rnd(8, 4);
const alpha = rnd(8, 5);
const w3 = rnd(3 * 8, 6), b3 = rnd(3, 7);
const bias4 = rnd(75, 8);
const tensors: WTensor[] = [
  { name: 'input', shape: [B, H, W, C] }, // 0
  { name: 'w1', shape: [4, 3, 3, C], data: w1 }, // 1
  { name: 'b1', shape: [4], data: b1 }, // 2
  { name: 'conv1', shape: [B, 5, 5, 4] }, // 3
  { name: 'w2', shape: [1, 3, 3, 8], data: w2 }, // 4
  { name: 'b2', shape: [8], data: b2 }, // 5
  { name: 'dw', shape: [B, 5, 5, 8] }, // 6
  { name: 'abs', shape: [B, 5, 5, 8] }, // 7
  { name: 'sub', shape: [B, 5, 5, 8] }, // 8
  { name: 'alpha', shape: [8], data: alpha }, // 9
  { name: 'mul', shape: [B, 5, 5, 8] }, // 10
  { name: 'relu', shape: [B, 5, 5, 8] }, // 11
  { name: 'prelu', shape: [B, 5, 5, 8] }, // 12
  { name: 'w3', shape: [3, 1, 1, 8], data: w3 }, // 13
  { name: 'b3', shape: [3], data: b3 }, // 14
  { name: 'conv3', shape: [B, 5, 5, 3] }, // 15
  { name: 'shape', shape: [2], data: Int32Array.from([B, 75]) }, // 16
  { name: 'flat', shape: [B, 75] }, // 17
  { name: 'bias4', shape: [75], data: bias4 }, // 18
  { name: 'out', shape: [B, 75] }, // 19
];
const operators: WOperator[] = [
  { opcode: TflOp.CONV_2D, inputs: [0, 1, 2], outputs: [3], options: { kind: 'conv', padding: 0, stride: 2, activation: 1 } },
  { opcode: TflOp.DEPTHWISE_CONV_2D, inputs: [3, 4, 5], outputs: [6], options: { kind: 'depthwise', padding: 0, stride: 1, multiplier: 2 } },
  { opcode: TflOp.ABS, inputs: [6], outputs: [7] },
  { opcode: TflOp.SUB, inputs: [6, 7], outputs: [8], options: { kind: 'elementwise', unionType: 28 } },
  { opcode: TflOp.MUL, inputs: [9, 8], outputs: [10], options: { kind: 'elementwise', unionType: 21 } },
  { opcode: TflOp.RELU, inputs: [6], outputs: [11] },
  { opcode: TflOp.ADD, inputs: [11, 10], outputs: [12], options: { kind: 'elementwise', unionType: 11 } },
  { opcode: TflOp.CONV_2D, inputs: [12, 13, 14], outputs: [15], options: { kind: 'conv', padding: 1, stride: 1, activation: 3 } },
  { opcode: TflOp.RESHAPE, inputs: [15, 16], outputs: [17], options: { kind: 'reshape', newShape: [B, 75] } },
  { opcode: TflOp.ADD, inputs: [17, 18], outputs: [19], options: { kind: 'elementwise', unionType: 11, activation: 1 } },
];

/** The net above on one NHWC image, from the TFLite semantics. */
function forwardRef(x: Img): Float32Array {
  const relu = (v: number) => Math.max(0, v);
  const c1 = convRef(x, w1, 3, 4, b1, 2, true, null);
  c1.d = map(c1.d, relu);
  const dw = convRef(c1, w2, 3, 8, b2, 1, true, 2);
  const prelu = map(dw.d, (v, i) => relu(v) + alpha[i % 8]! * (v - Math.abs(v)));
  const c3 = convRef({ ...dw, d: prelu }, w3, 1, 3, b3, 1, false, null);
  return map(c3.d, (v, i) => relu(Math.min(6, Math.max(0, v)) + bias4[i]!));
}

describe('TFLite -> ONNX converter', () => {
  const file = writeTflite(tensors, operators, [0], [19]);

  it('reads tensors, operator codes and builtin options through the FlatBuffer vtables', () => {
    const m = readTflite(file);
    expect(m.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    expect(m.tensors[1]!.shape).toEqual([4, 3, 3, C]);
    expect(m.operators.map((o) => o.opcode)).toEqual(operators.map((o) => o.opcode));
    expect(m.operators[0]!.options).toMatchObject({ padding: 0, strideW: 2, strideH: 2, activation: 1, dilationW: 1 });
    expect(m.operators[1]!.options).toMatchObject({ depthMultiplier: 2, strideW: 1 });
    expect(m.operators[7]!.options).toMatchObject({ padding: 1, activation: 3 });
    expect(m.operators[8]!.options.newShape).toEqual([B, 75]);
    expect(m.inputs).toEqual([0]);
    expect(m.outputs).toEqual([19]);
  });

  it('the converted graph computes what the TFLite operators define, at any batch size', async () => {
    const { bytes } = buildTfliteOnnx(readTflite(file), 'test', 'test');
    const session = await ort.InferenceSession.create(bytes);
    for (const n of [1, 2, 3]) {
      const images = Array.from({ length: n }, (_, b) => rnd(H * W * C, 100 + b));
      const nchw = new Float32Array(n * C * H * W);
      images.forEach((img, b) => {
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) nchw[((b * C + c) * H + y) * W + x] = img[(y * W + x) * C + c]!;
      });
      const out = await session.run({ input: new ort.Tensor('float32', nchw, [n, C, H, W]) });
      const got = out[session.outputNames[0]!]!;
      expect(got.dims).toEqual([n, 75]);
      const data = got.data as Float32Array;
      let maxDiff = 0;
      images.forEach((img, b) => {
        const ref = forwardRef({ d: img, h: H, w: W, c: C });
        for (let i = 0; i < 75; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - data[b * 75 + i]!));
      });
      expect(maxDiff, `batch ${n}`).toBeLessThan(1e-5);
    }
    await session.release();
  });

  it('finds PReLU spelled as five operators and writes it without ABS, SUB or MUL', () => {
    const m = readTflite(file);
    const found = [...findPrelus(m).entries()];
    // The ADD at index 6 closes relu(dw) + alpha * (dw - |dw|); ABS, SUB, MUL and RELU are 2, 3, 4, 5.
    expect(found.map(([i, p]) => [i, p.x, p.out, [...p.ops].sort()])).toEqual([[6, 6, 12, [2, 3, 4, 5]]]);
    expect([...found[0]![1].slope]).toEqual([...alpha].map((a) => Math.fround(2 * Math.fround(a))));
    const ops = onnx.ModelProto.decode(buildTfliteOnnx(m, 't', 't').bytes).graph!.node!.map((n) => n.opType);
    expect(ops).not.toContain('Abs');
    expect(ops).not.toContain('Sub');
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(2);
  });

  it('leaves the five operators alone when an intermediate is read elsewhere (and still computes the same)', async () => {
    // The same net, but |dw| is also added to the output path: the pattern must not be folded.
    const extra: WTensor[] = [...tensors, { name: 'abs2', shape: [B, 5, 5, 8] }];
    const ops2: WOperator[] = [...operators.slice(0, 7), { opcode: TflOp.ADD, inputs: [12, 7], outputs: [20], options: { kind: 'elementwise', unionType: 11 } }, ...operators.slice(7).map((o, j) => (j === 0 ? { ...o, inputs: [20, ...o.inputs.slice(1)] } : o))];
    const m = readTflite(writeTflite(extra, ops2, [0], [19]));
    expect(findPrelus(m).size).toBe(0);
    const ops = onnx.ModelProto.decode(buildTfliteOnnx(m, 't', 't').bytes).graph!.node!.map((n) => n.opType);
    expect(ops).toContain('Abs');
  });

  it('refuses what it cannot convert, by name', () => {
    expect(() => readTflite(new Uint8Array(64))).toThrow(/TFL3/);
    const pool = writeTflite(tensors.slice(0, 4), [{ opcode: 17, inputs: [0], outputs: [3] }], [0], [3]);
    expect(() => buildTfliteOnnx(readTflite(pool), 't', 't')).toThrow(/code 17 is not supported/);
  });
});
