/**
 * Triplet loss with online negative mining (FaceNet, Schroff et al. 2015), on L2-normalised
 * outputs, with exact gradients with respect to the outputs.
 *
 *   L(a, p, n) = max(0, |f(a) - f(p)|^2 - |f(a) - f(n)|^2 + alpha)
 *
 * For unit vectors |u - v|^2 = 2 - 2 u.v, so dL/df(a) = 2 (f(n) - f(p)), dL/df(p) = -2 f(a),
 * dL/df(n) = 2 f(a) for an active triplet (the component along f(a) is removed later by the
 * normalisation's Jacobian, see head.ts `backward`).
 *
 * Relations inside a batch (`rel`, n x n bytes):
 *   REL_POS     same person (anchor-positive pair)
 *   REL_NEG     two different named people
 *   REL_CANNOT  an explicit cannot-link: the user said "not this person", a split-off, or the
 *               two faces are in one photo. Also a negative, and in addition always used as one
 *               (see `cannotLinkWeight`).
 *   REL_NONE    unknown (an unlabelled face that has no constraint with the anchor) or itself.
 */
export const REL_NONE = 0;
export const REL_POS = 1;
export const REL_NEG = 2;
export const REL_CANNOT = 3;

/**
 * What to do for an anchor-positive pair when no negative is farther than the positive (every
 * negative is "hard"): 'skip' the pair (FaceNet's caution: the hardest negatives early in training
 * can collapse the model), or take the 'least-hard' one (the farthest of them, as TensorFlow
 * Addons' triplet_semihard_loss does).
 */
export type HardFallback = 'skip' | 'least-hard';

/**
 * Semi-hard negative for one anchor-positive pair: among the candidates j (rel[roff + j] >=
 * REL_NEG), the nearest one that is still farther than the positive (dist > dap). It is
 * semi-hard when it lies within the margin (dist < dap + alpha) and its triplet then has a
 * positive loss; when even the nearest farther negative is beyond the margin the pair is already
 * satisfied (zero loss). When no candidate is farther than the positive: `fallback`.
 * Returns the candidate's index in 0..n-1, or -1.
 */
export function mineNegative(
  dist: ArrayLike<number>,
  off: number,
  rel: ArrayLike<number>,
  roff: number,
  n: number,
  dap: number,
  fallback: HardFallback,
): number {
  let best = -1;
  let bestD = Infinity;
  let hard = -1;
  let hardD = -Infinity;
  for (let j = 0; j < n; j++) {
    if (rel[roff + j]! < REL_NEG) continue;
    const d = dist[off + j]!;
    if (d > dap) {
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    } else if (d > hardD) {
      hardD = d;
      hard = j;
    }
  }
  if (best >= 0) return best;
  return fallback === 'least-hard' ? hard : -1;
}

/** Classifies a mined negative: 'semi-hard' (dap < dan < dap + alpha), 'easy' (beyond the margin), 'hard' (dan <= dap). */
export function negativeKind(dap: number, dan: number, alpha: number): 'semi-hard' | 'easy' | 'hard' {
  if (dan <= dap) return 'hard';
  return dan < dap + alpha ? 'semi-hard' : 'easy';
}

export interface TripletOptions {
  /** Margin on squared distances (FaceNet: 0.2). */
  alpha: number;
  fallback: HardFallback;
  /**
   * Weight of the extra triplet formed, for every anchor-positive pair, with the nearest of the
   * anchor's explicit cannot-link negatives in the batch (even when it is "hard"): the user's
   * "not this person" is exactly the mistake to unlearn. 0 disables it.
   */
  cannotLinkWeight: number;
  /**
   * Weight of the harmonic (compatibility) term: cross-version triplets with the anchor from
   * the new head and the positive/negative from the current head's outputs (the anchor's own old
   * vector is one of its positives). 0 disables it.
   */
  harmonicWeight: number;
  /**
   * Calibration to the people feature's assignment threshold (optional): pairs of one person
   * should score at least threshold + margin, and each anchor's nearest other person at most
   * threshold - margin (hinge on cosines, weighted by `weight`). The triplet loss alone only orders
   * distances and tends to spread the whole space, which moves every cosine away from the
   * threshold the people feature uses; this term keeps the new head on the same scale.
   * Applied to new-new pairs and, with the harmonic term, to new-old pairs too.
   */
  calibration?: { threshold: number; margin: number; negMargin?: number; weight: number } | null;
  /**
   * Weight of the "no closer" term (needs the old outputs): for every pair of faces of
   * different people, max(0, cos_new - cos_old), averaged. Training may separate people more,
   * never bring two people closer than the current head has them - which keeps faces that the
   * current head leaves just below the assign threshold with a wrong person from crossing it.
   * 0 or undefined disables it.
   */
  driftWeight?: number;
}

