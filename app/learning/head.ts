/**
 * The projection head: a small trainable map on top of the frozen network's embedding.
 *
 *   linear:        z = W x + b
 *   residual-mlp:  z = W x + b + U relu(V x + c)
 *   output:        y = z / |z|   (then int8-quantised to 128 bytes like the base embedding)
 *
 * The identity initialisation (W = I, b = 0, U = 0) leaves every face's vector unchanged, so a
 * freshly created head changes nothing until it is trained. All parameters live in one flat
 * Float64Array (training) or Float32Array (records); `headLayout` gives the offsets.
 *
 * Hot loops work on packed row-major matrices (n rows of `dims` values) without per-element
 * allocation.
 */
import { quantize } from '../faces/quantize';
import { Rng } from './rng';

export type HeadKind = 'linear' | 'residual-mlp';

export interface HeadShape {
  kind: HeadKind;
  /** Width of the base embedding (128 for the default model). */
  inDims: number;
  /** Width of the output (always 128: 128 bytes a face). */
  outDims: number;
  /** Hidden width of the residual MLP branch (0 for a linear head). */
  hidden: number;
}

export interface HeadLayout {
  /** W [outDims x inDims] row-major. */
  w: number;
  /** b [outDims]. */
  b: number;
  /** V [hidden x inDims] (residual-mlp only). */
  v: number;
  /** c [hidden]. */
  c: number;
  /** U [outDims x hidden]. */
  u: number;
  size: number;
}

export function headLayout(s: HeadShape): HeadLayout {
  const w = 0;
  const b = w + s.outDims * s.inDims;
  const v = b + s.outDims;
  const h = s.kind === 'residual-mlp' ? s.hidden : 0;
  const c = v + h * s.inDims;
  const u = c + h;
  const size = u + s.outDims * h;
  return { w, b, v, c, u, size };
}

export function checkShape(s: HeadShape): void {
  if (s.kind !== 'linear' && s.kind !== 'residual-mlp') throw new Error(`unknown head kind ${String(s.kind)}`);
  for (const k of ['inDims', 'outDims', 'hidden'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 0) throw new Error(`head ${k} must be a non-negative integer`);
  }
  if (s.inDims < 1 || s.outDims < 1) throw new Error('head dims must be positive');
  if (s.kind === 'residual-mlp' && s.hidden < 1) throw new Error('a residual-mlp head needs hidden >= 1');
  if (s.kind === 'linear' && s.hidden !== 0) throw new Error('a linear head has hidden = 0');
}

export function defaultShape(kind: HeadKind = 'linear', dims = 128, hidden = 64): HeadShape {
  return { kind, inDims: dims, outDims: 128, hidden: kind === 'linear' ? 0 : hidden };
}

/**
 * Initial parameters that leave outputs unchanged: W = I (or `init` for an N->128 head, e.g. a
 * PCA matrix), b = 0, U = 0 (so the MLP branch contributes nothing), V small random (seeded).
 */
export function identityParams(s: HeadShape, seed = 1, init?: Float64Array | Float32Array): Float64Array {
  checkShape(s);
  const L = headLayout(s);
  const p = new Float64Array(L.size);
  if (init) {
    if (init.length !== s.outDims * s.inDims) throw new Error('init matrix has the wrong size');
    p.set(init, L.w);
  } else {
    if (s.inDims !== s.outDims) throw new Error('an identity head needs inDims = outDims (pass an init matrix)');
    for (let i = 0; i < s.outDims; i++) p[L.w + i * s.inDims + i] = 1;
  }
  if (s.kind === 'residual-mlp') {
    const r = new Rng(seed);
    const std = Math.sqrt(2 / s.inDims);
    for (let i = 0; i < s.hidden * s.inDims; i++) p[L.v + i] = r.normal() * std;
  }
  return p;
}

/** Work buffers of a batch forward pass, reused between batches (no allocation in the loop). */
export interface ForwardCache {
  capacity: number;
  /** pre-normalisation outputs z [n x out] */
  z: Float64Array;
  /** |z| per row */
  r: Float64Array;
  /** outputs y [n x out] (unit rows) */
  y: Float64Array;
  /** hidden pre-activations [n x hidden] (residual-mlp) */
  a: Float64Array;
  /** hidden activations relu(a) */
  h: Float64Array;
  /** gradient work: dL/dz [n x out], dL/dh [n x hidden] */
  gz: Float64Array;
  gh: Float64Array;
}

export function forwardCache(s: HeadShape, capacity: number): ForwardCache {
  const hid = s.kind === 'residual-mlp' ? s.hidden : 0;
  return {
    capacity,
    z: new Float64Array(capacity * s.outDims),
    r: new Float64Array(capacity),
    y: new Float64Array(capacity * s.outDims),
    a: new Float64Array(capacity * hid),
    h: new Float64Array(capacity * hid),
    gz: new Float64Array(capacity * s.outDims),
    gh: new Float64Array(capacity * hid),
  };
}

/**
 * Forward pass for n rows of x (packed [n x inDims], rows taken at `rows[i]` when given, so a
 * batch can index into the whole training matrix without copying). Fills cache.z, .r, .y (and
 * .a, .h). Returns cache.y.
 */
