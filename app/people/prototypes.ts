/**
 * Person prototypes: a few representative faces per person (not one centroid), so that a person
 * seen in several conditions (ages, lighting, glasses) is matched by its nearest mode.
 *
 * Selection, on up to `maxSample` faces of the person (evenly spaced when more):
 * 1. the most typical face (highest similarity to the person's mean direction) is the first;
 * 2. farthest-point: each next prototype is the face least covered by the chosen ones, skipping
 *    the least typical 10% (likely outliers or mistakes);
 * 3. one k-medoids round: each prototype is replaced by the medoid of the faces nearest to it.
 */
import { DIM, addUnit, dotAt, dotUnitF, normAt } from './vector';

export function selectPrototypes(
  vectors: Int8Array,
  rows: readonly number[],
  k: number,
  maxSample = 1000,
): number[] {
  if (rows.length <= k) return [...rows];
  let sample: number[];
  if (rows.length > maxSample) {
    sample = [];
    const step = rows.length / maxSample;
    for (let i = 0; i < maxSample; i++) sample.push(rows[Math.floor(i * step)]!);
  } else sample = [...rows];
  const m = sample.length;
  const norms = new Float64Array(m);
  for (let i = 0; i < m; i++) norms[i] = normAt(vectors, sample[i]!) || 1;
  const sum = new Float64Array(DIM);
  for (const r of sample) addUnit(sum, vectors, r);
  const typ = new Float64Array(m);
  for (let i = 0; i < m; i++) typ[i] = dotUnitF(vectors, sample[i]!, sum);
  // candidates: drop the least typical 10% when there are enough faces
  const eligible = new Uint8Array(m).fill(1);
  if (m >= 10) {
    const order = [...typ.keys()].sort((a, b) => typ[a]! - typ[b]! || a - b);
    for (let i = 0; i < Math.floor(m / 10); i++) eligible[order[i]!] = 0;
  }
  const cos = (i: number, j: number) => dotAt(vectors, sample[i]!, vectors, sample[j]!) / (norms[i]! * norms[j]!);
  let first = -1;
  for (let i = 0; i < m; i++) if (eligible[i] && (first < 0 || typ[i]! > typ[first]!)) first = i;
  const chosen = [first];
  const cover = new Float64Array(m);
  for (let i = 0; i < m; i++) cover[i] = cos(i, first);
  while (chosen.length < k) {
    let next = -1;
    for (let i = 0; i < m; i++) if (eligible[i] && !chosen.includes(i) && (next < 0 || cover[i]! < cover[next]!)) next = i;
    if (next < 0) break;
    chosen.push(next);
    for (let i = 0; i < m; i++) cover[i] = Math.max(cover[i]!, cos(i, next));
  }
  // one k-medoids round
  const groups: number[][] = chosen.map(() => []);
  for (let i = 0; i < m; i++) {
    if (!eligible[i]) continue;
    let best = 0, bs = -Infinity;
    for (let c = 0; c < chosen.length; c++) {
      const s = cos(i, chosen[c]!);
      if (s > bs) {
        bs = s;
        best = c;
      }
    }
    groups[best]!.push(i);
  }
  const result: number[] = [];
  groups.forEach((g, c) => {
    if (g.length === 0) return result.push(sample[chosen[c]!]!);
    const gs = new Float64Array(DIM);
    for (const i of g) addUnit(gs, vectors, sample[i]);
    let best = g[0]!, bs = -Infinity;
    for (const i of g) {
      const s = dotUnitF(vectors, sample[i]!, gs);
      if (s > bs) {
        bs = s;
        best = i;
      }
    }
    result.push(sample[best]!);
  });
  return [...new Set(result)];
}
