/**
 * Clustering quality against ground-truth identities.
 *
 * Every labelled face counts; a face the clustering left unassigned (null/undefined) counts as
 * its own singleton cluster. With n_cl = faces of cluster c with label l, n_c and n_l the sizes:
 * - BCubed precision = (1/N) sum_{c,l} n_cl^2 / n_c, recall = (1/N) sum_{c,l} n_cl^2 / n_l
 *   (Amigo et al. 2009), F1 = their harmonic mean;
 * - pairwise: TP = sum C(n_cl, 2), precision = TP / sum_c C(n_c, 2), recall = TP / sum_l C(n_l, 2);
 *   a precision or recall with no pair at all in its denominator is 1 (nothing was claimed /
 *   nothing could be found).
 */
export interface ClusterMetrics {
  faces: number;
  identities: number;
  /** Clusters made (unassigned singletons not counted). */
  people: number;
  /** Fraction of faces left unassigned. */
  unassigned: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF1: number;
  pairwisePrecision: number;
  pairwiseRecall: number;
  pairwiseF1: number;
}

const f1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
const pairs = (k: number) => (k * (k - 1)) / 2;

export function clusterMetrics(
  truth: ArrayLike<string | number>,
  predicted: ArrayLike<string | number | null | undefined>,
): ClusterMetrics {
  const n = truth.length;
  if (predicted.length !== n) throw new Error('truth and predicted differ in length');
  const cluster = new Map<string, number>(); // cluster key -> size
  const label = new Map<string, number>();
  const joint = new Map<string, number>();
  let unassigned = 0;
  for (let i = 0; i < n; i++) {
    const p = predicted[i];
    const c = p === null || p === undefined ? `u:${i}` : `c:${String(p)}`;
    if (p === null || p === undefined) unassigned++;
    const l = String(truth[i]);
    cluster.set(c, (cluster.get(c) ?? 0) + 1);
    label.set(l, (label.get(l) ?? 0) + 1);
    const j = `${c}\u0000${l}`;
    joint.set(j, (joint.get(j) ?? 0) + 1);
  }
  let bp = 0, br = 0, tp = 0;
  for (const [key, ncl] of joint) {
    const [c, l] = key.split('\u0000') as [string, string];
    bp += (ncl * ncl) / cluster.get(c)!;
    br += (ncl * ncl) / label.get(l)!;
    tp += pairs(ncl);
  }
  let predPairs = 0, truePairs = 0;
  for (const k of cluster.values()) predPairs += pairs(k);
  for (const k of label.values()) truePairs += pairs(k);
  const bcubedPrecision = n ? bp / n : 1;
  const bcubedRecall = n ? br / n : 1;
  const pairwisePrecision = predPairs ? tp / predPairs : 1;
  const pairwiseRecall = truePairs ? tp / truePairs : 1;
  return {
    faces: n,
    identities: label.size,
    people: cluster.size - unassigned,
    unassigned: n ? unassigned / n : 0,
    bcubedPrecision,
    bcubedRecall,
    bcubedF1: f1(bcubedPrecision, bcubedRecall),
    pairwisePrecision,
    pairwiseRecall,
    pairwiseF1: f1(pairwisePrecision, pairwiseRecall),
  };
}
