import { describe, expect, it } from 'vitest';
import { accuracyAt, bestThreshold, crossValidatedAccuracy, rocAuc, type ScoredPair } from '../../app/eval/verification';
import { parsePairs } from '../../app/eval/lfw-dataset';

describe('verification metrics', () => {
  const pairs: ScoredPair[] = [
    { set: 1, same: true, score: 0.9 },
    { set: 1, same: true, score: 0.8 },
    { set: 1, same: false, score: 0.3 },
    { set: 1, same: false, score: 0.85 },
    { set: 2, same: true, score: 0.95 },
    { set: 2, same: false, score: 0.2 },
    { set: 2, same: false, score: 0.5 },
    { set: 2, same: true, score: 0.4 },
  ];

  it('finds the accuracy-maximising threshold', () => {
    const r = bestThreshold(pairs);
    expect(r.accuracy).toBeCloseTo(6 / 8);
    expect(accuracyAt(pairs, r.threshold)).toBeCloseTo(r.accuracy);
  });

  it('computes AUC by ranks (ties count half)', () => {
    expect(rocAuc([{ set: 1, same: true, score: 1 }, { set: 1, same: false, score: 0 }])).toBe(1);
    expect(rocAuc([{ set: 1, same: true, score: 0 }, { set: 1, same: false, score: 1 }])).toBe(0);
    expect(rocAuc([{ set: 1, same: true, score: 0.5 }, { set: 1, same: false, score: 0.5 }])).toBe(0.5);
    // 4 positives x 4 negatives: pos>neg pairs by hand: 0.9:4, 0.8:3, 0.95:4, 0.4:2 = 13 of 16
    expect(rocAuc(pairs)).toBeCloseTo(13 / 16);
  });

  it('chooses each set threshold on the other sets only', () => {
    const r = crossValidatedAccuracy(pairs);
    expect(r.perSet.map((s) => s.set)).toEqual([1, 2]);
    const t1 = bestThreshold(pairs.filter((p) => p.set === 2)).threshold;
    expect(r.perSet[0]!.threshold).toBeCloseTo(t1);
    expect(r.perSet[0]!.accuracy).toBeCloseTo(accuracyAt(pairs.filter((p) => p.set === 1), t1));
    expect(r.accuracy).toBeCloseTo((r.perSet[0]!.accuracy + r.perSet[1]!.accuracy) / 2);
  });
});

describe('LFW pairs.txt parser', () => {
  it('reads per-set headers, matched and mismatched pairs', () => {
    const text = '2\n1\t1\nAnn\t1\t2\nBob\t1\tCid\t3\n1\t1\nDee\t2\t4\nEve\t1\tFay\t1\n';
    const p = parsePairs(text, '/d');
    expect(p).toHaveLength(4);
    expect(p[0]).toEqual({ set: 1, same: true, a: '/d/images/Ann/Ann_0001.jpg', b: '/d/images/Ann/Ann_0002.jpg' });
    expect(p[1]).toEqual({ set: 1, same: false, a: '/d/images/Bob/Bob_0001.jpg', b: '/d/images/Cid/Cid_0003.jpg' });
    expect(p[2]!.set).toBe(2);
  });

  it('fails clearly on a malformed file', () => {
    expect(() => parsePairs('1\n2\t0\nAnn\t1\n', '/d')).toThrow(/pairs.txt/);
  });
});
