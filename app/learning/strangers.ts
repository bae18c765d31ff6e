/**
 * The stranger-structure term's data: unlabelled faces sampled once, their nearest strangers and
 * nearest labelled faces with their current cosines, served batch by batch (see strangerWeight).
 */
import type { Dataset } from './dataset';
import { forwardCache, projectRows, type HeadShape } from './head';
import type { HeadRecord } from './record';
import { Rng } from './rng';
import type { TrainInput, TrainOptions } from './train-types';

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Stranger pairs, precomputed once, and the per-batch buffers of the stranger-structure term. */
export interface StrangerBatches {
  count: number;
  /** Base rows: the dataset's rows, then the sampled strangers'. */
  x: Float32Array;
  cache: ReturnType<typeof forwardCache>;
  rowIndex: Int32Array;
  gy: Float64Array;
  pairI: Int32Array;
  pairJ: Int32Array;
  pairOld: Float64Array;
  /** Fills rowIndex (rows of x) and the pair buffers (indices into rowIndex) for the next batch. */
  next(): { rows: number; pairs: number };
}

/**
 * Samples up to strangerMax unlabelled faces (own generator: the main sampling is unchanged),
 * projects them with the current head and lists, for each, its strangerNeighbours nearest other
 * strangers and its strangerLabelled nearest labelled training faces with their current cosines.
 * Each batch then takes the next strangerBatch strangers of a shuffled cycle with their pairs.
 */
export async function strangerSetup(
  input: TrainInput,
  d: Dataset,
  train: Int32Array,
  oldY: Float32Array,
  cur: HeadRecord,
  shape: HeadShape,
  o: TrainOptions,
  check: () => void,
): Promise<StrangerBatches | null> {
  const inData = new Set<number>();
  for (let i = 0; i < d.n; i++) inData.add(d.faceIds[i]!);
  const ids = [...new Set(input.unlabelled ?? [])].filter((f) => !inData.has(f) && input.baseVectors.get(f)?.length === d.dims).sort((a, b) => a - b);
  const rng = new Rng((o.seed ^ 0x57a4) >>> 0);
  rng.shuffle(ids);
  ids.length = Math.min(ids.length, o.strangerMax);
  const S = ids.length;
  if (S === 0 || (o.strangerNeighbours === 0 && o.strangerLabelled === 0)) return null;
  const dims = d.dims, O = cur.shape.outDims;
  const x = new Float32Array((d.n + S) * dims);
  x.set(d.x);
  for (let s = 0; s < S; s++) {
    const v = input.baseVectors.get(ids[s]!)!;
    let q = 0;
    for (let k = 0; k < dims; k++) q += v[k]! * v[k]!;
    const inv = 1 / (Math.sqrt(q) || 1);
    const o2 = (d.n + s) * dims;
    for (let k = 0; k < dims; k++) x[o2 + k] = v[k]! * inv;
  }
  const sY = projectRows(cur.shape, Float64Array.from(cur.weights), x.subarray(d.n * dims), S);
  const sRows = Int32Array.from({ length: S }, (_, s) => s);
  const kU = Math.min(o.strangerNeighbours, S - 1), kL = o.strangerLabelled;
  const labelled = Array.from(train).filter((r) => d.label[r]! >= 0);
  const lRows = Int32Array.from(labelled);
  const nbU = nearest(sY, sRows, sY, sRows, O, kU, true, 0, 0);
  const nbL = nearest(sY, sRows, oldY, lRows, O, Math.min(kL, labelled.length), false, 0, 0);
  // in chunks of strangers, yielding to the event loop (cancellable; ~2 s for 3,000 x 4,000)
  for (let from = 0; from < S; from += 256) {
    const to = Math.min(S, from + 256);
    nearest(sY, sRows, sY, sRows, O, kU, true, from, to, nbU);
    nearest(sY, sRows, oldY, lRows, O, nbL.k, false, from, to, nbL);
    await yieldToLoop();
    check();
  }
  const per = nbU.k + nbL.k;
  const B = Math.min(o.strangerBatch, S);
  const cap = B * (1 + per);
  const order = Int32Array.from(sRows);
  rng.shuffle(order);
  let cursor = 0;
  const local = new Int32Array(d.n + S).fill(-1);
  const out: StrangerBatches = {
    count: S,
    x,
    cache: forwardCache(shape, cap),
    rowIndex: new Int32Array(cap),
    gy: new Float64Array(cap * O),
    pairI: new Int32Array(B * per),
    pairJ: new Int32Array(B * per),
    pairOld: new Float64Array(B * per),
    next() {
      let rows = 0, pairs = 0;
      const at = (g: number) => {
        let l = local[g]!;
        if (l < 0) {
          l = rows++;
          local[g] = l;
          out.rowIndex[l] = g;
        }
        return l;
      };
      for (let b = 0; b < B; b++) {
        if (cursor >= S) {
          rng.shuffle(order);
          cursor = 0;
        }
        const s = order[cursor++]!;
        const ls = at(d.n + s);
        for (let t = 0; t < nbU.k; t++) {
          const j = nbU.idx[s * nbU.k + t]!;
          if (j < 0) continue;
          out.pairI[pairs] = ls;
          out.pairJ[pairs] = at(d.n + j);
          out.pairOld[pairs++] = nbU.cos[s * nbU.k + t]!;
        }
        for (let t = 0; t < nbL.k; t++) {
          const j = nbL.idx[s * nbL.k + t]!;
          if (j < 0) continue;
          out.pairI[pairs] = ls;
          out.pairJ[pairs] = at(labelled[j]!);
          out.pairOld[pairs++] = nbL.cos[s * nbL.k + t]!;
        }
      }
      for (let l = 0; l < rows; l++) local[out.rowIndex[l]!] = -1;
      return { rows, pairs };
    },
  };
  return out;
}

