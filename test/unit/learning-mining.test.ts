import { describe, expect, it } from 'vitest';
import { batchTripletLoss, lossWork, mineNegative, negativeKind, REL_CANNOT, REL_NEG, REL_NONE, REL_POS } from '../../app/learning/loss';
import { Rng } from '../../app/learning/rng';
import { nearest } from '../../app/learning/strangers';

// One anchor's row of squared distances and relations, hand-made.
const N = REL_NEG, P = REL_POS, X = REL_CANNOT, O = REL_NONE;

describe('semi-hard negative mining', () => {
  it('takes the nearest negative that is farther than the positive', () => {
    const dist = [0, 0.3, 0.25, 0.45, 0.36, 0.31];
    const rel = [O, P, N, N, N, N];
    // dap = 0.3: candidates farther than 0.3 are 0.45, 0.36, 0.31 -> 0.31 (index 5); 0.25 is hard
    const j = mineNegative(dist, 0, rel, 0, 6, 0.3, 'skip');
    expect(j).toBe(5);
    expect(negativeKind(0.3, dist[j]!, 0.2)).toBe('semi-hard');
  });

  it('ignores positives, unknown faces and the anchor itself', () => {
    const dist = [0, 0.3, 0.32, 0.33, 0.5];
    const rel = [O, P, P, O, N];
    expect(mineNegative(dist, 0, rel, 0, 5, 0.3, 'least-hard')).toBe(4);
  });

  it('returns the nearest farther negative even when beyond the margin (an easy pair, zero loss)', () => {
    const dist = [0, 0.1, 0.9, 0.7];
    const rel = [O, P, N, N];
    const j = mineNegative(dist, 0, rel, 0, 4, 0.1, 'skip');
    expect(j).toBe(3);
    expect(negativeKind(0.1, 0.7, 0.2)).toBe('easy');
  });

  it('when every negative is closer than the positive: skip, or the least hard one', () => {
    const dist = [0, 0.8, 0.2, 0.5, 0.4];
    const rel = [O, P, N, N, N];
    expect(mineNegative(dist, 0, rel, 0, 5, 0.8, 'skip')).toBe(-1);
    expect(mineNegative(dist, 0, rel, 0, 5, 0.8, 'least-hard')).toBe(3);
    expect(negativeKind(0.8, 0.5, 0.2)).toBe('hard');
  });

  it('a negative at exactly the positive distance is hard, not semi-hard', () => {
    const dist = [0, 0.3, 0.3];
    const rel = [O, P, N];
    expect(mineNegative(dist, 0, rel, 0, 3, 0.3, 'skip')).toBe(-1);
  });

  it('explicit cannot-link faces are candidates too', () => {
    const dist = [0, 0.3, 0.35, 0.6];
    const rel = [O, P, X, N];
    expect(mineNegative(dist, 0, rel, 0, 4, 0.3, 'skip')).toBe(2);
  });

  it('works on a row of a packed matrix (offsets)', () => {
    const n = 3;
    const dist = [0, 0.2, 0.5, /* row 1 */ 0.2, 0, 0.25, /* row 2 */ 0.5, 0.25, 0];
    const rel = [O, P, N, P, O, N, N, N, O];
    expect(mineNegative(dist, n, rel, n, n, 0.2, 'skip')).toBe(2);
  });
});

