/**
 * Unrecognisable faces. A face network maps faces that carry no identity (heavily blurred
 * background faces, misdetections) to one region of its space: their vectors sit close to each
 * other and to the mean of such faces, far from any real person's. Clustered like any other face
 * they make a "person" of strangers (sports-celebs: 69 faces from every folder around 5 blurred
 * seeds). A face whose cosine to its model's unrecognisable direction (the mean unit vector of the
 * heavily blurred tuning faces, unrecognisable-centroids.ts, scripts/fit-unrecognisable.js)
 * reaches the model's `unrecognisable` bar is therefore never put into a person by the machine: it
 * seeds nobody, joins nobody by prototype, album or leftovers; the user still can. Faces the
 * user assigned are never affected. Measured: docs/clustering.md "Unrecognisable faces".
 */
import type { ModelThresholds } from './thresholds';
import { dotUnitF } from './vector';

/** Is row `row` of `emb` (int8, 128 a row) unrecognisable under `th`? False when the rule is off. */
export function isUnrecognisable(emb: Int8Array, row: number, th: ModelThresholds): boolean {
  const dir = th.unrecognisableDirection;
  if (!dir || !((th.unrecognisable ?? 1) < 1)) return false;
  return dotUnitF(emb, row, dir) >= th.unrecognisable!;
}
