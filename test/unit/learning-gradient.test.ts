import { describe, expect, it } from 'vitest';
import { backward, forward, forwardCache, headLayout, type HeadShape } from '../../app/learning/head';
import { batchTripletLoss, lossWork, REL_CANNOT, REL_NEG, REL_NONE, REL_POS, strangerTerm, type TripletOptions } from '../../app/learning/loss';
import { Rng } from '../../app/learning/rng';

/** Loss of the batch as a function of the parameters (forward + triplet loss). */
function lossAt(shape: HeadShape, p: Float64Array, x: Float64Array, n: number, rel: Uint8Array, w: Float64Array, opts: TripletOptions, old: Float64Array | null, grad?: Float64Array): number {
  const cache = forwardCache(shape, n);
  const y = forward(shape, p, x, n, cache);
  const gy = new Float64Array(n * shape.outDims);
  const st = batchTripletLoss(n, shape.outDims, y, rel, w, opts, gy, lossWork(n, shape.outDims), old);
  if (grad) backward(shape, p, x, n, cache, gy, grad);
  return st.loss;
}

function relations(labels: number[], cannot: [number, number][]): Uint8Array {
  const n = labels.length;
  const rel = new Uint8Array(n * n);
  for (let a = 0; a < n; a++)
    for (let j = 0; j < n; j++) {
      if (a === j) rel[a * n + j] = REL_NONE;
      else if (labels[a]! >= 0 && labels[a] === labels[j]) rel[a * n + j] = REL_POS;
      else if (cannot.some(([u, v]) => (u === a && v === j) || (u === j && v === a))) rel[a * n + j] = REL_CANNOT;
      else if (labels[a]! >= 0 && labels[j]! >= 0) rel[a * n + j] = REL_NEG;
      else rel[a * n + j] = REL_NONE;
    }
  return rel;
}

/**
 * Central differences (eps 1e-6) of `loss` over every parameter of `p`, compared with the analytic
 * `grad`: a real gradient (norm > minNorm), relative error of the whole vector < 1e-4, and of every
 * sizeable component too.
 */
function expectGradientMatches(p: Float64Array, grad: Float64Array, loss: () => number, minNorm: number) {
  const eps = 1e-6;
  const num = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const keep = p[i]!;
    p[i] = keep + eps;
    const lp = loss();
    p[i] = keep - eps;
    const lm = loss();
    p[i] = keep;
    num[i] = (lp - lm) / (2 * eps);
  }
  let diff = 0, na = 0, nn = 0;
  for (let i = 0; i < p.length; i++) {
    diff += (grad[i]! - num[i]!) ** 2;
    na += grad[i]! ** 2;
    nn += num[i]! ** 2;
  }
  expect(Math.sqrt(na)).toBeGreaterThan(minNorm); // a real gradient, not zero vs zero
  expect(Math.sqrt(diff) / (Math.sqrt(na) + Math.sqrt(nn))).toBeLessThan(1e-4);
  for (let i = 0; i < p.length; i++) {
    const den = Math.abs(grad[i]!) + Math.abs(num[i]!);
    if (den > 1e-3) expect(Math.abs(grad[i]! - num[i]!) / den).toBeLessThan(1e-4);
  }
}

function check(shape: HeadShape, seed: number, opts: TripletOptions, withOld: boolean) {
  const r = new Rng(seed);
  const L = headLayout(shape);
  const p = new Float64Array(L.size);
  for (let i = 0; i < p.length; i++) p[i] = r.normal() * 0.5;
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, -1, -1];
  const n = labels.length;
  const x = new Float64Array(n * shape.inDims);
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  const rel = relations(labels, [[0, 8], [3, 9], [6, 3]]);
  const w = Float64Array.from(labels, (l, i) => (l < 0 ? 0 : i === 7 ? 0.3 : 1));
  let old: Float64Array | null = null;
  if (withOld) {
    old = new Float64Array(n * shape.outDims);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < shape.outDims; k++) s += (old[i * shape.outDims + k] = r.normal()) ** 2;
      for (let k = 0; k < shape.outDims; k++) old[i * shape.outDims + k]! /= Math.sqrt(s);
    }
  }
  const grad = new Float64Array(L.size);
  const l0 = lossAt(shape, p, x, n, rel, w, opts, old, grad);
  expect(l0).toBeGreaterThan(0);
  expectGradientMatches(p, grad, () => lossAt(shape, p, x, n, rel, w, opts, old), 1e-3);
}

const base: TripletOptions = { alpha: 0.4, fallback: 'least-hard', cannotLinkWeight: 1, harmonicWeight: 0 };

