import { describe, expect, it } from 'vitest';
import { ort } from '../../app/faces/onnx-session';
import { GraphBuilder } from '../../app/faces/models/build/onnx-graph';
import { decodeWeights, depthwiseToOihw, hwioToOihw } from '../../app/faces/models/build/tfjs-weights';

/** Reference NHWC convolution with TensorFlow's SAME/VALID padding, written independently. */
function convNhwc(x: Float32Array, h: number, w: number, ci: number, f: Float32Array, k: number, co: number, stride: number, same: boolean) {
  const oh = same ? Math.ceil(h / stride) : Math.floor((h - k) / stride) + 1;
  const ow = same ? Math.ceil(w / stride) : Math.floor((w - k) / stride) + 1;
  const padT = same ? Math.floor(Math.max((oh - 1) * stride + k - h, 0) / 2) : 0;
  const padL = same ? Math.floor(Math.max((ow - 1) * stride + k - w, 0) / 2) : 0;
  const out = new Float32Array(oh * ow * co);
  for (let y = 0; y < oh; y++)
    for (let xx = 0; xx < ow; xx++)
      for (let o = 0; o < co; o++) {
        let s = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = y * stride + ky - padT, ix = xx * stride + kx - padL;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let i = 0; i < ci; i++) s += x[(iy * w + ix) * ci + i]! * f[((ky * k + kx) * ci + i) * co + o]!;
          }
        out[(y * ow + xx) * co + o] = s;
      }
  return { out, oh, ow };
}

const rnd = (n: number, seed: number) => {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return (s / 0x7fffffff) * 2 - 1;
  });
};

function toNchw(x: Float32Array, h: number, w: number, c: number) {
  const o = new Float32Array(x.length);
  for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let i = 0; i < c; i++) o[i * h * w + y * w + xx] = x[(y * w + xx) * c + i]!;
  return o;
}

describe('tfjs weight decoding', () => {
  it('dequantises uint8 as q * scale + min and reads float32', () => {
    const entries = [
      { name: 'a', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8' as const, scale: 0.5, min: -1 } },
      { name: 'b', shape: [2], dtype: 'float32' },
    ];
    const bytes = new Uint8Array(3 + 8);
    bytes.set([0, 2, 255], 0);
    new DataView(bytes.buffer).setFloat32(3, 1.25, true);
    new DataView(bytes.buffer).setFloat32(7, -3, true);
    const m = decodeWeights(entries, bytes);
    expect(Array.from(m.get('a')!.data)).toEqual([-1, 0, 126.5]);
    expect(Array.from(m.get('b')!.data)).toEqual([1.25, -3]);
  });

  it('rejects a shard of the wrong size', () => {
    expect(() => decodeWeights([{ name: 'a', shape: [4], dtype: 'float32' }], new Uint8Array(8))).toThrow(/size mismatch/);
  });
});

describe('ONNX graph builder on a small graph', () => {
  it('conv SAME stride 2 + relu + separable conv + dense equals an independent NHWC reference', async () => {
    const H = 9, W = 7, CI = 3, CO = 4;
    const x = rnd(H * W * CI, 1);
    const f1 = rnd(3 * 3 * CI * CO, 2);
    const dw = rnd(3 * 3 * CO * 1, 3);
    const pw = rnd(1 * 1 * CO * 5, 4);
    const fc = rnd(5 * 5 * 4 * 2, 5); // after conv: 5x4x5 -> flatten 100 -> 2

    // Reference in NHWC (TensorFlow semantics).
    const c1 = convNhwc(x, H, W, CI, f1, 3, CO, 2, true);
    const r1 = c1.out.map((v) => Math.max(0, v));
    // depthwise: per channel 3x3, SAME, stride 1
    const d = new Float32Array(r1.length);
    for (let c = 0; c < CO; c++) {
      const xc = new Float32Array(c1.oh * c1.ow);
      for (let i = 0; i < xc.length; i++) xc[i] = r1[i * CO + c]!;
      const fcw = new Float32Array(9);
      for (let k = 0; k < 9; k++) fcw[k] = dw[k * CO + c]!;
      const r = convNhwc(xc, c1.oh, c1.ow, 1, fcw, 3, 1, 1, true);
      for (let i = 0; i < xc.length; i++) d[i * CO + c] = r.out[i]!;
    }
    const p = convNhwc(d, c1.oh, c1.ow, CO, pw, 1, 5, 1, true);
    const flat = p.out; // NHWC flatten
    const ref = [0, 1].map((j) => flat.reduce((s, v, i) => s + v * fc[i * 2 + j]!, 0));

    const g = new GraphBuilder(13);
    const input = g.input('input', [-1, CI, H, W]);
    let y = g.relu(g.conv(input, hwioToOihw({ name: 'f1', shape: [3, 3, CI, CO], data: f1 }), null, 2, 'same'));
    y = g.conv(y, depthwiseToOihw({ name: 'dw', shape: [3, 3, CO, 1], data: dw }), null, 1, 'same', CO);
    y = g.conv(y, hwioToOihw({ name: 'pw', shape: [1, 1, CO, 5], data: pw }), null, 1, 'same');
    const out = g.dense(g.flattenNhwc(y), { dims: [100, 2], data: fc }, null);
    g.output(out, 'out');
    const session = await ort.InferenceSession.create(g.build('t', 'test'));
    const res = await session.run({ input: new ort.Tensor('float32', toNchw(x, H, W, CI), [1, CI, H, W]) });
    const got = res.out!.data as Float32Array;
    expect(got.length).toBe(2);
    for (let j = 0; j < 2; j++) expect(Math.abs(got[j]! - ref[j]!)).toBeLessThan(1e-4);
  });

  it('zero-pads like face-api.js residual shortcuts', async () => {
    const g = new GraphBuilder(13);
    const input = g.input('input', [-1, 2, 3, 3]);
    g.output(g.pad(input, [0, 0, 0, 0], [0, 2, 1, 1]), 'out');
    const session = await ort.InferenceSession.create(g.build('t', 'test'));
    const data = Float32Array.from({ length: 18 }, (_, i) => i + 1);
    const res = await session.run({ input: new ort.Tensor('float32', data, [1, 2, 3, 3]) });
    expect(res.out!.dims).toEqual([1, 4, 4, 4]);
    const o = res.out!.data as Float32Array;
    expect(o[0]).toBe(1);
    expect(o[3]).toBe(0); // padded column
    expect(o[2 * 16]).toBe(0); // padded channel
  });
});
