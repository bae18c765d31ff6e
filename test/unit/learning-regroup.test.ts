/**
 * The regroup check (app/learning/regroup.ts): the share of close pairs among faces nobody named
 * that a head would make new. Vectors are built so that every pair's cosine is known.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REGROUP_SHARE, REGROUP_MIN_CLOSE, REGROUP_SAMPLE, regroupShare } from '../../app/learning/regroup';
import { Rng } from '../../app/learning/rng';

/** `groups` x `size` unit vectors: one group's vectors are close (~0.9), two groups ~0. */
function strangers(groups: number, size: number, seed = 3): { vectors: Float32Array[]; group: number[] } {
  const rng = new Rng(seed);
  const dims = 128;
  const vectors: Float32Array[] = [];
  const group: number[] = [];
  for (let g = 0; g < groups; g++) {
    const centre = new Float32Array(dims);
    centre[g % dims] = 1;
    for (let k = 0; k < size; k++) {
      const v = new Float32Array(dims);
      for (let d = 0; d < dims; d++) v[d] = centre[d]! + 0.03 * (rng.next() - 0.5);
      vectors.push(v);
      group.push(g);
    }
  }
  return { vectors, group };
}

/** A head that maps group 1's direction onto group 0's (every other face unchanged). */
function foldOneOntoZero(vectors: Float32Array[], group: number[]): Float32Array[] {
  return vectors.map((v, i) => {
    if (group[i] !== 1) return v;
    const w = Float32Array.from(v);
    w[0] = w[1]!;
    w[1] = 0;
    return w;
  });
}

describe('regroupShare', () => {
  it('a head that changes nothing makes no new close pair', () => {
    const { vectors } = strangers(10, 5);
    const r = regroupShare(vectors, vectors, 0.6, 0.6);
    expect(r.faces).toBe(50);
    expect(r.close).toBe(10 * ((5 * 4) / 2)); // the pairs within each group
    expect(r.joined).toBe(0);
    expect(r.share).toBe(0);
  });

  it('a head that folds two groups of strangers onto each other is counted, pair by pair', () => {
    const { vectors, group } = strangers(10, 5);
    // 25 new close pairs: group 1's five faces with group 0's five
    const head = foldOneOntoZero(vectors, group);
    const r = regroupShare(vectors, head, 0.6, 0.6);
    expect(r.joined).toBe(25);
    expect(r.share).toBeCloseTo(25 / 100, 10);
    expect(r.share).toBeGreaterThan(MAX_REGROUP_SHARE);
  });

  it("judges at the head's own bar: every cosine raised alike, with the bar raised with them, regroups nothing", () => {
    const { vectors } = strangers(8, 4);
    // a common direction added to every vector: two groups' cosine ~0 -> ~0.72, one group's stays ~1
    const common = new Float32Array(128).fill(1 / Math.sqrt(128));
    const head = vectors.map((v) => Float32Array.from(v, (x, d) => x + 1.5 * common[d]!));
    expect(regroupShare(vectors, head, 0.6, 0.6).joined).toBe((32 * 31) / 2 - 8 * 6);
    expect(regroupShare(vectors, head, 0.6, 0.8).joined).toBe(0);
  });

  it(`takes the share over at least ${REGROUP_MIN_CLOSE} close pairs: a pair or two joined among few faces is not a regrouping`, () => {
    const { vectors, group } = strangers(4, 2);
    // 4 close pairs (one within each group of two); folding group 1 onto group 0 joins 2 x 2
    const head = foldOneOntoZero(vectors, group);
    const r = regroupShare(vectors, head, 0.6, 0.6);
    expect([r.close, r.joined]).toEqual([4, 4]);
    expect(r.share).toBe(4 / REGROUP_MIN_CLOSE);
  });

  it(`compares at most ${REGROUP_SAMPLE} faces`, () => {
    const v = new Float32Array(128);
    v[0] = 1;
    const many = Array.from({ length: REGROUP_SAMPLE + 5 }, () => v);
    expect(regroupShare(many.slice(0, 3), many.slice(0, 3), 0.6, 0.6).faces).toBe(3);
    expect(regroupShare(many, many, 0.6, 0.6).faces).toBe(REGROUP_SAMPLE);
  });
});
