/**
 * Face verification metrics under the LFW protocol: for each pair set, the similarity threshold
 * is chosen on the other sets (maximising their accuracy) and accuracy is measured on this set;
 * the result is the mean (and spread) over sets. Also the ROC AUC over all pairs.
 */
export interface ScoredPair {
  set: number;
  same: boolean;
  /** Similarity: higher means more alike (cosine). */
  score: number;
}

/** Threshold maximising accuracy on `pairs` (predict "same" when score >= threshold). */
export function bestThreshold(pairs: ScoredPair[]): { threshold: number; accuracy: number } {
  if (pairs.length === 0) return { threshold: 0, accuracy: 0 };
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  const totalSame = sorted.filter((p) => p.same).length;
  // Threshold below everything: all predicted same.
  let correct = totalSame;
  let best = { threshold: sorted[0]!.score - 1e-6, accuracy: correct / sorted.length };
  for (let i = 0; i < sorted.length; i++) {
    // Moving the threshold just above sorted[i] turns it into "different".
    correct += sorted[i]!.same ? -1 : 1;
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    const next = i + 1 < sorted.length ? sorted[i + 1]!.score : sorted[i]!.score + 1e-6;
    const acc = correct / sorted.length;
    if (acc > best.accuracy) best = { threshold: (sorted[i]!.score + next) / 2, accuracy: acc };
  }
  return best;
}

export function accuracyAt(pairs: ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  let ok = 0;
  for (const p of pairs) if ((p.score >= threshold) === p.same) ok++;
  return ok / pairs.length;
}

/** ROC AUC: probability that a random same pair scores above a random different pair (ties count half). */
export function rocAuc(pairs: ScoredPair[]): number {
  const sorted = [...pairs].sort((a, b) => a.score - b.score);
  const nPos = sorted.filter((p) => p.same).length;
  const nNeg = sorted.length - nPos;
  if (!nPos || !nNeg) return NaN;
  let rankSum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.score === sorted[i]!.score) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (sorted[k]!.same) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface ProtocolResult {
  accuracy: number;
  /** Standard deviation of the per-set accuracies. */
  std: number;
  /** Standard error of the mean (std / sqrt(sets)). */
  stderr: number;
  auc: number;
  perSet: { set: number; threshold: number; accuracy: number }[];
  /** Threshold chosen on all sets together (for calibration, not for the reported accuracy). */
  globalThreshold: number;
}

export function crossValidatedAccuracy(pairs: ScoredPair[]): ProtocolResult {
  const sets = [...new Set(pairs.map((p) => p.set))].sort((a, b) => a - b);
  const perSet = sets.map((s) => {
    const { threshold } = bestThreshold(pairs.filter((p) => p.set !== s));
    return { set: s, threshold, accuracy: accuracyAt(pairs.filter((p) => p.set === s), threshold) };
  });
  const accs = perSet.map((p) => p.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / Math.max(1, accs.length);
  const variance = accs.length > 1 ? accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (accs.length - 1) : 0;
  const std = Math.sqrt(variance);
  return {
    accuracy: mean,
    std,
    stderr: std / Math.sqrt(Math.max(1, accs.length)),
    auc: rocAuc(pairs),
    perSet,
    globalThreshold: bestThreshold(pairs).threshold,
  };
}