export interface BatchStats {
  /** Total loss of the batch (main mean + harmonicWeight x harmonic mean). */
  loss: number;
  /** Weighted mean of the main triplet losses (mined + explicit). */
  main: number;
  /** Weighted mean of the cross-version triplet losses. */
  harmonic: number;
  /** Anchor-positive pairs. */
  pairs: number;
  semiHard: number;
  easy: number;
  hard: number;
  /** Pairs without any usable negative. */
  none: number;
  /** Explicit cannot-link triplets (and of them, active ones). */
  explicit: number;
  explicitActive: number;
  /** Mean calibration hinge (new-new plus new-old when harmonic). */
  calibration: number;
  /** Mean "no closer" hinge over pairs of different people. */
  drift: number;
}

export interface LossWork {
  capacity: number;
  dims: number;
  dist: Float64Array;
  xdist: Float64Array;
  odist: Float64Array;
  gh: Float64Array;
}

export function lossWork(capacity: number, dims: number): LossWork {
  return {
    capacity,
    dims,
    dist: new Float64Array(capacity * capacity),
    xdist: new Float64Array(capacity * capacity),
    odist: new Float64Array(capacity * capacity),
    gh: new Float64Array(capacity * dims),
  };
}

function emptyStats(): BatchStats {
  return { loss: 0, main: 0, harmonic: 0, pairs: 0, semiHard: 0, easy: 0, hard: 0, none: 0, explicit: 0, explicitActive: 0, calibration: 0, drift: 0 };
}

/** Squared distances between unit rows: out[i*n + j] = 2 - 2 a_i.b_j. */
export function squaredDistances(a: Float64Array, b: Float64Array, n: number, dims: number, out: Float64Array): void {
  const same = a === b;
  for (let i = 0; i < n; i++) {
    const io = i * dims;
    for (let j = same ? i : 0; j < n; j++) {
      const jo = j * dims;
      let s0 = 0, s1 = 0;
      let k = 0;
      for (; k + 1 < dims; k += 2) {
        s0 += a[io + k]! * b[jo + k]!;
        s1 += a[io + k + 1]! * b[jo + k + 1]!;
      }
      if (k < dims) s0 += a[io + k]! * b[jo + k]!;
      const d = 2 - 2 * (s0 + s1);
      out[i * n + j] = d;
      if (same) out[j * n + i] = d;
    }
  }
}

/**
 * Loss of one batch and its gradient with respect to the new outputs.
 *
 * - y: n unit rows (new head's outputs), dims wide.
 * - rel: n x n relations (see above).
 * - weight: per face; 0 = cannot be an anchor (unlabelled); 1 = user label; lower = pseudo-label.
 *   A triplet weighs min(w_anchor, w_positive).
 * - old: the current head's unit outputs for the same rows (harmonic term), or null.
 * - gy: receives dL/dy (overwritten).
 *
 * Every anchor-positive pair (ordered, a != p) is used; its negative is mined semi-hard from the
 * batch. The main loss is the weighted mean over all pairs (zero-loss ones included, as in
 * TensorFlow's semi-hard loss) plus the explicit cannot-link triplets.
 */