describe('batch triplet loss', () => {
  // 2-D unit vectors at given angles: squared distance = 2 - 2 cos(angle difference)
  const at = (...deg: number[]) => Float64Array.from(deg.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
  const rel4 = (labels: number[], cannot: [number, number][] = []) => {
    const n = labels.length;
    const rel = new Uint8Array(n * n);
    for (let a = 0; a < n; a++)
      for (let j = 0; j < n; j++) {
        if (a === j) continue;
        if (labels[a]! >= 0 && labels[a] === labels[j]) rel[a * n + j] = REL_POS;
        else if (cannot.some(([u, v]) => (u === a && v === j) || (u === j && v === a))) rel[a * n + j] = REL_CANNOT;
        else if (labels[a]! >= 0 && labels[j]! >= 0) rel[a * n + j] = REL_NEG;
      }
    return rel;
  };
  const opts = { alpha: 0.2, fallback: 'skip' as const, cannotLinkWeight: 0, harmonicWeight: 0 };

  it('is zero when every pair is separated by more than the margin', () => {
    const y = at(0, 10, 90, 100);
    const st = batchTripletLoss(4, 2, y, rel4([0, 0, 1, 1]), new Float64Array([1, 1, 1, 1]), opts, new Float64Array(8), lossWork(4, 2));
    expect(st.loss).toBe(0);
    expect(st.pairs).toBe(4); // ordered anchor-positive pairs: (0,1) (1,0) (2,3) (3,2)
    expect(st.easy).toBe(4);
  });

  it('counts semi-hard triplets and gives the exact hinge value', () => {
    // anchor 0 at 0 deg, positive 1 at 30 deg, negative 2 at 35 deg: semi-hard
    const y = at(0, 30, 35, 180);
    const d = (a: number, b: number) => 2 - 2 * Math.cos(((b - a) * Math.PI) / 180);
    const st = batchTripletLoss(4, 2, y, rel4([0, 0, 1, 2]), new Float64Array([1, 1, 1, 1]), opts, new Float64Array(8), lossWork(4, 2));
    // pair (0,1): dap = d(0,30), nearest farther negative = 35 deg -> loss dap - d(0,35) + 0.2
    // pair (1,0): dap = d(0,30), negatives from 30 deg: 35 (d(30,35) < dap: hard), 180 (easy) -> easy, 0
    const expected = (d(0, 30) - d(0, 35) + 0.2) / 2;
    expect(st.main).toBeCloseTo(expected, 12);
    expect(st.semiHard).toBe(1);
  });

  it('uses an unlabelled cannot-link face as an explicit negative of the anchor', () => {
    // face 2 is unlabelled (no person) but cannot-linked to anchor 0, and close to it
    const y = at(0, 20, 5);
    const rel = rel4([0, 0, -1], [[0, 2]]);
    expect(rel[0 * 3 + 2]).toBe(REL_CANNOT);
    expect(rel[1 * 3 + 2]).toBe(REL_NONE);
    const st = batchTripletLoss(3, 2, y, rel, new Float64Array([1, 1, 0]), { ...opts, cannotLinkWeight: 1 }, new Float64Array(6), lossWork(3, 2));
    expect(st.explicit).toBe(1); // only anchor 0 has the explicit negative
    expect(st.explicitActive).toBe(1);
    expect(st.loss).toBeGreaterThan(0);
  });
});

describe('nearest (stranger pairs)', () => {
  it('lists the k most similar candidates, best first, never the row itself, the same in chunks', () => {
    const r = new Rng(5);
    const n = 40, dims = 6;
    const y = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dims; k++) s += (y[i * dims + k] = r.normal()) ** 2;
      for (let k = 0; k < dims; k++) y[i * dims + k]! /= Math.sqrt(s);
    }
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const full = nearest(y, rows, y, rows, dims, 3, true);
    const chunked = nearest(y, rows, y, rows, dims, 3, true, 0, 0);
    for (let from = 0; from < n; from += 7) nearest(y, rows, y, rows, dims, 3, true, from, Math.min(n, from + 7), chunked);
    expect(Array.from(chunked.idx)).toEqual(Array.from(full.idx));
    const cosOf = (i: number, j: number) => {
      let c = 0;
      for (let k = 0; k < dims; k++) c += y[i * dims + k]! * y[j * dims + k]!;
      return c;
    };
    for (let i = 0; i < n; i++) {
      const others = [...rows].filter((j) => j !== i).sort((a, b) => cosOf(i, b) - cosOf(i, a));
      expect(Array.from(full.idx.subarray(i * 3, i * 3 + 3))).toEqual(others.slice(0, 3));
      expect(full.cos[i * 3]!).toBeCloseTo(cosOf(i, others[0]!), 6);
    }
    // fewer candidates than k: -1
    const two = nearest(y, rows.subarray(0, 2), y, rows.subarray(0, 2), dims, 3, true);
    expect(Array.from(two.idx.subarray(0, 3))).toEqual([1, -1, -1]);
  });
});
