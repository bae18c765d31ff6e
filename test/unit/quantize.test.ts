import { describe, expect, it } from 'vitest';
import { cosine, cosineInt8, dequantize, l2normalize, quantize } from '../../app/faces/quantize';
import { EMBEDDER_DLIB } from '../../app/faces/models/registry';

function randomUnit(seed: number): Float32Array {
  let s = seed;
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) {
    // Box-Muller on an LCG
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const u1 = (s + 1) / 0x80000001;
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const u2 = s / 0x7fffffff;
    v[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return l2normalize(v);
}

describe('int8 quantisation (128 bytes a face)', () => {
  it('gives exactly 128 signed bytes within [-127, 127]', () => {
    const q = quantize(randomUnit(1), EMBEDDER_DLIB.quantScale);
    expect(q).toBeInstanceOf(Int8Array);
    expect(q.byteLength).toBe(128);
    for (const x of q) expect(Math.abs(x)).toBeLessThanOrEqual(127);
  });

  it('keeps cosine similarity within 0.005 of the float value', () => {
    for (let k = 0; k < 50; k++) {
      const a = randomUnit(k * 2 + 1), b = randomUnit(k * 2 + 2);
      // make a correlated pair too
      const c = l2normalize(a.map((x, i) => x + 0.3 * b[i]!));
      const qa = quantize(a, EMBEDDER_DLIB.quantScale), qb = quantize(b, EMBEDDER_DLIB.quantScale), qc = quantize(c, EMBEDDER_DLIB.quantScale);
      expect(Math.abs(cosineInt8(qa, qb) - cosine(a, b))).toBeLessThan(0.005);
      expect(Math.abs(cosineInt8(qa, qc) - cosine(a, c))).toBeLessThan(0.005);
    }
  });

  it('clips components beyond the scale instead of wrapping', () => {
    const v = new Float32Array(128);
    v[0] = 0.9;
    v[1] = -0.9;
    const q = quantize(v, 0.4);
    expect(q[0]).toBe(127);
    expect(q[1]).toBe(-127);
  });

  it('dequantises back to about the original', () => {
    const a = randomUnit(99);
    const back = dequantize(quantize(a, 0.4), 0.4);
    for (let i = 0; i < 128; i++) expect(Math.abs(back[i]! - a[i]!)).toBeLessThanOrEqual(0.4 / 127 / 2 + 1e-6);
  });

  it('refuses vectors that are not 128-D', () => {
    expect(() => quantize(new Float32Array(512), 0.4)).toThrow(/128/);
  });
});