export function batchTripletLoss(
  n: number,
  dims: number,
  y: Float64Array,
  rel: Uint8Array,
  weight: Float64Array,
  opts: TripletOptions,
  gy: Float64Array,
  work: LossWork,
  old: Float64Array | null = null,
): BatchStats {
  if (n > work.capacity || dims !== work.dims) throw new Error('loss work buffers too small');
  const st = emptyStats();
  const { dist, xdist, gh } = work;
  const alpha = opts.alpha;
  gy.fill(0, 0, n * dims);
  squaredDistances(y, y, n, dims, dist);
  let sumW = 0, sumL = 0;
  const cw = opts.cannotLinkWeight;
  for (let a = 0; a < n; a++) {
    const wa = weight[a]!;
    if (wa <= 0) continue;
    const ro = a * n;
    // nearest explicit negative of this anchor (independent of the positive)
    let xn = -1, xnD = Infinity;
    if (cw > 0) {
      for (let j = 0; j < n; j++) {
        if (rel[ro + j] === REL_CANNOT && dist[ro + j]! < xnD) {
          xnD = dist[ro + j]!;
          xn = j;
        }
      }
    }
    for (let p = 0; p < n; p++) {
      if (rel[ro + p] !== REL_POS) continue;
      const w = Math.min(wa, weight[p]!);
      if (w <= 0) continue;
      const dap = dist[ro + p]!;
      st.pairs++;
      sumW += w;
      const ng = mineNegative(dist, ro, rel, ro, n, dap, opts.fallback);
      if (ng < 0) st.none++;
      else {
        const dan = dist[ro + ng]!;
        const kind = negativeKind(dap, dan, alpha);
        if (kind === 'semi-hard') st.semiHard++;
        else if (kind === 'easy') st.easy++;
        else st.hard++;
        const l = dap - dan + alpha;
        if (l > 0) {
          sumL += w * l;
          addTripletGrad(y, gy, dims, a, p, ng, w);
        }
      }
      if (xn >= 0) {
        const wx = w * cw;
        sumW += wx;
        st.explicit++;
        const l = dap - xnD + alpha;
        if (l > 0) {
          st.explicitActive++;
          sumL += wx * l;
          addTripletGrad(y, gy, dims, a, p, xn, wx);
        }
      }
    }
  }
  const scale = sumW > 0 ? 1 / sumW : 0;
  for (let i = 0; i < n * dims; i++) gy[i]! *= scale;
  st.main = sumL * scale;

  const hw = opts.harmonicWeight;
  if (old && hw > 0) {
    gh.fill(0, 0, n * dims);
    squaredDistances(y, old, n, dims, xdist);
    let hW = 0, hL = 0;
    for (let a = 0; a < n; a++) {
      const wa = weight[a]!;
      if (wa <= 0) continue;
      const ro = a * n;
      for (let p = 0; p < n; p++) {
        const r = rel[ro + p];
        if (p !== a && r !== REL_POS) continue;
        const w = p === a ? wa : Math.min(wa, weight[p]!);
        if (w <= 0) continue;
        hW += w;
        const dap = xdist[ro + p]!;
        const ng = mineNegative(xdist, ro, rel, ro, n, dap, opts.fallback);
        if (ng < 0) continue;
        const l = dap - xdist[ro + ng]! + alpha;
        if (l <= 0) continue;
        hL += w * l;
        // only the anchor (new head) depends on the parameters: d/dy_a = 2 (o_n - o_p)
        const ao = a * dims, po = p * dims, no = ng * dims;
        const k2 = 2 * w;
        for (let k = 0; k < dims; k++) gh[ao + k]! += k2 * (old[no + k]! - old[po + k]!);
      }
    }
    const hs = hW > 0 ? hw / hW : 0;
    for (let i = 0; i < n * dims; i++) gy[i]! += hs * gh[i]!;
    st.harmonic = hW > 0 ? hL / hW : 0;
  }
  const cal = opts.calibration;
  if (cal && cal.weight > 0) {
    st.calibration = calibrationTerm(n, dims, y, rel, weight, cal, gy, dist, y, true);
    if (old && hw > 0) st.calibration += calibrationTerm(n, dims, y, rel, weight, cal, gy, xdist, old, false);
  }
  const dw = opts.driftWeight ?? 0;
  if (old && dw > 0) {
    const odist = work.odist;
    squaredDistances(old, old, n, dims, odist);
    let cnt = 0, sum = 0;
    for (let a = 0; a < n; a++) {
      if (weight[a]! <= 0) continue;
      const ro = a * n;
      for (let j = 0; j < n; j++) if (rel[ro + j]! >= REL_NEG) cnt++;
    }
    const k = cnt > 0 ? dw / cnt : 0;
    for (let a = 0; a < n; a++) {
      if (weight[a]! <= 0) continue;
      const ro = a * n, ao = a * dims;
      for (let j = 0; j < n; j++) {
        if (rel[ro + j]! < REL_NEG) continue;
        // cos_new - cos_old = (d_old - d_new) / 2
        const l = (odist[ro + j]! - dist[ro + j]!) / 2;
        if (l <= 0) continue;
        sum += l;
        const jo = j * dims;
        for (let d = 0; d < dims; d++) {
          gy[ao + d]! += k * y[jo + d]!;
          gy[jo + d]! += k * y[ao + d]!;
        }
      }
    }
    st.drift = cnt > 0 ? sum / cnt : 0;
  }
  st.loss = st.main + hw * st.harmonic + (cal ? cal.weight * st.calibration : 0) + dw * st.drift;
  return st;
}

/**
 * Calibration hinges on cosines c = 1 - d/2 (d from `dist`, rows = anchors in y, columns = rows
 * of `other`): for every anchor-positive pair max(0, t + m - c_ap); for every anchor its nearest
 * negative max(0, c_an - (t - m)). Means over pairs and anchors; adds weight x gradient into gy.
 * `same`: other === y (both ends depend on the parameters); otherwise only the anchor does, and
 * the anchor's own old vector counts as a positive.
 */
