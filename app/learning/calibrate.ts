/**
 * A head changes the cosine scale of the whole space, not only of the people it was trained on:
 * the clustering thresholds, calibrated for the base network, would then merge strangers. We map
 * each threshold to the value that keeps the same share of random face pairs (overwhelmingly
 * different people) above it: if 0.1% of random pairs had cos >= 0.945 under the base, the new
 * threshold is the cosine that 0.1% of the same pairs reach under the head.
 */
import { cosine } from '../faces/quantize';
import { Rng } from './rng';

export interface ThresholdMap {
  /** The same random pairs' cosines under the base and under the head, for each threshold. */
  mapped: number[];
  pairs: number;
  /** Share of pairs above each base threshold. */
  tail: number[];
}

/**
 * `base[i]` and `head[i]` are the same face's vectors under the old and the new head. Thresholds
 * whose tail holds fewer than 20 sampled pairs are shifted by the mean shift of the top pairs.
 */
export function mapThresholds(base: Float32Array[], head: Float32Array[], thresholds: number[], pairs = 60_000, seed = 7): ThresholdMap {
  const n = base.length;
  if (n < 50) return { mapped: [...thresholds], pairs: 0, tail: thresholds.map(() => 0) };
  const rng = new Rng(seed);
  const b = new Float64Array(pairs);
  const h = new Float64Array(pairs);
  for (let k = 0; k < pairs; k++) {
    const i = Math.floor(rng.next() * n);
    let j = Math.floor(rng.next() * (n - 1));
    if (j >= i) j++;
    b[k] = cosine(base[i]!, base[j]!);
    h[k] = cosine(head[i]!, head[j]!);
  }
  const hs = Float64Array.from(h).sort();
  const order = Array.from(b.keys()).sort((x, y) => b[y]! - b[x]!);
  const mapped: number[] = [];
  const tail: number[] = [];
  for (const t of thresholds) {
    let above = 0;
    for (let k = 0; k < pairs; k++) if (b[k]! >= t) above++;
    tail.push(above / pairs);
    if (above >= 20) {
      mapped.push(hs[Math.max(0, pairs - above)]!);
    } else {
      // Too few pairs that close: shift by how much the 200 closest pairs moved.
      const top = order.slice(0, 200);
      let shift = 0;
      for (const k of top) shift += h[k]! - b[k]!;
      mapped.push(t + shift / top.length);
    }
  }
  return { mapped, pairs, tail };
}
