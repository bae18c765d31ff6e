/**
 * How much a trained head would regroup the faces nobody named (issue 18, "never worse").
 *
 * The adoption check (judge.ts) sees the user's held-back faces and "No" answers only: all of
 * them faces of named people. A head can pass it and still pull strangers together, into new
 * wrong groups among the unnamed faces and into named people (measured: docs/learning.md
 * "What the judge could not see"). This is the label-free check for that: over a sample of the
 * faces nobody labelled, the pairs the base network keeps apart (cosine under the pool-clustering
 * bar) that the head brings to its own bar (the bar re-calibrated for it, calibrate.ts), as a
 * share of the pairs the base network already puts together (at least REGROUP_MIN_CLOSE). A head that learns the user's
 * people moves their faces; one that moves the unnamed faces' neighbourhoods wholesale is
 * regrouping what the user never told it about.
 */

/**
 * The most a head may regroup: joined pairs / close pairs <= 0.05 (unit: share of pairs; range
 * 0..1; 0 refuses every head that moves anything, 1 none). Chosen on the tuning seeds 1-10 of
 * `visage eval-learning --labeled 3` on lfw-dev (MobileFaceNet, heads forced past the judge so
 * that each head is measured; stranger margins 0.02 / 0.1 / 0.15): the largest bar that refuses
 * every head that lowered the library's BCubed F1 by more than 0.01 (those regrouped 0.055-0.175;
 * the heads within 0.01 regrouped 0.024-0.085). docs/learning.md "What the judge could not see".
 */
export const MAX_REGROUP_SHARE = 0.05;

/** Most unnamed faces compared pairwise (all pairs: close pairs are ~0.2 % of them, too few to sample at random). */
export const REGROUP_SAMPLE = 2000;

/**
 * The fewest close pairs the share is taken over (joined / max(close, 20)): in a library with few
 * unnamed faces, or few close ones, one or two joined pairs are not a regrouping. Not tuned.
 */
export const REGROUP_MIN_CLOSE = 20;

export interface RegroupFigures {
  /** faces compared */
  faces: number;
  /** pairs at or above the base bar under the base network */
  close: number;
  /** pairs under the base bar that the head brings to its bar */
  joined: number;
  /** joined / max(close, REGROUP_MIN_CLOSE) */
  share: number;
}

function unitRows(vs: readonly Float32Array[], n: number, dims: number): Float32Array {
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const v = vs[i]!;
    let s = 0;
    for (let d = 0; d < dims; d++) s += v[d]! * v[d]!;
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dims; d++) out[i * dims + d] = v[d]! * k;
  }
  return out;
}

/**
 * `base[i]` and `head[i]`: one face's vector under the current and under the trained head (any
 * scale). `baseBar`: the pool-clustering bar the library uses now; `headBar`: the trained head's.
 */
export function regroupShare(base: readonly Float32Array[], head: readonly Float32Array[], baseBar: number, headBar: number): RegroupFigures {
  const n = Math.min(base.length, head.length, REGROUP_SAMPLE);
  if (n < 2) return { faces: n, close: 0, joined: 0, share: 0 };
  const bd = base[0]!.length, hd = head[0]!.length;
  const B = unitRows(base, n, bd), H = unitRows(head, n, hd);
  let close = 0, joined = 0;
  for (let i = 0; i < n; i++) {
    const bi = i * bd, hi = i * hd;
    for (let j = i + 1; j < n; j++) {
      let b = 0;
      const bj = j * bd;
      for (let d = 0; d < bd; d++) b += B[bi + d]! * B[bj + d]!;
      if (b >= baseBar) {
        close++;
        continue;
      }
      let h = 0;
      const hj = j * hd;
      for (let d = 0; d < hd; d++) h += H[hi + d]! * H[hj + d]!;
      if (h >= headBar) joined++;
    }
  }
  return { faces: n, close, joined, share: joined / Math.max(close, REGROUP_MIN_CLOSE) };
}
