import { describe, expect, it } from 'vitest';
import { buildDataset, splitForJudge } from '../../app/learning/dataset';
import { REL_CANNOT, REL_NEG, REL_NONE, REL_POS } from '../../app/learning/loss';
import { Rng } from '../../app/learning/rng';
import { PKSampler, batchRelations } from '../../app/learning/sampler';

function data(people: number, perPerson: number) {
  const baseVectors = new Map<number, Float32Array>();
  const labels = new Map<number, number>();
  const r = new Rng(3);
  let id = 1;
  for (let q = 0; q < people; q++)
    for (let f = 0; f < perPerson; f++) {
      baseVectors.set(id, Float32Array.from({ length: 8 }, () => r.normal()));
      labels.set(id, 100 + q);
      id++;
    }
  return { baseVectors, labels, next: id };
}

describe('P x K sampler', () => {
  it('gives P people with K distinct faces each, and sees every face over an epoch', () => {
    const { baseVectors, labels } = data(10, 6);
    const d = buildDataset({ baseVectors, labels });
    const all = Int32Array.from({ length: d.n }, (_, i) => i);
    const s = new PKSampler(d, all, { P: 4, K: 3 }, new Rng(1));
    expect(s.batchesPerEpoch).toBe(5); // 60 faces / 12
    const rows = new Int32Array(s.capacity);
    const seen = new Set<number>();
    for (let b = 0; b < s.batchesPerEpoch; b++) {
      const n = s.next(rows);
      expect(n).toBe(12);
      const batch = [...rows.subarray(0, n)];
      expect(new Set(batch).size).toBe(n);
      const per = new Map<number, number>();
      for (const r of batch) per.set(d.label[r]!, (per.get(d.label[r]!) ?? 0) + 1);
      expect(per.size).toBe(4);
      for (const c of per.values()) expect(c).toBe(3);
      batch.forEach((r) => seen.add(r));
    }
    expect(seen.size).toBe(60);
  });

  it('is deterministic for a seed', () => {
    const { baseVectors, labels } = data(8, 5);
    const d = buildDataset({ baseVectors, labels });
    const all = Int32Array.from({ length: d.n }, (_, i) => i);
    const run = (seed: number) => {
      const s = new PKSampler(d, all, { P: 3, K: 2 }, new Rng(seed));
      const rows = new Int32Array(s.capacity);
      const out: number[] = [];
      for (let b = 0; b < 6; b++) out.push(...rows.subarray(0, s.next(rows)));
      return out;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('takes all faces of a person with fewer than K, and skips people with a single face', () => {
    const baseVectors = new Map<number, Float32Array>();
    const labels = new Map<number, number>();
    const v = () => Float32Array.from([1, 0, 0, 0]);
    [[1, 1], [2, 1], [3, 2], [4, 2], [5, 2], [6, 2], [7, 3]].forEach(([f, p]) => {
      baseVectors.set(f!, v());
      labels.set(f!, p!);
    });
    const d = buildDataset({ baseVectors, labels });
    const s = new PKSampler(d, Int32Array.from({ length: d.n }, (_, i) => i), { P: 5, K: 3 }, new Rng(1));
    expect(s.people.length).toBe(2); // person 3 has one face
    const rows = new Int32Array(s.capacity);
    const n = s.next(rows);
    expect(n).toBe(5); // 2 of person 1 + 3 of person 2
  });

  it('never samples held-out faces, and adds explicit negatives (cannot-links, rejections) to the batch', () => {
    const { baseVectors, labels, next } = data(6, 5);
    // unlabelled faces: one cannot-linked to face 1 (same photo), one that rejected person 100
    baseVectors.set(next, Float32Array.from({ length: 8 }, () => 1));
    baseVectors.set(next + 1, Float32Array.from({ length: 8 }, () => -1));
    const d = buildDataset({ baseVectors, labels, cannotLink: [[1, next]], rejections: [[next + 1, 100]] });
    const split = splitForJudge(d, { validation: 0.3, adoption: 0 }, 1);
    expect(split.heldOut.length).toBeGreaterThan(0);
    const s = new PKSampler(d, split.train, { P: 6, K: 5 }, new Rng(2));
    const rows = new Int32Array(s.capacity);
    const n = s.next(rows);
    const batch = [...rows.subarray(0, n)];
    for (const r of batch) expect(split.isHeldOut[r]).toBe(0);
    const rowOf = (f: number) => [...d.faceIds].indexOf(f);
    expect(batch).toContain(rowOf(next));
    expect(batch).toContain(rowOf(next + 1));
    // relations
    const rel = new Uint8Array(n * n);
    const mark = new Int32Array(d.n + d.persons.length);
    const w = new Float64Array(n);
    batchRelations(d, rows, n, rel, mark, w);
    const idx = (r: number) => batch.indexOf(r);
    const a = batch.findIndex((r) => d.faceIds[r] === 1);
    const cl = idx(rowOf(next));
    const rj = idx(rowOf(next + 1));
    if (a >= 0) expect(rel[a * n + cl]).toBe(REL_CANNOT);
    // every face of person 100 has the rejecting face as an explicit negative
    for (let i = 0; i < n; i++) {
      if (d.persons[d.label[batch[i]!]!] === 100) expect(rel[i * n + rj]).toBe(REL_CANNOT);
    }
    // unlabelled faces are never anchors and unrelated pairs are unknown
    expect(w[cl]).toBe(0);
    expect(rel[cl * n + rj]).toBe(REL_NONE);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const li = d.label[batch[i]!]!, lj = d.label[batch[j]!]!;
        if (i !== j && li >= 0 && li === lj) expect(rel[i * n + j]).toBe(REL_POS);
        if (li >= 0 && lj >= 0 && li !== lj) expect(rel[i * n + j]).toBe(REL_NEG);
      }
  });

  it('holds out by a stable hash: adding labels does not move earlier held-out faces back', () => {
    const { baseVectors, labels } = data(20, 6);
    const d1 = buildDataset({ baseVectors, labels });
    const s1 = splitForJudge(d1, { validation: 0.25, adoption: 0 }, 9);
    const held1 = new Set([...s1.heldOut].map((r) => d1.faceIds[r]));
    // a new person appears
    const more = new Map(labels);
    const bv = new Map(baseVectors);
    for (let f = 1000; f < 1006; f++) {
      bv.set(f, Float32Array.from({ length: 8 }, () => 0.5));
      more.set(f, 999);
    }
    const d2 = buildDataset({ baseVectors: bv, labels: more });
    const s2 = splitForJudge(d2, { validation: 0.25, adoption: 0 }, 9);
    const held2 = new Set([...s2.heldOut].map((r) => d2.faceIds[r]));
    for (const f of held1) expect(held2.has(f)).toBe(true);
    // every person keeps at least two training faces
    for (let q = 0; q < d2.persons.length; q++) {
      let train = 0;
      for (const r of s2.train) if (d2.label[r] === q) train++;
      expect(train).toBeGreaterThanOrEqual(2);
    }
  });
});
