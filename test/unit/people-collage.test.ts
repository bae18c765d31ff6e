/**
 * The collage rule (th.collage, app/people/same-photo.ts): two faces of one photo are two people,
 * unless they are the same face twice (a collage, a mirror, a screen), which may then be one person
 * in the re-cluster, a scan's grouping, the album merges and "Same person?".
 */
import { describe, expect, it } from 'vitest';
import { rankMergePairs } from '../../app/people/merge-queue';
import { PeopleIndex } from '../../app/people/people-index';
import { recluster } from '../../app/people/recluster';
import { closeEnough, collageOn, sameFaceTwice } from '../../app/people/same-photo';
import { effectiveThresholds, thresholdsFor, type ModelThresholds } from '../../app/people/thresholds';
import { columnsFromFaces, type ClusterFace, type FaceId, type PersonId } from '../../app/people/types';
import { cosine } from '../../app/people/vector';
import { TEST_THRESHOLDS, faceFactory } from './people-helpers';

/** The bar of these tests: the copies of a collage are ~0.998 apart, two identities < 0.9. */
const BAR = 0.97;
const OFF: ModelThresholds = TEST_THRESHOLDS;
const ON: ModelThresholds = { ...TEST_THRESHOLDS, collage: BAR };

/**
 * Identity 0 on photos 1-6, then a collage (photo 50: identity 0 twice, nearly the same vector,
 * and a face of identity 1 beside them); identity 1 on photos 11-16.
 */
function library() {
  const face = faceFactory(2, 5);
  const own0 = Array.from({ length: 6 }, (_, i) => face(0, 1 + i));
  const own1 = Array.from({ length: 6 }, (_, i) => face(1, 11 + i));
  const copyA = face(0, 50, 0.9, 0.15);
  const copyB = face(0, 50, 0.9, 0.15);
  const stranger = face(1, 50);
  return { own0, own1, copyA, copyB, stranger, all: [...own0, ...own1, copyA, copyB, stranger] };
}

