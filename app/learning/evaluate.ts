/**
 * Figures on held-out labels: each held-out face is matched against the named people's gallery
 * faces (a person scores the best cosine over its gallery faces, as the people feature scores a
 * person by its best prototype). With an assignment threshold (and margin) it is assigned to the
 * best person when the score reaches the threshold and beats the next person by the margin,
 * otherwise it stays unassigned - the people feature's rule. Figures:
 *   accuracy   = assigned to the right person / faces
 *   wrong      = assigned to a wrong person / faces
 *   unassigned = left unassigned / faces
 *   top1       = best person is the right one, threshold ignored
 *   auc        = verification AUC of (face, person) scores, own person vs the others
 *   score      = the single number training is judged by: accuracy - wrongCost * wrong
 *                (without a threshold: top1)
 */
export interface AssignRule {
  /** Assign threshold (cosine); undefined = no threshold (top-1 only). */
  threshold?: number;
  /** Required lead over the next person (default 0). */
  margin?: number;
  /** Extra cost of a wrong assignment in `score` (default 1: a wrong face costs twice an unassigned one). */
  wrongCost?: number;
}

export interface EvalMetrics {
  n: number;
  accuracy: number;
  wrong: number;
  unassigned: number;
  top1: number;
  auc: number;
  score: number;
}

export interface EvalIndex {
  dims: number;
  persons: number;
  /** gallery rows grouped by person: galleryRows[galleryStart[q] .. galleryStart[q+1]) */
  galleryStart: Int32Array;
  galleryRows: Int32Array;
  /** query rows and their person */
  queryRows: Int32Array;
  queryLabel: Int32Array;
}

/**
 * Builds the evaluation index: gallery = up to `perPerson` training faces of every person with a
 * held-out face (the first ones in row order, which the caller may have shuffled), queries = the
 * held-out faces (at most maxQueries, the first ones in the order given).
 */
export function evalIndex(label: Int32Array, gallery: ArrayLike<number>, queries: ArrayLike<number>, persons: number, dims: number, perPerson = 5, maxQueries = Infinity): EvalIndex {
  const count = new Int32Array(persons);
  const picked: number[][] = Array.from({ length: persons }, () => []);
  for (let i = 0; i < gallery.length; i++) {
    const r = gallery[i]!;
    const q = label[r]!;
    if (q < 0 || count[q]! >= perPerson) continue;
    count[q]!++;
    picked[q]!.push(r);
  }
  const galleryStart = new Int32Array(persons + 1);
  for (let q = 0; q < persons; q++) galleryStart[q + 1] = galleryStart[q]! + picked[q]!.length;
  const galleryRows = Int32Array.from(picked.flat());
  const qs: number[] = [];
  for (let i = 0; i < queries.length && qs.length < maxQueries; i++) {
    const r = queries[i]!;
    if (label[r]! >= 0 && count[label[r]!]! > 0) qs.push(r);
  }
  const queryRows = Int32Array.from(qs);
  const queryLabel = Int32Array.from(qs, (r) => label[r]!);
  return { dims, persons, galleryStart, galleryRows, queryRows, queryLabel };
}

/** Figures for unit output rows `y` (row r at y[r*dims ..]). */
export function evaluate(ix: EvalIndex, y: Float32Array | Float64Array, rule: AssignRule = {}): EvalMetrics {
  const { dims, persons, galleryStart, galleryRows, queryRows, queryLabel } = ix;
  const nq = queryRows.length;
  const margin = rule.margin ?? 0;
  const wrongCost = rule.wrongCost ?? 1;
  const scores = new Float64Array(persons);
  const bins = 4096;
  const posH = new Float64Array(bins + 1), negH = new Float64Array(bins + 1);
  let nPos = 0, nNeg = 0;
  let ok = 0, wrong = 0, top1 = 0;
  for (let i = 0; i < nq; i++) {
    const qo = queryRows[i]! * dims;
    let best = -1, bs = -Infinity, second = -Infinity;
    for (let q = 0; q < persons; q++) {
      const g0 = galleryStart[q]!, g1 = galleryStart[q + 1]!;
      if (g0 === g1) {
        scores[q] = NaN;
        continue;
      }
      let m = -Infinity;
      for (let g = g0; g < g1; g++) {
        const go = galleryRows[g]! * dims;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        let k = 0;
        for (; k + 3 < dims; k += 4) {
          s0 += y[qo + k]! * y[go + k]!;
          s1 += y[qo + k + 1]! * y[go + k + 1]!;
          s2 += y[qo + k + 2]! * y[go + k + 2]!;
          s3 += y[qo + k + 3]! * y[go + k + 3]!;
        }
        for (; k < dims; k++) s0 += y[qo + k]! * y[go + k]!;
        const s = s0 + s1 + s2 + s3;
        if (s > m) m = s;
      }
      scores[q] = m;
      if (m > bs) {
        second = bs;
        bs = m;
        best = q;
      } else if (m > second) second = m;
      const bin = Math.max(0, Math.min(bins, Math.round(((m + 1) / 2) * bins)));
      if (q === queryLabel[i]) {
        posH[bin]!++;
        nPos++;
      } else {
        negH[bin]!++;
        nNeg++;
      }
    }
    if (best === queryLabel[i]) top1++;
    const assigned = rule.threshold === undefined ? true : bs >= rule.threshold && bs - second >= margin;
    if (assigned) {
      if (best === queryLabel[i]) ok++;
      else wrong++;
    }
  }
  // AUC from the histograms: P(pos > neg) + 0.5 P(tie within a bin)
  let auc = 0, negBelow = 0;
  for (let b = 0; b <= bins; b++) {
    auc += posH[b]! * (negBelow + 0.5 * negH[b]!);
    negBelow += negH[b]!;
  }
  auc = nPos && nNeg ? auc / (nPos * nNeg) : 1;
  const n = nq || 1;
  const accuracy = ok / n;
  const m: EvalMetrics = {
    n: nq,
    accuracy,
    wrong: wrong / n,
    unassigned: (nq - ok - wrong) / n,
    top1: top1 / n,
    auc,
    score: 0,
  };
  m.score = rule.threshold === undefined ? m.top1 : accuracy - wrongCost * m.wrong;
  return m;
}

/**
 * Is `a` better than `b`? Higher score; on a tie (within eps) higher AUC. Used both for early
 * stopping and for the adopt rule.
 */
export function better(a: EvalMetrics, b: EvalMetrics, eps = 1e-12): boolean {
  if (a.score > b.score + eps) return true;
  if (a.score < b.score - eps) return false;
  return a.auc > b.auc + eps;
}
