import { TEST_THRESHOLDS } from './people-helpers';
import { describe, expect, it } from 'vitest';
import { clusterMetrics } from '../../app/people/metrics';
import { PeopleIndex } from '../../app/people/people-index';
import { recluster } from '../../app/people/recluster';
import { rng, sliceSet, synthesize } from '../../app/people/synthetic';
import type { FaceColumns } from '../../app/people/types';
import { DIM } from '../../app/people/vector';
import { expectConstraints, partitionAsTruth, partitionLabels } from './people-helpers';

/** The album merge pass and the leftovers rule on, at the default model's values (thresholds.ts). */
const WITH_ALBUM_MERGE = { ...TEST_THRESHOLDS, albumMerge: 0.93, albumMergeMinFaces: 20, leftover: 0.92, leftoverMinFaces: 3 };

function indexInBatches(MODEL: typeof WITH_ALBUM_MERGE | typeof TEST_THRESHOLDS, batches: FaceColumns[]) {
  const idx = new PeopleIndex({ model: MODEL });
  for (const b of batches) idx.addFaces(b);
  return idx.assignment();
}

function agreement(ids: ArrayLike<number>, a: Map<number, number | null>, b: Map<number, number | null>) {
  return clusterMetrics(partitionAsTruth(ids, a), partitionLabels(ids, b)).bcubedF1;
}

describe.each([
  ['album merge and leftovers off', TEST_THRESHOLDS],
  ['album merge and leftovers on', WITH_ALBUM_MERGE],
])('order independence (%s)', (_, MODEL) => {
  const set = synthesize({ faces: 2400, identities: 80, seed: 31 });
  const photoOf = new Map(Array.from(set.ids, (id, i) => [id, set.photoIds[i]!]));
  const none = { assigned: new Map(), rejected: new Map() };

  const one = indexInBatches(MODEL, [set]);
  const tenBatches: FaceColumns[] = [];
  for (let k = 0; k < 10; k++) tenBatches.push(sliceSet(set, (k * set.n) / 10, ((k + 1) * set.n) / 10));
  const ten = indexInBatches(MODEL, tenBatches);

  // the same faces, shuffled, in 7 uneven batches
  const perm = Array.from({ length: set.n }, (_, i) => i);
  const r = rng(9);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const cuts = [0, 100, 250, 600, 1000, 1500, 2100, set.n];
  const shuffledBatches: FaceColumns[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const rows = perm.slice(cuts[k], cuts[k + 1]);
    const emb = new Int8Array(rows.length * DIM);
    rows.forEach((src, dst) => emb.set(set.embeddings.subarray(src * DIM, (src + 1) * DIM), dst * DIM));
    shuffledBatches.push({ n: rows.length, ids: rows.map((i) => set.ids[i]!), photoIds: rows.map((i) => set.photoIds[i]!), quality: rows.map((i) => set.quality[i]!), embeddings: emb });
  }
  const shuffled = indexInBatches(MODEL, shuffledBatches);
  const full = recluster({ model: MODEL, faces: set }).assignment;

  it('every run respects the constraints and clusters well', () => {
    for (const a of [one, ten, shuffled, full]) {
      expectConstraints(a, photoOf, none);
      const m = clusterMetrics(set.truth, partitionLabels(set.ids, a));
      expect(m.bcubedPrecision).toBeGreaterThan(0.97);
      expect(m.bcubedF1).toBeGreaterThan(0.85);
    }
  });

  it('several batches give nearly the same people as one batch', () => {
    expect(agreement(set.ids, one, ten)).toBeGreaterThan(0.95);
    expect(agreement(set.ids, one, shuffled)).toBeGreaterThan(0.95);
    expect(agreement(set.ids, one, full)).toBeGreaterThan(0.95);
  });
});
