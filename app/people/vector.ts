/**
 * int8 vector arithmetic for 128-byte face embeddings.
 *
 * An embedding is the int8 quantisation of an L2-normalised float vector; similarity is the
 * cosine computed on the int8 values (dot / (|a| |b|)), in which the per-model scale cancels.
 * Matrices are packed row-major Int8Arrays of n * DIM bytes, with their row norms precomputed.
 */
import { EMBEDDING_BYTES } from '../faces/types';

/** Bytes (= int8 dimensions) of a face vector. */
export const DIM = EMBEDDING_BYTES;

/** Dot product of row `ai` of `a` and row `bi` of `b` (rows of DIM int8 values). */
export function dotAt(a: Int8Array, ai: number, b: Int8Array, bi: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = ai * DIM, j = bi * DIM;
  const end = i + DIM;
  for (; i < end; i += 4, j += 4) {
    s0 += a[i]! * b[j]!;
    s1 += a[i + 1]! * b[j + 1]!;
    s2 += a[i + 2]! * b[j + 2]!;
    s3 += a[i + 3]! * b[j + 3]!;
  }
  return s0 + s1 + s2 + s3;
}

export function dot(a: Int8Array, b: Int8Array): number {
  return dotAt(a, 0, b, 0);
}

export function normAt(a: Int8Array, ai: number): number {
  return Math.sqrt(dotAt(a, ai, a, ai));
}

export function norm(a: Int8Array): number {
  return normAt(a, 0);
}

/** Cosine similarity of two int8 embeddings; 0 when either is the zero vector. */
export function cosine(a: Int8Array, b: Int8Array): number {
  const n = normAt(a, 0) * normAt(b, 0);
  return n > 0 ? dotAt(a, 0, b, 0) / n : 0;
}

export function checkEmbedding(v: Int8Array): void {
  if (!(v instanceof Int8Array) || v.length !== DIM) {
    throw new Error(`embedding must be an Int8Array(${DIM})`);
  }
}

/** Packs rows into one n*DIM matrix. */
export function packMatrix(rows: readonly Int8Array[]): Int8Array {
  const m = new Int8Array(rows.length * DIM);
  rows.forEach((r, i) => {
    checkEmbedding(r);
    m.set(r, i * DIM);
  });
  return m;
}

export function row(m: Int8Array, i: number): Int8Array {
  return m.subarray(i * DIM, (i + 1) * DIM);
}

/** Row norms of an n-row packed matrix. */
export function rowNorms(m: Int8Array, n: number = m.length / DIM, out?: Float32Array): Float32Array {
  const r = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) r[i] = normAt(m, i);
  return r;
}

/**
 * Cosine of `q` against the first `n` rows of `m` (norms `norms`), written to `out`.
 * About 0.1-0.2 microseconds a row on one core.
 */
export function scoreAll(
  q: Int8Array,
  m: Int8Array,
  norms: Float32Array,
  n: number = norms.length,
  out: Float32Array = new Float32Array(n),
): Float32Array {
  const qn = normAt(q, 0);
  if (qn === 0) {
    out.fill(0, 0, n);
    return out;
  }
  for (let r = 0; r < n; r++) {
    const rn = norms[r]!;
    out[r] = rn > 0 ? dotAt(q, 0, m, r) / (qn * rn) : 0;
  }
  return out;
}

export interface Scored {
  index: number;
  score: number;
}

/** The k best scores (>= minScore), best first; ties by lower index. */
export function topK(scores: Float32Array, k: number, minScore = -Infinity, n = scores.length): Scored[] {
  const best: Scored[] = [];
  if (k <= 0) return best;
  let floor = minScore;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (s < floor || (best.length === k && s <= floor)) continue;
    // insertion into a small sorted array (k is small)
    let p = best.length;
    while (p > 0 && best[p - 1]!.score < s) p--;
    best.splice(p, 0, { index: i, score: s });
    if (best.length > k) best.pop();
    if (best.length === k) floor = Math.max(minScore, best[k - 1]!.score);
  }
  return best;
}

/** The int8 vector as a unit-length float vector (for sums and centroids). */
export function toUnit(v: Int8Array, vi = 0, out: Float64Array = new Float64Array(DIM)): Float64Array {
  const n = normAt(v, vi) || 1;
  const o = vi * DIM;
  for (let d = 0; d < DIM; d++) out[d] = v[o + d]! / n;
  return out;
}

/** acc += unit(v row vi) * sign */
export function addUnit(acc: Float64Array, v: Int8Array, vi = 0, sign = 1): void {
  const n = normAt(v, vi) || 1;
  const o = vi * DIM;
  const k = sign / n;
  for (let d = 0; d < DIM; d++) acc[d]! += v[o + d]! * k;
}

export function dotF(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let d = 0; d < DIM; d++) s += a[d]! * b[d]!;
  return s;
}

/** Float unit vector of row vi dotted with a float vector. */
export function dotUnitF(v: Int8Array, vi: number, f: Float64Array): number {
  const n = normAt(v, vi) || 1;
  const o = vi * DIM;
  let s = 0;
  for (let d = 0; d < DIM; d++) s += v[o + d]! * f[d]!;
  return s / n;
}
