/**
 * The pool's lead (th.poolLead; docs/clustering.md "A face nearer its batch-mates than the person"):
 * when a scan adds a folder of one man's photos, one of them can reach another person's prototype
 * (lfw-dev: a photo of Wen Jiabao at 0.67 to one of Hu Jintao's) while it is far nearer the other
 * photos of its own folder. Joining by prototype first made it one of that person's prototypes and
 * his album's, and the rest of the folder followed through the album merge (13 faces of one man
 * into another's person). The face waits in the pool, where the pool clustering groups the folder.
 * With MobileFaceNet's thresholds as shipped.
 */
import { describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { quantizeUnit } from '../../app/people/synthetic';
import { effectiveThresholds, type ModelThresholds } from '../../app/people/thresholds';
import type { ClusterFace, FaceId, PersonId } from '../../app/people/types';
import { cosine } from '../../app/people/vector';
import { unitVectors } from '../helpers/unit-vectors';

const TH = effectiveThresholds('mobilefacenet-192', null, 'normal');

function world() {
  const { random, unit, toward } = unitVectors(5);
  let id = 1;
  const face = (v: Float64Array): ClusterFace => {
    const e = new Int8Array(v.length);
    quantizeUnit(v, e, 0);
    return { id, photoId: 100 + id++, embedding: e, quality: 0.9 };
  };
  const hu = random();
  const wen = toward(hu, 0.55);
  const huFaces = Array.from({ length: 8 }, () => face(toward(hu, 0.9)));
  // one of Wen's photos leans towards Hu: ~0.66-0.70 to Hu's faces, ~0.89 to Wen's others
  const leaning = face(unit(wen.map((x, i) => x + 0.35 * hu[i]!)));
  const wenFaces = [leaning, ...Array.from({ length: 6 }, () => face(toward(wen, 0.92)))];
  const huLater = Array.from({ length: 4 }, () => face(toward(hu, 0.9)));
  return { huFaces, wenFaces, leaning, huLater };
}

function personOf(a: ReadonlyMap<FaceId, PersonId | null>, f: ClusterFace): PersonId | null {
  return a.get(f.id) ?? null;
}

function scan(th: ModelThresholds) {
  const w = world();
  const idx = new PeopleIndex({ model: th });
  idx.addFaces(w.huFaces);
  const before = idx.decide(w.leaning);
  idx.addFaces(w.wenFaces);
  const afterWen = idx.assignment();
  idx.addFaces(w.huLater);
  return { w, before, afterWen, end: idx.assignment() };
}

describe('the pool\'s lead: a face nearer a pool face than the person it matches waits for the pool clustering', () => {
  it('the vectors are what the rule is about', () => {
    const { huFaces, wenFaces, leaning } = world();
    const toHu = Math.max(...huFaces.map((f) => cosine(leaning.embedding, f.embedding)));
    const toWen = Math.max(...wenFaces.slice(1).map((f) => cosine(leaning.embedding, f.embedding)));
    expect(toHu).toBeGreaterThanOrEqual(TH.assign);
    expect(toWen - toHu).toBeGreaterThanOrEqual(TH.poolLead!);
    for (const f of wenFaces.slice(1)) for (const h of huFaces) expect(cosine(f.embedding, h.embedding)).toBeLessThan(TH.assign);
    expect(TH.poolLead).toBe(0.15);
  });

  it('the leaning face joins its own folder\'s person, not the one its prototype match names; with the rule off it joins that one', () => {
    const on = scan(TH);
    const hu = personOf(on.afterWen, on.w.huFaces[0]!);
    expect(hu).not.toBeNull();
    expect(on.before.personId).toBe(hu); // by prototype alone it would join Hu
    const wen = personOf(on.afterWen, on.w.wenFaces[1]!);
    expect(wen).not.toBeNull();
    expect(wen).not.toBe(hu);
    expect(on.w.wenFaces.map((f) => personOf(on.afterWen, f))).toEqual(on.w.wenFaces.map(() => wen));

    const off = scan({ ...TH, poolLead: 2 });
    expect(personOf(off.afterWen, off.w.leaning)).toBe(personOf(off.afterWen, off.w.huFaces[0]!));
  });

  it('a person\'s own new photos, near each other and near the person alike, still join it on arrival', () => {
    const { w, end } = scan(TH);
    const hu = personOf(end, w.huFaces[0]!);
    expect(w.huLater.map((f) => personOf(end, f))).toEqual(w.huLater.map(() => hu));
  });
});