export function forward(
  s: HeadShape,
  p: Float64Array | Float32Array,
  x: Float64Array | Float32Array,
  n: number,
  cache: ForwardCache,
  rows?: Int32Array,
): Float64Array {
  if (n > cache.capacity) throw new Error('forward cache too small');
  const L = headLayout(s);
  const I = s.inDims, O = s.outDims, H = s.kind === 'residual-mlp' ? s.hidden : 0;
  const { z, r, y, a, h } = cache;
  for (let i = 0; i < n; i++) {
    const xo = (rows ? rows[i]! : i) * I;
    const zo = i * O;
    for (let o = 0; o < O; o++) {
      const wo = L.w + o * I;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      let k = 0;
      for (; k + 3 < I; k += 4) {
        a0 += p[wo + k]! * x[xo + k]!;
        a1 += p[wo + k + 1]! * x[xo + k + 1]!;
        a2 += p[wo + k + 2]! * x[xo + k + 2]!;
        a3 += p[wo + k + 3]! * x[xo + k + 3]!;
      }
      for (; k < I; k++) a0 += p[wo + k]! * x[xo + k]!;
      z[zo + o] = p[L.b + o]! + a0 + a1 + a2 + a3;
    }
    if (H > 0) {
      const ho = i * H;
      for (let j = 0; j < H; j++) {
        let acc = p[L.c + j]!;
        const vo = L.v + j * I;
        for (let k = 0; k < I; k++) acc += p[vo + k]! * x[xo + k]!;
        a[ho + j] = acc;
        h[ho + j] = acc > 0 ? acc : 0;
      }
      for (let o = 0; o < O; o++) {
        let acc = 0;
        const uo = L.u + o * H;
        for (let j = 0; j < H; j++) acc += p[uo + j]! * h[ho + j]!;
        z[zo + o]! += acc;
      }
    }
    let ss = 0;
    for (let o = 0; o < O; o++) ss += z[zo + o]! * z[zo + o]!;
    const norm = Math.sqrt(ss) || 1e-12;
    r[i] = norm;
    const inv = 1 / norm;
    for (let o = 0; o < O; o++) y[zo + o] = z[zo + o]! * inv;
  }
  return y;
}

/**
 * Backward pass: given dL/dy for the n rows of the last forward (gy, packed [n x out]),
 * accumulates dL/dparams into `grad` (same layout as the parameters). Exact gradient through
 * the L2 normalisation: dL/dz = (g - y (y.g)) / |z|.
 */
export function backward(
  s: HeadShape,
  p: Float64Array | Float32Array,
  x: Float64Array | Float32Array,
  n: number,
  cache: ForwardCache,
  gy: Float64Array,
  grad: Float64Array,
  rows?: Int32Array,
): void {
  const L = headLayout(s);
  const I = s.inDims, O = s.outDims, H = s.kind === 'residual-mlp' ? s.hidden : 0;
  const { r, y, a, h, gz, gh } = cache;
  for (let i = 0; i < n; i++) {
    const zo = i * O;
    let dot = 0;
    let any = false;
    for (let o = 0; o < O; o++) {
      const g = gy[zo + o]!;
      if (g !== 0) any = true;
      dot += y[zo + o]! * g;
    }
    if (!any) continue;
    const inv = 1 / r[i]!;
    const xo = (rows ? rows[i]! : i) * I;
    for (let o = 0; o < O; o++) {
      const g = (gy[zo + o]! - y[zo + o]! * dot) * inv;
      gz[zo + o] = g;
      if (g === 0) continue;
      grad[L.b + o]! += g;
      const wo = L.w + o * I;
      for (let k = 0; k < I; k++) grad[wo + k]! += g * x[xo + k]!;
    }
    if (H > 0) {
      const ho = i * H;
      for (let j = 0; j < H; j++) gh[ho + j] = 0;
      for (let o = 0; o < O; o++) {
        const g = gz[zo + o]!;
        if (g === 0) continue;
        const uo = L.u + o * H;
        for (let j = 0; j < H; j++) {
          grad[uo + j]! += g * h[ho + j]!;
          gh[ho + j]! += g * p[uo + j]!;
        }
      }
      for (let j = 0; j < H; j++) {
        if (a[ho + j]! <= 0) continue;
        const g = gh[ho + j]!;
        if (g === 0) continue;
        grad[L.c + j]! += g;
        const vo = L.v + j * I;
        for (let k = 0; k < I; k++) grad[vo + k]! += g * x[xo + k]!;
      }
    }
  }
}

/**
 * Projects n packed rows (Float32 in) to unit output rows (Float32 out), in chunks so that the
 * work buffers stay small. Used for evaluation and for re-projecting the library.
 */
export function projectRows(
  s: HeadShape,
  p: Float64Array | Float32Array,
  x: Float32Array | Float64Array,
  n: number,
  out: Float32Array = new Float32Array(n * s.outDims),
): Float32Array {
  const chunk = Math.max(1, Math.min(256, n));
  const cache = forwardCache(s, chunk);
  const rows = new Int32Array(chunk);
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    for (let i = 0; i < m; i++) rows[i] = start + i;
    const y = forward(s, p, x, m, cache, rows);
    out.set(y.subarray(0, m * s.outDims), start * s.outDims);
  }
  return out;
}

/** One face: base vector -> unit output vector. */
export function projectVector(s: HeadShape, p: Float64Array | Float32Array, x: Float32Array): Float32Array {
  return projectRows(s, p, x, 1);
}

/** One face: base vector -> the 128 stored bytes (L2-normalised, int8 with the model's scale). */
export function projectQuantized(s: HeadShape, p: Float64Array | Float32Array, x: Float32Array, scale: number): Int8Array {
  return quantize(projectVector(s, p, x), scale);
}
