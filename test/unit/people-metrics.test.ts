import { describe, expect, it } from 'vitest';
import { clusterMetrics } from '../../app/people/metrics';

describe('clusterMetrics', () => {
  it('matches a hand-computed example (unassigned = own singleton)', () => {
    // truth A A A B B ; predicted 1 1 2 2 (unassigned)
    const m = clusterMetrics(['A', 'A', 'A', 'B', 'B'], [1, 1, 2, 2, null]);
    // BCubed precision: 1, 1, 1/2, 1/2, 1 -> 4/5
    expect(m.bcubedPrecision).toBeCloseTo(0.8, 12);
    // BCubed recall: 2/3, 2/3, 1/3, 1/2, 1/2 -> (8/3)/5 = 8/15
    expect(m.bcubedRecall).toBeCloseTo(8 / 15, 12);
    expect(m.bcubedF1).toBeCloseTo((2 * 0.8 * (8 / 15)) / (0.8 + 8 / 15), 12); // 0.64
    expect(m.bcubedF1).toBeCloseTo(0.64, 12);
    // pairs: predicted {0,1},{2,3} -> 2; true {0,1},{0,2},{1,2},{3,4} -> 4; TP {0,1} -> 1
    expect(m.pairwisePrecision).toBeCloseTo(0.5, 12);
    expect(m.pairwiseRecall).toBeCloseTo(0.25, 12);
    expect(m.pairwiseF1).toBeCloseTo(1 / 3, 12);
    expect(m).toMatchObject({ faces: 5, identities: 2, people: 2, unassigned: 0.2 });
  });

  it('gives 1 for a perfect clustering and is label-name agnostic', () => {
    const m = clusterMetrics([5, 5, 7, 7, 7, 9], ['x', 'x', 'y', 'y', 'y', 'z']);
    for (const k of ['bcubedPrecision', 'bcubedRecall', 'bcubedF1', 'pairwisePrecision', 'pairwiseRecall', 'pairwiseF1'] as const) {
      expect(m[k]).toBe(1);
    }
  });

  it('scores everything-unassigned as perfect precision, low recall', () => {
    const m = clusterMetrics(['A', 'A', 'B', 'B'], [null, undefined, null, null]);
    expect(m.bcubedPrecision).toBe(1);
    expect(m.bcubedRecall).toBeCloseTo(0.5, 12);
    expect(m.pairwisePrecision).toBe(1); // no pair claimed
    expect(m.pairwiseRecall).toBe(0);
    expect(m.pairwiseF1).toBe(0);
    expect(m.unassigned).toBe(1);
    expect(m.people).toBe(0);
  });

  it('penalises gluing strangers together', () => {
    // four strangers in one cluster
    const m = clusterMetrics(['a', 'b', 'c', 'd'], [1, 1, 1, 1]);
    expect(m.bcubedPrecision).toBeCloseTo(0.25, 12);
    expect(m.bcubedRecall).toBe(1);
    expect(m.pairwisePrecision).toBe(0);
    expect(m.pairwiseRecall).toBe(1); // no true pair to find
  });

  it('rejects mismatched lengths', () => {
    expect(() => clusterMetrics([1, 2], [1])).toThrow();
  });
});
