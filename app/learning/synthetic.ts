/**
 * Synthetic identities for tests and benchmarks of the learning job: identity centres in a
 * narrow cone (like dlib's embedding: unrelated faces at cosine ~0.8), and faces = centre +
 * "nuisance" variation (pose, light: a few shared directions with a large spread) + small
 * isotropic noise. A head that learns to ignore the nuisance directions separates the people
 * better: the situation the training job is for.
 */
import { Rng } from './rng';

export interface SyntheticOptions {
  identities: number;
  facesPerIdentity: number;
  dims?: number;
  seed?: number;
  /** cosine between identity centres (default 0.8) */
  centreCos?: number;
  /** nuisance directions and their spread (default 6 and 0.12) */
  nuisanceDims?: number;
  nuisance?: number;
  /** isotropic noise per component (default 0.01) */
  noise?: number;
}

export interface SyntheticSet {
  dims: number;
  /** face ids 1..n */
  ids: number[];
  identity: number[];
  vectors: Float32Array[];
  /** photo id of each face (one face a photo unless the caller pairs them) */
  photo: number[];
}

export function syntheticIdentities(o: SyntheticOptions): SyntheticSet {
  const dims = o.dims ?? 128;
  const r = new Rng(o.seed ?? 1);
  const unit = (v: Float64Array) => {
    let s = 0;
    for (const x of v) s += x * x;
    const k = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= k;
    return v;
  };
  const rand = () => unit(Float64Array.from({ length: dims }, () => r.normal()));
  const mean = rand();
  const cc = o.centreCos ?? 0.8;
  const a = Math.sqrt(cc), b = Math.sqrt(1 - cc);
  const nd = o.nuisanceDims ?? 6;
  const nuis = Array.from({ length: nd }, rand);
  const ns = o.nuisance ?? 0.12;
  const iso = o.noise ?? 0.01;
  const out: SyntheticSet = { dims, ids: [], identity: [], vectors: [], photo: [] };
  let id = 1;
  for (let q = 0; q < o.identities; q++) {
    const u = rand();
    const c = new Float64Array(dims);
    for (let k = 0; k < dims; k++) c[k] = a * mean[k]! + b * u[k]!;
    unit(c);
    for (let f = 0; f < o.facesPerIdentity; f++) {
      const v = Float64Array.from(c);
      for (const d of nuis) {
        const s = r.normal() * ns;
        for (let k = 0; k < dims; k++) v[k]! += s * d[k]!;
      }
      for (let k = 0; k < dims; k++) v[k]! += r.normal() * iso;
      unit(v);
      out.ids.push(id);
      out.photo.push(id);
      id++;
      out.identity.push(q);
      out.vectors.push(Float32Array.from(v));
    }
  }
  return out;
}