describe('analytic gradients match finite differences (float64)', () => {
  const linear: HeadShape = { kind: 'linear', inDims: 7, outDims: 6, hidden: 0 };
  const mlp: HeadShape = { kind: 'residual-mlp', inDims: 7, outDims: 6, hidden: 5 };

  it('linear head, triplet loss with semi-hard mining and cannot-link triplets', () => {
    for (const seed of [1, 2, 3]) check(linear, seed, base, false);
  });
  it('linear head, skip fallback', () => {
    check(linear, 4, { ...base, fallback: 'skip' }, false);
  });
  it('linear head with the harmonic cross-version term', () => {
    check(linear, 5, { ...base, harmonicWeight: 0.7 }, true);
  });
  it('linear head with the calibration term (new-new and new-old)', () => {
    check(linear, 6, { ...base, harmonicWeight: 0.5, calibration: { threshold: 0.3, margin: 0.05, negMargin: 0.08, weight: 0.8 } }, true);
  });
  it('linear head with the "no closer" drift term', () => {
    check(linear, 9, { ...base, harmonicWeight: 0, driftWeight: 1.5 }, true);
  });
  it('residual-mlp head, all terms', () => {
    for (const seed of [7, 8]) check(mlp, seed, { ...base, harmonicWeight: 0.5, driftWeight: 0.7, calibration: { threshold: 0.2, margin: 0.05, weight: 1 } }, true);
  });
});

/**
 * The stranger-structure term on its own (forward + strangerTerm + backward): pairs of rows with
 * their "old" cosines; some pairs below the floor, some above, some with an old cosine above the
 * floor, so that both branches of max(old, floor) and inactive pairs occur.
 */
function strangerLossAt(shape: HeadShape, p: Float64Array, x: Float64Array, n: number, pi: Int32Array, pj: Int32Array, old: Float64Array, floor: number | undefined, w: number, grad?: Float64Array): { loss: number; active: number } {
  const cache = forwardCache(shape, n);
  const y = forward(shape, p, x, n, cache);
  const gy = new Float64Array(n * shape.outDims);
  const r = strangerTerm(shape.outDims, y, pi, pj, old, pi.length, floor, w, gy);
  if (grad) backward(shape, p, x, n, cache, gy, grad);
  return r;
}

function checkStranger(shape: HeadShape, seed: number, floor: number | undefined, w: number) {
  const r = new Rng(seed);
  const L = headLayout(shape);
  const p = new Float64Array(L.size);
  for (let i = 0; i < p.length; i++) p[i] = r.normal() * 0.5;
  const n = 9;
  const x = new Float64Array(n * shape.inDims);
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if ((i + j) % 3 !== 0) pairs.push([i, j]);
  const pi = Int32Array.from(pairs, (q) => q[0]);
  const pj = Int32Array.from(pairs, (q) => q[1]);
  // old cosines: the current cosine moved by a random amount (some pairs "came closer" than before)
  const cache = forwardCache(shape, n);
  const y0 = forward(shape, p, x, n, cache);
  const old = Float64Array.from(pairs, ([i, j]) => {
    let c = 0;
    for (let k = 0; k < shape.outDims; k++) c += y0[i * shape.outDims + k]! * y0[j * shape.outDims + k]!;
    return c + r.normal() * 0.3;
  });
  const grad = new Float64Array(L.size);
  const r0 = strangerLossAt(shape, p, x, n, pi, pj, old, floor, w, grad);
  expect(r0.loss).toBeGreaterThan(0);
  expect(r0.active).toBeGreaterThan(0);
  expect(r0.active).toBeLessThan(pairs.length);
  expectGradientMatches(p, grad, () => strangerLossAt(shape, p, x, n, pi, pj, old, floor, w).loss, 1e-4);
}

describe('stranger-structure term: analytic gradient matches finite differences (float64)', () => {
  const linear: HeadShape = { kind: 'linear', inDims: 7, outDims: 6, hidden: 0 };
  const mlp: HeadShape = { kind: 'residual-mlp', inDims: 7, outDims: 6, hidden: 5 };
  it('linear head, floor below the threshold (max(old, t - m))', () => {
    for (const seed of [11, 12, 13]) checkStranger(linear, seed, 0.1, 3);
  });
  it('linear head, no floor ("no closer" than under the current head)', () => {
    checkStranger(linear, 14, undefined, 2);
  });
  it('residual-mlp head', () => {
    for (const seed of [15, 16]) checkStranger(mlp, seed, 0.05, 5);
  });
  it('zero below the floor and when nothing came closer', () => {
    const y = Float64Array.from([1, 0, 0.6, 0.8]);
    const gy = new Float64Array(4);
    // cos = 0.6: floor 0.7 above it -> inactive; old 0.65 with no floor -> inactive
    expect(strangerTerm(2, y, Int32Array.of(0), Int32Array.of(1), Float64Array.of(0.2), 1, 0.7, 1, gy)).toEqual({ loss: 0, active: 0 });
    expect(strangerTerm(2, y, Int32Array.of(0), Int32Array.of(1), Float64Array.of(0.65), 1, undefined, 1, gy)).toEqual({ loss: 0, active: 0 });
    expect(Array.from(gy)).toEqual([0, 0, 0, 0]);
    // old 0.5, floor 0.4: max = 0.5, hinge 0.1 -> loss 0.01 (weight 1, one pair)
    const r = strangerTerm(2, y, Int32Array.of(0), Int32Array.of(1), Float64Array.of(0.5), 1, 0.4, 1, gy);
    expect(r.active).toBe(1);
    expect(r.loss).toBeCloseTo(0.01, 12);
  });
});
