/**
 * The fair judge's three-way split (dataset.ts splitForJudge, issue 18): training, epoch selection
 * and adoption check are disjoint, made of the user's own labels only (faces the machine placed
 * are trained on, never judged), stable across runs and as labels grow; and training with too few
 * held-back labels of the user's trains and adopts nothing, saying so.
 */
import { describe, expect, it } from 'vitest';
import { buildDataset, splitForJudge } from '../../app/learning/dataset';
import { MIN_JUDGE_FACES } from '../../app/learning/judge';
import { Rng } from '../../app/learning/rng';
import { trainHead } from '../../app/learning/train';

/** `people` people: faces 1..user of each placed by the user, the next `acc` accepted by naming. */
function library(people: number, user: number, acc: number) {
  const baseVectors = new Map<number, Float32Array>();
  const labels = new Map<number, number>();
  const accepted = new Map<number, number>();
  const r = new Rng(4);
  for (let q = 0; q < people; q++)
    for (let f = 1; f <= user + acc; f++) {
      const id = q * 1000 + f;
      baseVectors.set(id, Float32Array.from({ length: 128 }, () => r.normal()));
      (f <= user ? labels : accepted).set(id, 7 + q);
    }
  return { baseVectors, labels, accepted };
}

describe('splitForJudge: three disjoint parts of the user\'s own labels', () => {
  it('puts no face in two parts, every row in one, and keeps every person two training faces', () => {
    const lib = library(30, 8, 6);
    const rejections: [number, number][] = [];
    for (let f = 0; f < 40; f++) {
      const id = 900_000 + f; // faces the user said are not person 7 ("not Anna"), no label
      lib.baseVectors.set(id, Float32Array.from({ length: 128 }, (_, k) => Math.sin(f + k)));
      rejections.push([id, 7]);
    }
    const d = buildDataset({ ...lib, rejections });
    const s = splitForJudge(d, { validation: 0.2, adoption: 0.2 }, 1);
    const sets = [new Set(s.train), new Set(s.validation), new Set([...s.adoption, ...s.adoptionRejections])];
    for (let i = 0; i < d.n; i++) expect(sets.filter((x) => x.has(i)).length, `row ${i}`).toBe(1);
    expect(s.validation.length).toBeGreaterThan(20);
    expect(s.adoption.length).toBeGreaterThan(20);
    expect(s.adoptionRejections.length).toBeGreaterThan(0);
    for (const r of s.adoptionRejections) expect(d.label[r]).toBe(-1);
    for (let q = 0; q < d.persons.length; q++) {
      const userTrain = [...s.train].filter((r) => d.label[r] === q && d.userLabel[r]).length;
      expect(userTrain).toBeGreaterThanOrEqual(2);
    }
  });

  it('never lets a face the machine placed judge: accepted faces are only ever in the training part', () => {
    const d = buildDataset(library(20, 3, 30));
    const s = splitForJudge(d, { validation: 0.3, adoption: 0.3 }, 5);
    for (const r of [...s.validation, ...s.adoption]) {
      expect(d.userLabel[r]).toBe(1);
      expect(d.accepted[r]).toBe(0);
    }
    for (let i = 0; i < d.n; i++) if (d.accepted[i]) expect(s.part[i]).toBe(0);
    // With 3 labels of the user's a person holds at most one back: the judge stays small even
    // though 600 accepted faces exist.
    expect(s.validation.length + s.adoption.length).toBeLessThanOrEqual(20);
  });

  it('is stable: the same parts across runs, and a face keeps its part as the user labels more', () => {
    const small = library(25, 6, 0);
    const d1 = buildDataset(small);
    const a = splitForJudge(d1, { validation: 0.2, adoption: 0.2 }, 3);
    const b = splitForJudge(buildDataset(small), { validation: 0.2, adoption: 0.2 }, 3);
    expect([...b.part]).toEqual([...a.part]);
    const partOf = (d: typeof d1, s: typeof a) => new Map([...d.faceIds].map((f, i) => [f, s.part[i]]));
    const before = partOf(d1, a);
    const grown = library(25, 12, 0); // faces 7..12 of each person labelled later
    const d2 = buildDataset(grown);
    const after = partOf(d2, splitForJudge(d2, { validation: 0.2, adoption: 0.2 }, 3));
    let moved = 0;
    for (const [f, p] of before) if (p !== 0 && after.get(f) !== p) moved++;
    expect(moved).toBe(0); // a held-back face stays in its part
    expect([...after.values()].filter((p) => p === 2).length).toBeGreaterThan([...before.values()].filter((p) => p === 2).length);
  });
});

describe('too few of the user\'s own labels to judge', () => {
  it('trains nothing, adopts nothing and says how many there are and how many it needs', async () => {
    // 6 people x 3 labels: at most 6 held back, fewer than MIN_JUDGE_FACES (20); 40 accepted faces each do not count.
    const lib = library(6, 3, 40);
    const r = await trainHead({ ...lib, options: { epochs: 3, seed: 1 } });
    expect(r.adopted).toBe(false);
    expect(r.stoppedBy).toBe('too-few-to-judge');
    expect(r.history).toHaveLength(0);
    expect(r.judge.faces).toBeLessThan(MIN_JUDGE_FACES);
    expect(r.reason).toBe(`too few of your own labels to judge: ${r.judge.faces}, need ${MIN_JUDGE_FACES}`);
  });
});
