/** The "Same person?" ranking (app/people/merge-queue.ts) on hand-made faces around identity centres. */
import { describe, expect, it } from 'vitest';
import { rankMergePairs, type MergeQueueInput } from '../../app/people/merge-queue';
import { columnsFromFaces, type ClusterFace } from '../../app/people/types';
import { faceFactory } from './people-helpers';

/**
 * Identity 0 cut into people 1 (4 faces) and 2 (3 faces); identity 1 is person 3 (4 faces) and
 * identity 2 person 4 (4 faces). Each face on a photo of its own unless `photo` says otherwise.
 */
function library() {
  const face = faceFactory(3, 7);
  const faces: ClusterFace[] = [];
  const assignment = new Map<number, number>();
  let photo = 1;
  const add = (identity: number, person: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const f = face(identity, photo++);
      faces.push(f);
      assignment.set(f.id, person);
    }
  };
  add(0, 1, 4);
  add(0, 2, 3);
  add(1, 3, 4);
  add(2, 4, 4);
  return { faces, assignment };
}

const base = (faces: ClusterFace[], assignment: Map<number, number>): MergeQueueInput => ({
  faces: columnsFromFaces(faces),
  assignment,
  rejected: new Map(),
  qualityMin: 0.2,
  floor: -1,
});
const keys = (input: MergeQueueInput) => rankMergePairs(input).map((p) => `${p.a}-${p.b}`);

describe('rankMergePairs', () => {
  it('ranks the two halves of one identity first, best first, each pair once', () => {
    const { faces, assignment } = library();
    const pairs = rankMergePairs(base(faces, assignment));
    expect(pairs).toHaveLength(6);
    expect(`${pairs[0]!.a}-${pairs[0]!.b}`).toBe('1-2');
    expect(pairs[0]!.similarity).toBeGreaterThan(0.9);
    expect(pairs[1]!.similarity).toBeLessThan(pairs[0]!.similarity - 0.1);
    for (let i = 1; i < pairs.length; i++) expect(pairs[i]!.similarity).toBeLessThanOrEqual(pairs[i - 1]!.similarity);
  });

  it('keeps only pairs at or above the floor', () => {
    const { faces, assignment } = library();
    const all = rankMergePairs(base(faces, assignment));
    expect(keys({ ...base(faces, assignment), floor: (all[0]!.similarity + all[1]!.similarity) / 2 })).toEqual(['1-2']);
  });

  it('never offers two people with a face in one photo', () => {
    const { faces, assignment } = library();
    const last = faces.findIndex((f) => assignment.get(f.id) === 2);
    faces[last] = { ...faces[last]!, photoId: faces[0]!.photoId }; // a face of person 2 on person 1's first photo
    expect(keys(base(faces, assignment))).not.toContain('1-2');
  });

  it('leaves out a pair whose faces reject each other both ways (a No), not one rejected one way (a split)', () => {
    const { faces, assignment } = library();
    const of = (p: number) => faces.filter((f) => assignment.get(f.id) === p).map((f) => f.id);
    const oneWay = new Map(of(2).map((f) => [f, new Set([1])]));
    expect(keys({ ...base(faces, assignment), rejected: oneWay })[0]).toBe('1-2');
    const both = new Map([...oneWay, ...of(1).map((f) => [f, new Set([2])] as const)]);
    expect(keys({ ...base(faces, assignment), rejected: both })).not.toContain('1-2');
  });

  it("leaves out a pair where a face of one side predates the other's birth (either way), whatever the rest", () => {
    const { faces, assignment } = library();
    const of = (p: number) => faces.filter((f) => assignment.get(f.id) === p).map((f) => f.id);
    // One of person 2's faces is from before person 1's birth (the rule also marks it rejected).
    const early = new Map([[of(2)[0]!, new Set([1])]]);
    expect(keys({ ...base(faces, assignment), rejected: early, bornAfter: early })).not.toContain('1-2');
    // The other way round: one of person 1's faces predates person 2's birth.
    const other = new Map([[of(1)[3]!, new Set([2])]]);
    expect(keys({ ...base(faces, assignment), rejected: other, bornAfter: other })).not.toContain('1-2');
    // The rule leaves the other pairs alone; a birth-date rule against someone else changes nothing.
    expect(keys({ ...base(faces, assignment), rejected: early, bornAfter: early })).toHaveLength(5);
    const elsewhere = new Map([[of(2)[0]!, new Set([3])]]);
    expect(keys({ ...base(faces, assignment), rejected: elsewhere, bornAfter: elsewhere })[0]).toBe('1-2');
  });

  it('leaves out excluded (hidden) people and unassigned faces', () => {
    const { faces, assignment } = library();
    expect(keys({ ...base(faces, assignment), exclude: new Set([2]) }).some((k) => k.split('-').includes('2'))).toBe(false);
    for (const f of faces) if (assignment.get(f.id) === 4) assignment.delete(f.id);
    expect(keys(base(faces, assignment))).toEqual(expect.not.arrayContaining(['1-4', '2-4', '3-4']));
    expect(keys(base(faces, assignment))).toHaveLength(3);
  });

  it('scores an album by its seed-quality faces when it has some, by all its faces otherwise', () => {
    const { faces, assignment } = library();
    const face = faceFactory(3, 7);
    // A poor face of identity 1 put into person 1: below qualityMin it does not count.
    const poor = { ...face(1, 999), id: 1000, quality: 0.05 };
    assignment.set(poor.id, 1);
    const withPoor = rankMergePairs(base([...faces, poor], assignment));
    const without = rankMergePairs(base(faces, assignment));
    expect(withPoor[0]!.similarity).toBeCloseTo(without[0]!.similarity, 10);
    // A person of poor faces only is still scored.
    const lone = { ...face(0, 998), id: 1001, quality: 0.05 };
    assignment.set(lone.id, 9);
    expect(keys(base([...faces, poor, lone], assignment)).filter((k) => k.split('-').includes('9'))).toHaveLength(4);
  });
});
