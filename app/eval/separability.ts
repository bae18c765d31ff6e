/**
 * How well can a vector space tell a named person's missing faces from strangers?
 *
 * The faces left outside the named people are of two kinds: faces of a named person the people
 * feature did not assign (the errors learning should fix) and strangers (who must stay out). For
 * each such face we take its nearest named person (best cosine to any of the person's faces) and
 * that score's lead over the next person. Lowering the bar lets both kinds in; the curve says, for
 * a budget of k strangers let in, how many missing faces come in with them (right person) and how
 * many go to a wrong person. A head that only raises every cosine near the named people moves
 * along the same curve; one that really separates the two kinds lifts it.
 * `score: 'album'` scores a face by its mean cosine to each person's faces instead (the people
 * feature's album rule, docs/clustering.md).
 */
import { DIM, dotAt, normAt } from '../people/vector';

export interface SeparabilityQuery {
  faceId: number;
  /** The named person the face belongs to, or null for a stranger. */
  identity: string | null;
}

export interface SeparabilityPoint {
  /** Strangers let in. */
  strangers: number;
  /** The score that lets exactly that many in. */
  threshold: number;
  /** Missing faces let in to their own person. */
  right: number;
  /** Missing faces let in to another named person. */
  wrong: number;
}

export interface SeparabilityInput {
  vector: (faceId: number) => Int8Array;
  /** The faces of each named person. */
  gallery: ReadonlyMap<string, readonly number[]>;
  queries: readonly SeparabilityQuery[];
  /** Numbers of strangers to let in (one point each). */
  budgets: readonly number[];
  /** A face needs this lead over the next person to count (the people feature's margin). */
  margin: number;
  /** 'nearest' (default): best cosine to any of a person's faces; 'album': mean cosine to them. */
  score?: 'nearest' | 'album';
}

export function separability(input: SeparabilityInput): SeparabilityPoint[] {
  const names = [...input.gallery.keys()];
  const owner: number[] = [];
  const rows: Int8Array[] = [];
  names.forEach((n, p) => {
    for (const f of input.gallery.get(n)!) {
      owner.push(p);
      rows.push(input.vector(f));
    }
  });
  const g = new Int8Array(rows.length * DIM);
  rows.forEach((r, i) => g.set(r, i * DIM));
  const gNorm = Float64Array.from(rows, (_, i) => normAt(g, i));
  const album = input.score === 'album';
  const size = new Float64Array(names.length);
  for (const o of owner) size[o]!++;
  const best = new Float64Array(names.length);
  const scored = input.queries.map((q) => {
    const v = input.vector(q.faceId);
    const vn = normAt(v, 0);
    best.fill(album ? 0 : -2);
    for (let i = 0; i < rows.length; i++) {
      const c = dotAt(v, 0, g, i) / (vn * gNorm[i]! || 1);
      if (album) best[owner[i]!]! += c / size[owner[i]!]!;
      else if (c > best[owner[i]!]!) best[owner[i]!] = c;
    }
    let p1 = -1, s1 = -2, s2 = -2;
    best.forEach((s, p) => {
      if (s > s1) [s2, s1, p1] = [s1, s, p];
      else if (s > s2) s2 = s;
    });
    return { identity: q.identity, score: s1, person: names[p1] ?? null, lead: s1 - s2 };
  });
  const eligible = scored.filter((s) => s.lead >= input.margin);
  const strangers = eligible.filter((s) => s.identity === null).map((s) => s.score).sort((a, b) => b - a);
  return input.budgets
    .filter((k) => k >= 1 && k <= strangers.length)
    .map((k) => {
      const t = strangers[k - 1]!;
      const inAt = eligible.filter((s) => s.identity !== null && s.score >= t);
      return { strangers: k, threshold: Math.round(t * 1e4) / 1e4, right: inAt.filter((s) => s.person === s.identity).length, wrong: inAt.filter((s) => s.person !== s.identity).length };
    });
}