/** The person most of identity 0's own photos are in, and the people of each face. */
function peopleOf(assignment: ReadonlyMap<FaceId, PersonId | null>, own: ClusterFace[]) {
  const counts = new Map<PersonId, number>();
  for (const f of own) {
    const p = assignment.get(f.id);
    if (p != null) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** The library's own photos added to an index (no collage yet); p0: identity 0's person. */
function grown(model: ModelThresholds) {
  const lib = library();
  const idx = new PeopleIndex({ model });
  idx.addFaces([...lib.own0, ...lib.own1]);
  return { lib, idx, p0: peopleOf(idx.assignment(), lib.own0) };
}

describe('the collage rule', () => {
  it('holds only at or above the bar, between two faces of seed quality, and is off above 1', () => {
    const { copyA, copyB, stranger } = library();
    const c = cosine(copyA.embedding, copyB.embedding);
    expect(c).toBeGreaterThan(BAR);
    expect(cosine(copyA.embedding, stranger.embedding)).toBeLessThan(0.9);
    expect(closeEnough(BAR, copyA.embedding, 0, copyB.embedding, 0)).toBe(true);
    expect(closeEnough(c + 1e-6, copyA.embedding, 0, copyB.embedding, 0)).toBe(false);
    expect(closeEnough(BAR, copyA.embedding, 0, stranger.embedding, 0)).toBe(false);
    expect(closeEnough(2, copyA.embedding, 0, copyB.embedding, 0)).toBe(false);
    expect(closeEnough(undefined, copyA.embedding, 0, copyB.embedding, 0)).toBe(false);
    expect(collageOn(1)).toBe(true);
    expect(collageOn(1.01)).toBe(false);
    const cols = columnsFromFaces([copyA, copyB, stranger]);
    expect(sameFaceTwice(thresholdsFor(TEST_THRESHOLDS), cols.embeddings, cols.quality)).toBeUndefined();
    const twice = sameFaceTwice(thresholdsFor(ON), cols.embeddings, cols.quality)!;
    expect(twice(0, 1)).toBe(true);
    expect(twice(0, 2)).toBe(false);
    // a copy below qualityMin (0.5 here) is a blurred face: never the same face twice
    expect(sameFaceTwice(thresholdsFor(ON), cols.embeddings, [0.9, 0.3, 0.9])!(0, 1)).toBe(false);
  });

  it('is off for dlib and under a learned head', () => {
    expect(thresholdsFor('dlib-resnet-v1').collage).toBe(2);
    expect(effectiveThresholds(ON, { cluster: 0.95, assign: 0.95 }).collage).toBe(2);
    expect(effectiveThresholds(ON, null).collage).toBe(BAR);
  });

  it('re-cluster: off, the collage copies are two people (one of them in the album); on, both join the album and the stranger beside them does not', () => {
    const lib = library();
    const off = recluster({ model: TEST_THRESHOLDS, faces: lib.all }).assignment;
    const p0 = peopleOf(off, lib.own0);
    expect([off.get(lib.copyA.id), off.get(lib.copyB.id)].filter((p) => p === p0)).toHaveLength(1);

    const on = recluster({ model: ON, faces: lib.all }).assignment;
    const q0 = peopleOf(on, lib.own0);
    for (const f of [...lib.own0, lib.copyA, lib.copyB]) expect(on.get(f.id), `face ${f.id}`).toBe(q0);
    expect(on.get(lib.stranger.id)).not.toBe(q0);
    expect(on.get(lib.stranger.id)).toBe(peopleOf(on, lib.own1));
  });

  it('a scan (addFaces): the photo with the person twice puts both copies on the person only when on', () => {
    for (const [model, both] of [
      [OFF, false],
      [ON, true],
    ] as const) {
      const { lib, idx, p0 } = grown(model);
      idx.addFaces([lib.copyA, lib.copyB, lib.stranger]);
      const a = idx.assignment();
      const copies = [a.get(lib.copyA.id), a.get(lib.copyB.id)].filter((p) => p === p0).length;
      expect(copies, `collage ${model.collage ?? 'off'}`).toBe(both ? 2 : 1);
      expect(a.get(lib.stranger.id)).not.toBe(p0);
    }
  });

  it('two blurred faces of one photo (below qualityMin) never join one person, however close', () => {
    // the leftovers rule on: it places a low-quality face near an album
    const { lib, idx, p0 } = grown({ ...ON, leftover: 0.9, leftoverMinFaces: 3 });
    idx.addFaces([{ ...lib.copyA, quality: 0.3 }, { ...lib.copyB, quality: 0.3 }]);
    const a = idx.assignment();
    expect([a.get(lib.copyA.id), a.get(lib.copyB.id)].filter((p) => p === p0)).toHaveLength(1);
  });

  it('a user putting one copy on the person leaves the other copy there (on) / takes it off (off)', () => {
    for (const [model, stays] of [
      [OFF, false],
      [ON, true],
    ] as const) {
      const { lib, idx, p0 } = grown(model);
      idx.addFaces([lib.copyA]);
      expect(idx.assignment().get(lib.copyA.id)).toBe(p0);
      idx.addFaces([lib.copyB]);
      idx.userAssign(lib.copyB.id, p0);
      expect(idx.assignment().get(lib.copyB.id)).toBe(p0);
      expect(idx.assignment().get(lib.copyA.id) === p0, `collage ${model.collage ?? 'off'}`).toBe(stays);
    }
  });

  it('"Same person?" offers two people that share a photo only through the same face twice, and only when on', () => {
    const lib = library();
    // identity 0 cut in two: person 1 (own0 + copyA), person 2 (copyB); identity 1 is person 3
    const assignment = new Map<FaceId, PersonId>();
    for (const f of [...lib.own0, lib.copyA]) assignment.set(f.id, 1);
    assignment.set(lib.copyB.id, 2);
    for (const f of [...lib.own1, lib.stranger]) assignment.set(f.id, 3);
    const faces = columnsFromFaces(lib.all);
    const input = { faces, assignment, rejected: new Map(), qualityMin: 0.2, floor: -1 };
    const keys = (model?: ModelThresholds) => rankMergePairs({ ...input, twice: model && sameFaceTwice(thresholdsFor(model), faces.embeddings, faces.quality) }).map((p) => `${p.a}-${p.b}`);
    expect(keys()).not.toContain('1-2');
    expect(keys(TEST_THRESHOLDS)).not.toContain('1-2');
    expect(keys(ON)).toContain('1-2');
    // people 2 and 3 share photo 50 through two different faces: never offered
    expect(keys(ON)).not.toContain('2-3');
    expect(keys(ON)).not.toContain('1-3');
  });
});
