/**
 * Two faces of one photo are two people (a cannot-link everywhere the machine groups faces),
 * unless they are the same face twice: a collage, a mirror, a screen or a print in the photo.
 * `th.collage` is the cosine at or above which two faces of one photo may be one person; above 1
 * the rule is off and every shared photo keeps two faces apart (docs/clustering.md, "Collages").
 * Both faces must be of seed quality (>= th.qualityMin, not unrecognisable): blurred crowd faces
 * sit close to each other whoever they are (same-photo pairs of quality-0 faces at cosine 0.75-0.96
 * in lfw-dev's and sports-celebs' crowds), the rule is for faces that carry an identity.
 */
import type { ModelThresholds } from './thresholds';
import { isUnrecognisable } from './unrecognisable';
import { dotAt, normAt } from './vector';

/** Adds `item` to the list of its photo in a photo -> items map (a person's or a cluster's faces by photo). */
export function addToPhoto(m: Map<number, number[]>, photo: number, item: number): void {
  const list = m.get(photo);
  if (list) list.push(item);
  else m.set(photo, [item]);
}

/**
 * Do two groups of faces (photo -> their items in it) hold two faces of one photo that are not the
 * same face twice? Without `twice` (the rule off) any shared photo keeps them apart.
 */
export function keptApart(a: ReadonlyMap<number, readonly number[]>, b: ReadonlyMap<number, readonly number[]>, twice: ((i: number, j: number) => boolean) | undefined): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const [p, rows] of small) {
    const other = big.get(p);
    if (!other) continue;
    if (!twice) return true;
    for (const i of rows) for (const j of other) if (!twice(i, j)) return true;
  }
  return false;
}

/** Is the collage rule on for this bar (a cosine <= 1)? */
export function collageOn(bar: number | undefined): bar is number {
  return bar !== undefined && bar <= 1;
}

/** Are rows `ai` of `a` and `bi` of `b` at cosine >= `bar`? False when the rule is off. */
export function closeEnough(bar: number | undefined, a: Int8Array, ai: number, b: Int8Array, bi: number): boolean {
  if (!collageOn(bar)) return false;
  const n = normAt(a, ai) * normAt(b, bi);
  return n > 0 && dotAt(a, ai, b, bi) / n >= bar;
}

/**
 * The collage rule over one set of rows (`vectors`, `quality` parallel): may rows i and j, two
 * faces of one photo, be one person? Undefined when the rule is off (callers keep every shared
 * photo apart without looking at vectors).
 */
export function sameFaceTwice(th: ModelThresholds, vectors: Int8Array, quality: ArrayLike<number>): ((i: number, j: number) => boolean) | undefined {
  const bar = th.collage;
  if (!collageOn(bar)) return undefined;
  const eligible = (i: number) => quality[i]! >= th.qualityMin && !isUnrecognisable(vectors, i, th);
  return (i, j) => eligible(i) && eligible(j) && closeEnough(bar, vectors, i, vectors, j);
}