function calibrationTerm(
  n: number,
  dims: number,
  y: Float64Array,
  rel: Uint8Array,
  weight: Float64Array,
  cal: { threshold: number; margin: number; negMargin?: number; weight: number },
  gy: Float64Array,
  dist: Float64Array,
  other: Float64Array,
  same: boolean,
): number {
  const hi = cal.threshold + cal.margin, lo = cal.threshold - (cal.negMargin ?? cal.margin);
  let pW = 0, pL = 0, nW = 0, nL = 0;
  // first pass: sums of weights (normalisers)
  for (let a = 0; a < n; a++) {
    const wa = weight[a]!;
    if (wa <= 0) continue;
    const ro = a * n;
    let hasNeg = false;
    for (let j = 0; j < n; j++) {
      const r = rel[ro + j]!;
      if (r === REL_POS || (!same && j === a)) pW += j === a ? wa : Math.min(wa, weight[j]!);
      else if (r >= REL_NEG) hasNeg = true;
    }
    if (hasNeg) nW += wa;
  }
  const ps = pW > 0 ? cal.weight / pW : 0, ns = nW > 0 ? cal.weight / nW : 0;
  for (let a = 0; a < n; a++) {
    const wa = weight[a]!;
    if (wa <= 0) continue;
    const ro = a * n, ao = a * dims;
    let hn = -1, hc = -Infinity;
    for (let j = 0; j < n; j++) {
      const r = rel[ro + j]!;
      const c = 1 - dist[ro + j]! / 2;
      if (r === REL_POS || (!same && j === a)) {
        const w = j === a ? wa : Math.min(wa, weight[j]!);
        const l = hi - c;
        if (l <= 0 || w <= 0) continue;
        pL += w * l;
        const k = w * ps, jo = j * dims;
        for (let d = 0; d < dims; d++) gy[ao + d]! -= k * other[jo + d]!;
        if (same) for (let d = 0; d < dims; d++) gy[jo + d]! -= k * y[ao + d]!;
      } else if (r >= REL_NEG && c > hc) {
        hc = c;
        hn = j;
      }
    }
    if (hn >= 0 && hc > lo) {
      nL += wa * (hc - lo);
      const k = wa * ns, jo = hn * dims;
      for (let d = 0; d < dims; d++) gy[ao + d]! += k * other[jo + d]!;
      if (same) for (let d = 0; d < dims; d++) gy[jo + d]! += k * y[ao + d]!;
    }
  }
  return (pW > 0 ? pL / pW : 0) + (nW > 0 ? nL / nW : 0);
}

function addTripletGrad(y: Float64Array, gy: Float64Array, dims: number, a: number, p: number, ng: number, w: number): void {
  const ao = a * dims, po = p * dims, no = ng * dims;
  const k2 = 2 * w;
  for (let k = 0; k < dims; k++) {
    const ya = y[ao + k]!;
    gy[ao + k]! += k2 * (y[no + k]! - y[po + k]!);
    gy[po + k]! -= k2 * ya;
    gy[no + k]! += k2 * ya;
  }
}

/**
 * Stranger-structure term: keeps the similarity structure of faces nobody labelled while the head
 * learns the labelled people. For pairs (i, j) of output rows - a stranger and one of its nearest
 * strangers, or a stranger and one of its nearest labelled faces, both chosen under the current
 * head - with `old[k]` the pair's cosine under the current head:
 *
 *   L = weight / P x sum_k max(0, c_k - max(old_k, floor))^2,   c_k = y_i . y_j
 *
 * where floor = threshold - margin (no floor when `floor` is undefined: then no pair may become
 * more similar than it was). A pair may come closer freely while it stays clearly below the
 * threshold the people feature decides at; near or above it, it may not become more similar than
 * under the current head. Averaged over all P pairs (inactive ones included). Adds dL/dy into gy
 * (both ends depend on the parameters: dc/dy_i = y_j, dc/dy_j = y_i); returns the loss.
 */
export function strangerTerm(
  dims: number,
  y: Float64Array,
  pairI: Int32Array,
  pairJ: Int32Array,
  old: Float64Array,
  pairs: number,
  floor: number | undefined,
  weight: number,
  gy: Float64Array,
): { loss: number; active: number } {
  if (pairs <= 0 || weight <= 0) return { loss: 0, active: 0 };
  const k = weight / pairs;
  let sum = 0, active = 0;
  for (let p = 0; p < pairs; p++) {
    const io = pairI[p]! * dims, jo = pairJ[p]! * dims;
    let c = 0;
    for (let d = 0; d < dims; d++) c += y[io + d]! * y[jo + d]!;
    const f = floor === undefined ? old[p]! : Math.max(old[p]!, floor);
    const h = c - f;
    if (h <= 0) continue;
    active++;
    sum += h * h;
    const g = 2 * h * k;
    for (let d = 0; d < dims; d++) {
      gy[io + d]! += g * y[jo + d]!;
      gy[jo + d]! += g * y[io + d]!;
    }
  }
  return { loss: k * sum, active };
}
