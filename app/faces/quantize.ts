/**
 * 128 bytes a face: L2-normalise the embedding, then quantise each component to a signed byte,
 * q = clamp(round(x * 127 / p), -127, 127), with a per-model scale p (registry `quantScale`).
 * Cosine similarity is computed directly on the bytes (the scale cancels).
 */
import { EMBEDDING_BYTES } from './types';

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

export function quantize(v: Float32Array, scale: number): Int8Array {
  if (v.length !== EMBEDDING_BYTES) throw new Error(`expected ${EMBEDDING_BYTES} dims, got ${v.length}`);
  const q = new Int8Array(EMBEDDING_BYTES);
  const k = 127 / scale;
  for (let i = 0; i < EMBEDDING_BYTES; i++) q[i] = Math.max(-127, Math.min(127, Math.round(v[i]! * k)));
  return q;
}

export function dequantize(q: Int8Array, scale: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i]! * scale) / 127;
  return out;
}

/** Cosine similarity of two int8 embeddings. */
export function cosineInt8(a: Int8Array, b: Int8Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
