/**
 * A young library (th.leftoverSeedMinPeople; docs/clustering.md "A young library"): the
 * seed-quality leftovers rule lets a sharp face join the album it is clearly nearest to, "clearly"
 * meaning ahead of the runner-up's album. In a library of one person there is no runner-up, and
 * on MobileFaceNet's scale a stranger's mean cosine to a small album reaches the rule's bar (a
 * first scan of vn-celebs put one man into another's 3-face person that way, and the two people
 * later became one). Such a face waits in the pool and is judged again once the library has more
 * people. With MobileFaceNet's thresholds as shipped.
 */
import { describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { effectiveThresholds, type ModelThresholds } from '../../app/people/thresholds';
import type { ClusterFace } from '../../app/people/types';
import { quantizeUnit } from '../../app/people/synthetic';
import { cosine } from '../../app/people/vector';
import { unitVectors } from '../helpers/unit-vectors';

const TH = effectiveThresholds('mobilefacenet-192', null, 'normal');

function world() {
  const { random, toward } = unitVectors(11);
  let id = 1;
  const face = (v: Float64Array, quality = 0.9): ClusterFace => {
    const e = new Int8Array(v.length);
    quantizeUnit(v, e, 0);
    return { id: id, photoId: 100 + id++, embedding: e, quality };
  };
  const a = random(), b = random();
  // one person's three photos (pairwise cosine ~0.8, over `cluster`), and a sharp face of a
  // stranger at ~0.54 to each of them: under `assign` and `cluster`, over `leftoverSeed` and
  // `leftoverSeedNearest`
  const annA = [0, 1, 2].map(() => face(toward(a, 0.9)));
  const stranger = face(toward(a, 0.6));
  const bob = [0, 1, 2].map(() => face(toward(b, 0.9)));
  const annLater = face(toward(a, 0.6));
  return { annA, stranger, bob, annLater };
}

function run(th: ModelThresholds) {
  const w = world();
  const idx = new PeopleIndex({ model: th });
  idx.addFaces([...w.annA, w.stranger]);
  const young = idx.assignment();
  idx.addFaces(w.bob);
  idx.addFaces([w.annLater]);
  return { w, young, grown: idx.assignment() };
}

describe('a young library: the seed-quality leftovers rule needs a runner-up to rank against', () => {
  it('the vectors are what the rule is about', () => {
    const w = world();
    const toAnn = w.annA.map((f) => cosine(w.stranger.embedding, f.embedding));
    for (const c of toAnn) {
      expect(c).toBeLessThan(Math.min(TH.assign, TH.cluster));
      expect(c).toBeGreaterThan(Math.max(TH.leftoverSeed!, TH.leftoverSeedNearest!));
    }
    expect(TH.leftoverSeedMinPeople).toBe(2);
  });

  it('in a library of one person a sharp stranger stays unassigned; with the rule as it was (1 person enough) he joins', () => {
    const shipped = run(TH);
    const annP = shipped.young.get(shipped.w.annA[0]!.id);
    expect(annP).not.toBeNull();
    expect(shipped.w.annA.map((f) => shipped.young.get(f.id))).toEqual([annP, annP, annP]);
    expect(shipped.young.get(shipped.w.stranger.id)).toBeNull();

    const before = run({ ...TH, leftoverSeedMinPeople: 1 });
    expect(before.young.get(before.w.stranger.id)).toBe(before.young.get(before.w.annA[0]!.id));
  });

  it('once a second person exists, the face that waited is judged again, and a new face as far from the album joins it: the runner-up\'s album is far behind', () => {
    const { w, grown } = run(TH);
    const annP = grown.get(w.annA[0]!.id)!;
    const bobP = grown.get(w.bob[0]!.id)!;
    expect(bobP).not.toBeNull();
    expect(bobP).not.toBe(annP);
    expect(grown.get(w.annLater.id)).toBe(annP);
    // Bob's album is far from it, so the rule's usual judgement takes it to Ann's person (a member
    // would be taken the same way: the rule waits for a runner-up, it does not know more)
    expect(grown.get(w.stranger.id)).toBe(annP);
  });
});