export interface Nearest {
  k: number;
  /** idx[i*k + t]: the t-th nearest candidate of query i (an index into cRows), -1 = none */
  idx: Int32Array;
  cos: Float64Array;
}

/**
 * For each query row (rows qRows of q), the k candidate rows (cRows of c, given as indices into
 * cRows) with the highest cosine (unit rows, `dims` wide), best first; `self`: q and c are the same
 * rows and a row is not its own neighbour. idx -1 where fewer than k candidates exist. Only the
 * queries from..to-1 are computed (default all), into `out` when given (a result of an earlier call
 * with the same queries and k).
 */
export function nearest(
  q: Float32Array | Float64Array,
  qRows: Int32Array,
  c: Float32Array | Float64Array,
  cRows: Int32Array,
  dims: number,
  k: number,
  self: boolean,
  from = 0,
  to = qRows.length,
  out?: Nearest,
): Nearest {
  k = Math.max(0, k);
  const nc = cRows.length;
  const { idx, cos } = out ?? { idx: new Int32Array(qRows.length * k).fill(-1), cos: new Float64Array(qRows.length * k).fill(-Infinity) };
  if (k === 0 || to <= from) return { k, idx, cos };
  const cc = new Float64Array(nc * dims);
  for (let j = 0; j < nc; j++) for (let t = 0; t < dims; t++) cc[j * dims + t] = c[cRows[j]! * dims + t]!;
  const qq = new Float64Array(dims);
  for (let i = from; i < to; i++) {
    for (let t = 0; t < dims; t++) qq[t] = q[qRows[i]! * dims + t]!;
    const base = i * k;
    let worst = -Infinity;
    for (let j = 0; j < nc; j++) {
      if (self && j === i) continue;
      const jo = j * dims;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let t = 0;
      for (; t + 3 < dims; t += 4) {
        s0 += qq[t]! * cc[jo + t]!;
        s1 += qq[t + 1]! * cc[jo + t + 1]!;
        s2 += qq[t + 2]! * cc[jo + t + 2]!;
        s3 += qq[t + 3]! * cc[jo + t + 3]!;
      }
      for (; t < dims; t++) s0 += qq[t]! * cc[jo + t]!;
      const v = s0 + s1 + s2 + s3;
      if (v <= worst) continue;
      // insert into the sorted (descending) top k
      let p = k - 1;
      while (p > 0 && cos[base + p - 1]! < v) {
        cos[base + p] = cos[base + p - 1]!;
        idx[base + p] = idx[base + p - 1]!;
        p--;
      }
      cos[base + p] = v;
      idx[base + p] = j;
      worst = cos[base + k - 1]!;
    }
  }
  return { k, idx, cos };
}
