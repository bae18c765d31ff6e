/**
 * Synthetic 128-byte face embeddings drawn around many identities, for tests and the benchmark.
 *
 * Shaped like dlib ResNet embeddings rather than like random vectors (which would make the
 * problem trivially easy): identity centres share a common direction so that two different
 * people have cosine ~interCos (0.80 by default, a few "look-alike" pairs ~0.90); faces are
 * centre + isotropic noise giving ~intraCos (0.95) between two faces of one person; low-quality
 * faces get 1.8 times the noise (~0.95 to a good face of the same person) and a quality score below
 * 0.5. Identity sizes are Zipf-like (a few people in many photos, many in few), plus strangers
 * seen once. Photos hold 1-4 faces of distinct identities. Quantised like app/faces/quantize.ts:
 * q = clamp(round(x * 127 / p), -127, 127) of the unit vector, p = 0.3.
 */
import type { FaceColumns } from './types';
import { DIM } from './vector';

export interface SyntheticOptions {
  faces: number;
  /** Identities seen more than once (default faces / 40). */
  identities?: number;
  seed?: number;
  intraCos?: number;
  interCos?: number;
  /** Fraction of identities that are look-alikes of another (centre cosine ~0.90). */
  lookalikes?: number;
  /** Fraction of faces of low quality. */
  lowQuality?: number;
  /** Fraction of faces that are strangers seen once. */
  strangers?: number;
  /** Zipf exponent of identity sizes. */
  zipf?: number;
  /** Probability that the next face is in the same photo as the previous one. */
  groupPhoto?: number;
  /** First face id (ids are consecutive). */
  firstId?: number;
}

export interface SyntheticSet extends FaceColumns {
  /** Identity of each face (strangers get unique identities). */
  truth: Int32Array;
  /** Low-quality flag of each face. */
  low: Uint8Array;
}

/** mulberry32 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = r();
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    spare = m * Math.sin(2 * Math.PI * v);
    return m * Math.cos(2 * Math.PI * v);
  };
}

/** Noise sigma per dimension giving expected cosine `c` between two noisy copies of a unit vector. */
const sigmaFor = (c: number) => Math.sqrt((1 / c - 1) / DIM);

export function quantizeUnit(x: Float64Array, out: Int8Array, at: number, p = 0.3): void {
  let s = 0;
  for (let d = 0; d < DIM; d++) s += x[d]! * x[d]!;
  const k = 127 / (Math.sqrt(s) * p);
  for (let d = 0; d < DIM; d++) out[at + d] = Math.max(-127, Math.min(127, Math.round(x[d]! * k)));
}

export function makeCentres(count: number, seed: number, interCos = 0.8, lookalikes = 0.02): Float64Array {
  const r = rng(seed), g = gaussian(r);
  const common = new Float64Array(DIM);
  for (let d = 0; d < DIM; d++) common[d] = g();
  normalizeInPlace(common);
  const tau = sigmaFor(interCos);
  const c = new Float64Array(count * DIM);
  for (let i = 0; i < count; i++) {
    const o = i * DIM;
    if (i > 0 && r() < lookalikes) {
      // a look-alike of an earlier identity: centre cosine ~0.90
      const j = Math.floor(r() * i), t2 = Math.sqrt((1 / 0.81 - 1) / DIM);
      for (let d = 0; d < DIM; d++) c[o + d] = c[j * DIM + d]! + t2 * g();
    } else for (let d = 0; d < DIM; d++) c[o + d] = common[d]! + tau * g();
    normalizeInPlace(c.subarray(o, o + DIM));
  }
  return c;
}

function normalizeInPlace(v: Float64Array): void {
  let s = 0;
  for (let d = 0; d < v.length; d++) s += v[d]! * v[d]!;
  const k = 1 / Math.sqrt(s);
  for (let d = 0; d < v.length; d++) v[d]! *= k;
}

export function synthesize(o: SyntheticOptions): SyntheticSet {
  const n = o.faces;
  const seed = o.seed ?? 1;
  const nIds = Math.max(1, o.identities ?? Math.ceil(n / 40));
  const r = rng(seed * 7919 + 1), g = gaussian(r);
  const strangerRate = o.strangers ?? 0.05;
  const maxStrangers = Math.ceil(n * strangerRate * 1.5) + 16;
  // one draw for everybody: strangers live in the same cone as the regular identities
  const centres = makeCentres(nIds + maxStrangers, seed, o.interCos ?? 0.8, o.lookalikes ?? 0.02);
  const sigma = sigmaFor(o.intraCos ?? 0.95);
  const zipf = o.zipf ?? 0.9;
  const cum = new Float64Array(nIds);
  let acc = 0;
  for (let i = 0; i < nIds; i++) cum[i] = acc += 1 / Math.pow(i + 3, zipf);
  const pickId = () => {
    const x = r() * acc;
    let lo = 0, hi = nIds - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const ids = new Float64Array(n), photoIds = new Float64Array(n), quality = new Float32Array(n);
  const embeddings = new Int8Array(n * DIM), truth = new Int32Array(n), low = new Uint8Array(n);
  const x = new Float64Array(DIM);
  const firstId = o.firstId ?? 1;
  let photo = Math.floor(firstId / 2) + 1, inPhoto: number[] = [];
  let stranger = nIds;
  for (let i = 0; i < n; i++) {
    ids[i] = firstId + i;
    if (inPhoto.length === 0 || inPhoto.length >= 4 || r() >= (o.groupPhoto ?? 0.3)) {
      photo++;
      inPhoto = [];
    }
    let id: number, centre: Float64Array;
    if (r() < strangerRate && stranger < nIds + maxStrangers) {
      id = stranger++;
      centre = centres.subarray(id * DIM, (id + 1) * DIM);
    } else {
      do id = pickId();
      while (inPhoto.includes(id) && inPhoto.length < nIds);
      if (inPhoto.includes(id)) {
        photo++;
        inPhoto = [];
      }
      centre = centres.subarray(id * DIM, (id + 1) * DIM);
    }
    inPhoto.push(id);
    const isLow = r() < (o.lowQuality ?? 0.1);
    const s = isLow ? sigma * 1.8 : sigma;
    for (let d = 0; d < DIM; d++) x[d] = centre[d]! + s * g();
    quantizeUnit(x, embeddings, i * DIM);
    photoIds[i] = photo;
    quality[i] = isLow ? 0.1 + 0.35 * r() : 0.55 + 0.45 * r();
    truth[i] = id;
    low[i] = isLow ? 1 : 0;
  }
  return { n, ids, photoIds, quality, embeddings, truth, low };
}

/** Rows [from, to) of a set, as their own set. */
export function sliceSet(s: SyntheticSet, from: number, to: number): SyntheticSet {
  return {
    n: to - from,
    ids: (s.ids as Float64Array).slice(from, to),
    photoIds: (s.photoIds as Float64Array).slice(from, to),
    quality: (s.quality as Float32Array).slice(from, to),
    embeddings: s.embeddings.slice(from * DIM, to * DIM),
    truth: s.truth.slice(from, to),
    low: s.low.slice(from, to),
  };
}
