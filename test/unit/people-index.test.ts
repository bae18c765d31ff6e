import { TEST_THRESHOLDS } from './people-helpers';
import { describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { recluster } from '../../app/people/recluster';
import { MODEL_THRESHOLDS, thresholdsFor } from '../../app/people/thresholds';
import type { ClusterFace } from '../../app/people/types';
import { expectConstraints, faceFactory } from './people-helpers';

const MODEL = TEST_THRESHOLDS;
let photo = 1;

function newIndex(minClusterSize = 3) {
  return new PeopleIndex({ model: MODEL, overrides: { minClusterSize } });
}

describe('thresholds table', () => {
  it('is per model, documented, and refuses unknown models', () => {
    for (const th of Object.values(MODEL_THRESHOLDS)) {
      // A clustering threshold is stricter than the verification threshold (docs/clustering.md).
      expect(th.cluster).toBeGreaterThan(th.verify);
      expect(th.assign).toBeGreaterThanOrEqual(th.verify);
      expect(th.qualityMin).toBeGreaterThan(0);
    }
    expect(thresholdsFor('dlib-resnet-v1').modelId).toBe('dlib-resnet-v1');
    expect(() => thresholdsFor('no-such-model')).toThrow(/no clustering thresholds/);
    expect(thresholdsFor('dlib-resnet-v1', { minClusterSize: 4 }).minClusterSize).toBe(4);
  });
});

describe('PeopleIndex: pool and seeding', () => {
  it('creates a person only once a group reaches minClusterSize', () => {
    const face = faceFactory(3, 2);
    const idx = newIndex(3);
    const a1 = face(0, photo++), a2 = face(0, photo++);
    let ch = idx.addFaces([a1, a2, face(1, photo++)]);
    expect(ch.created).toEqual([]);
    expect(idx.pool()).toHaveLength(3);
    ch = idx.addFaces([face(0, photo++)]);
    expect(ch.created).toHaveLength(1);
    const p = ch.created[0]!;
    expect(idx.facesOf(p)).toEqual([a1.id, a2.id, 4]);
    expect(idx.personOf(3)).toBeNull(); // the identity-1 face stays unassigned
    // the next face of identity 0 is assigned directly
    const a4 = face(0, photo++);
    ch = idx.addFaces([a4]);
    expect(ch.moves).toEqual([{ faceId: a4.id, from: null, to: p }]);
  });

  it('never seeds a person with low-quality faces, but lets them join one', () => {
    const face = faceFactory(2, 3);
    const idx = newIndex(3);
    const low: ClusterFace[] = [];
    for (let i = 0; i < 6; i++) low.push(face(0, photo++, 0.2, 0.6));
    let ch = idx.addFaces(low);
    expect(ch.created).toEqual([]);
    expect(idx.pool()).toHaveLength(6);
    ch = idx.addFaces([face(0, photo++), face(0, photo++), face(0, photo++)]);
    expect(ch.created).toHaveLength(1);
    const p = ch.created[0]!;
    // the low-quality faces were pulled out of the pool into the new person
    for (const f of low) expect(idx.personOf(f.id)).toBe(p);
  });

  it('keeps faces of one photo apart, even when they look alike', () => {
    const face = faceFactory(2, 4);
    const idx = newIndex(2);
    const faces: ClusterFace[] = [];
    // identity 0 appears twice in every photo (twins / a mirror), three photos
    for (let k = 0; k < 3; k++) {
      const ph = photo++;
      faces.push(face(0, ph), face(0, ph));
    }
    idx.addFaces(faces);
    const a = idx.assignment();
    expectConstraints(a, new Map(faces.map((f) => [f.id, f.photoId])), idx.decisions());
    const people = new Set([...a.values()].filter((p) => p !== null));
    expect(people.size).toBeGreaterThanOrEqual(2); // they had to split
    // a new face in an existing photo never joins a person already present in that photo: both of
    // identity 0's people are in faces[0]'s photo, so a third look-alike there stays unassigned
    const pa = idx.personOf(faces[0]!.id), pb = idx.personOf(faces[1]!.id);
    expect(pa).not.toBeNull();
    expect(pb).not.toBeNull();
    expect(pa).not.toBe(pb);
    expect(new Set([pa, pb])).toEqual(people);
    // (the same look-alike in a photo of its own joins one of them)...
    const alone = face(0, photo++);
    idx.addFaces([alone]);
    expect([pa, pb]).toContain(idx.personOf(alone.id));
    const extra = face(0, faces[0]!.photoId);
    idx.addFaces([extra]);
    expect(idx.personOf(extra.id)).toBeNull();
  });
});

describe('PeopleIndex: user decisions', () => {
  function world() {
    const face = faceFactory(3, 5);
    const idx = newIndex(3);
    const faces: ClusterFace[] = [];
    for (let i = 0; i < 8; i++) faces.push(face(0, photo++), face(1, photo++));
    idx.addFaces(faces);
    const pA = idx.personOf(faces[0]!.id)!, pB = idx.personOf(faces[1]!.id)!;
    expect(pA).not.toBeNull();
    expect(pB).not.toBeNull();
    expect(pA).not.toBe(pB);
    return { face, idx, faces, pA, pB };
  }

  it('a user-assigned face is never moved by the machine', () => {
    const { face, idx, faces, pA, pB } = world();
    const wrong = faces[2]!; // identity 0, user says it is B
    const ch = idx.userAssign(wrong.id, pB);
    expect(ch.moves).toContainEqual({ faceId: wrong.id, from: pA, to: pB });
    expect(idx.isUserAssigned(wrong.id)).toBe(true);
    const more: ClusterFace[] = [];
    for (let i = 0; i < 20; i++) more.push(face(i % 2, photo++));
    idx.addFaces(more);
    idx.clusterPool();
    expect(idx.personOf(wrong.id)).toBe(pB);
    // a confirmed face in the same photo evicts the machine's face from that person
    const ph = photo++;
    const m = face(1, ph), u = face(1, ph);
    idx.addFaces([m]);
    expect(idx.personOf(m.id)).toBe(pB);
    idx.addFaces([u]);
    idx.userAssign(u.id, pB);
    expect(idx.personOf(u.id)).toBe(pB);
    expect(idx.personOf(m.id)).not.toBe(pB);
  });

  it('"not this person" is permanent', () => {
    const { face, idx, faces, pA } = world();
    const f = faces[4]!;
    expect(idx.personOf(f.id)).toBe(pA);
    const ch = idx.reject(f.id, pA);
    expect(ch.moves).toContainEqual({ faceId: f.id, from: pA, to: null });
    for (let round = 0; round < 3; round++) {
      const more: ClusterFace[] = [];
      for (let i = 0; i < 10; i++) more.push(face(0, photo++));
      idx.addFaces(more);
      expect(idx.personOf(f.id)).not.toBe(pA);
    }
    expect(idx.suggestPeople(f.id).map((s) => s.personId)).not.toContain(pA);
    expect(idx.suggestFaces(pA).map((s) => s.faceId)).not.toContain(f.id);
    // undo of the rejection makes it eligible again
    idx.unreject(f.id, pA);
    expect(idx.decide(f.id).personId).toBe(pA);
  });

  it('merge moves all faces and keeps user flags; removeFace forgets a face', () => {
    const { idx, faces, pA, pB } = world();
    idx.userAssign(faces[1]!.id, pB);
    const ch = idx.mergePersons(pA, pB);
    expect(ch.emptied).toContain(pB);
    expect(idx.facesOf(pB)).toEqual([]);
    expect(idx.facesOf(pA)).toHaveLength(16);
    expect(idx.isUserAssigned(faces[1]!.id)).toBe(true);
    idx.removeFace(faces[0]!.id);
    expect(idx.facesOf(pA)).toHaveLength(15);
    expect(() => idx.personOf(faces[0]!.id)).toThrow(/unknown face/);
  });
});

describe('PeopleIndex: suggestions', () => {
  it('ranks people for an unassigned face and unassigned faces for a person', () => {
    const face = faceFactory(4, 6);
    const idx = newIndex(3);
    const faces: ClusterFace[] = [];
    for (let i = 0; i < 6; i++) for (let id = 0; id < 3; id++) faces.push(face(id, photo++));
    idx.addFaces(faces);
    const people = [0, 1, 2].map((id) => idx.personOf(faces[id]!.id)!);
    expect(new Set(people).size).toBe(3);
    // blurred faces of identity 1: too far to be assigned, close enough to be suggested
    const blurred = [face(1, photo++, 0.3, 1.8), face(1, photo++, 0.3, 1.8), face(3, photo++, 0.3, 1.8)];
    idx.addFaces(blurred);
    const unassigned = blurred.filter((b) => idx.personOf(b.id) === null);
    expect(unassigned.length).toBeGreaterThan(0);
    for (const b of unassigned.filter((x) => x.id !== blurred[2]!.id)) {
      const s = idx.suggestPeople(b.id, 3);
      expect(s[0]!.personId).toBe(people[1]);
      expect(s.map((x) => x.score)).toEqual([...s.map((x) => x.score)].sort((x, y) => y - x));
    }
    const sf = idx.suggestFaces(people[1]!, 10);
    const ids = sf.map((x) => x.faceId);
    for (const b of unassigned.filter((x) => x.id !== blurred[2]!.id)) expect(ids).toContain(b.id);
    expect(sf.map((x) => x.score)).toEqual([...sf.map((x) => x.score)].sort((x, y) => y - x));
    // a face of somebody unknown is not offered to person 1 ahead of person 1's own faces
    if (ids.includes(blurred[2]!.id)) expect(ids.indexOf(blurred[2]!.id)).toBe(ids.length - 1);
  });
});

describe('PeopleIndex: prototypes of named people', () => {
  it('keeps up to namedPrototypes for a person the user named, prototypes for the others', () => {
    const face = faceFactory(2, 11);
    const idx = new PeopleIndex({ model: MODEL, overrides: { minClusterSize: 2, prototypes: 3, namedPrototypes: 8 } });
    const faces: ClusterFace[] = [];
    for (let i = 0; i < 30; i++) faces.push(face(i % 2, photo++));
    const ch = idx.addFaces(faces);
    expect(ch.created).toHaveLength(2);
    const [anna, bob] = ch.created as [number, number];
    expect(idx.prototypesOf(anna)).toHaveLength(3);
    expect(idx.prototypesOf(bob)).toHaveLength(3);
    // Naming Anna gives her more prototypes at once; Bob keeps his.
    idx.addPerson({ id: anna, name: 'Anna', userNamed: true });
    expect(idx.prototypesOf(anna)).toHaveLength(8);
    expect(new Set(idx.prototypesOf(anna)).size).toBe(8);
    for (const f of idx.prototypesOf(anna)) expect(idx.personOf(f)).toBe(anna);
    expect(idx.prototypesOf(bob)).toHaveLength(3);
    // Un-naming (undo) goes back to the common count.
    idx.addPerson({ id: anna, userNamed: false });
    expect(idx.prototypesOf(anna)).toHaveLength(3);
  });

  it('never lets a named person keep fewer prototypes than the others', () => {
    expect(thresholdsFor('dlib-resnet-v1', { prototypes: 12 }).namedPrototypes).toBe(12);
    expect(thresholdsFor('dlib-resnet-v1').namedPrototypes).toBeGreaterThanOrEqual(thresholdsFor('dlib-resnet-v1').prototypes);
  });
});

/** An int8 face vector with the given components (axis, value in -1..1) and zeros elsewhere. */
function v(parts: [number, number][]): Int8Array {
  const e = new Int8Array(128);
  for (const [axis, x] of parts) e[axis] = Math.round(127 * x);
  return e;
}

describe('PeopleIndex: the album rule for named people', () => {
  // An album of faces a.e0 + b.e_i (pairwise cosine ~0.97) and a query q = a'.e0 + b'.e_20 whose
  // cosine to every album face, and so its mean over the album, is ~0.937: below `assign` (0.94),
  // above the album bar (0.93). Int8 vectors, as stored.
  const unit = (a: number, axis: number) => v([[0, a], [axis, Math.sqrt(1 - a * a)]]);
  let nextPhoto = 50_000;
  const albumFaces = (n: number, firstId: number): ClusterFace[] =>
    Array.from({ length: n }, (_, i) => ({ id: firstId + i, photoId: nextPhoto++, embedding: unit(0.985, 1 + i), quality: 0.9 }));
  const query = (id: number): ClusterFace => ({ id, photoId: nextPhoto++, embedding: unit(0.9505, 20), quality: 0.9 });
  const indexWith = (faces: ClusterFace[], userNamed: boolean, album = 0.93) => {
    const idx = new PeopleIndex({ model: MODEL, overrides: { album, albumMinFaces: 5 } });
    idx.load({ persons: [{ id: 1, name: userNamed ? 'Anna' : null, userNamed }], faces, assignment: new Map(faces.map((f) => [f.id, 1])) });
    return idx;
  };

  it('lets a face no prototype takes join a named person whose album it matches', () => {
    const idx = indexWith(albumFaces(6, 1), true);
    const q = query(100);
    const d = idx.decide(q);
    expect(d.score).toBeGreaterThan(0.93);
    expect(d.score).toBeLessThan(MODEL.assign);
    expect(d).toMatchObject({ personId: 1, reason: 'album' });
    idx.addFaces([q]);
    expect(idx.personOf(q.id)).toBe(1);
  });

  it('leaves it unassigned for a machine person, a small album, or with the rule off', () => {
    for (const idx of [indexWith(albumFaces(6, 1), false), indexWith(albumFaces(4, 1), true), indexWith(albumFaces(6, 1), true, 1)]) {
      const q = query(100);
      expect(idx.decide(q)).toMatchObject({ personId: null, reason: 'below-threshold' });
      idx.addFaces([q]);
      expect(idx.personOf(q.id)).toBeNull();
    }
  });

  it('needs the named person to be the nearest by prototype too', () => {
    // Two machine people much nearer to q than Anna's faces, too alike to choose between (ambiguous):
    // the album must not settle that for Anna.
    const idx = indexWith(albumFaces(6, 1), true);
    const q = query(100);
    const near = (id: number, axis: number): ClusterFace => {
      const e = Int8Array.from(q.embedding);
      e[axis] = 12;
      return { id, photoId: nextPhoto++, embedding: e, quality: 0.9 };
    };
    idx.load({ persons: [{ id: 2 }, { id: 3 }], faces: [near(200, 30), near(201, 31)], assignment: new Map([[200, 2], [201, 3]]) });
    const d = idx.decide(q);
    expect(d.score).toBeGreaterThan(0.98);
    expect(d).toMatchObject({ personId: null, reason: 'ambiguous' });
  });

  it('sweeps the pool when a named person grows to an album', () => {
    const faces = albumFaces(5, 1);
    const idx = indexWith(faces.slice(0, 4), true);
    const q = query(100);
    idx.addFaces([q]);
    expect(idx.personOf(q.id)).toBeNull(); // 4 faces: no album yet
    idx.addFaces([faces[4]!]); // the fifth face joins by prototype, Anna's album forms and takes q
    expect(idx.personOf(faces[4]!.id)).toBe(1);
    expect(idx.personOf(q.id)).toBe(1);
  });
});

describe('PeopleIndex: the album check on prototype decisions', () => {
  // Anna's album: faces a.e0 + b.e_i (pairwise ~0.97). Bea's album: five faces around e50 and one
  // odd face right next to q. q's nearest prototype is Bea's odd face (~0.99); its mean over Anna's
  // album is ~0.94, over Bea's ~0.17.
  let nextPhoto = 60_000;
  const unit = (a: number, axis: number) => v([[0, a], [axis, Math.sqrt(1 - a * a)]]);
  const q: ClusterFace = { id: 100, photoId: nextPhoto++, embedding: unit(0.9505, 20), quality: 0.9 };
  const anna = Array.from({ length: 6 }, (_, i): ClusterFace => ({ id: 1 + i, photoId: nextPhoto++, embedding: unit(0.985, 1 + i), quality: 0.9 }));
  const bea = [
    ...Array.from({ length: 5 }, (_, i): ClusterFace => ({ id: 11 + i, photoId: nextPhoto++, embedding: v([[50, 0.985], [51 + i, 0.1726]]), quality: 0.9 })),
    { id: 16, photoId: nextPhoto++, embedding: v([[0, 0.9505], [20, 0.3], [21, 0.08]]), quality: 0.9 },
  ];
  const indexWith = (albumCheck: boolean, beaNamed = true) => {
    const idx = new PeopleIndex({ model: MODEL, overrides: { album: 0.93, albumMinFaces: 5, albumCheck } });
    idx.load({
      persons: [{ id: 1, name: 'Anna', userNamed: true }, { id: 2, name: beaNamed ? 'Bea' : null, userNamed: beaNamed }],
      faces: [...anna, ...bea],
      assignment: new Map([...anna.map((f): [number, number] => [f.id, 1]), ...bea.map((f): [number, number] => [f.id, 2])]),
    });
    return idx;
  };

  it('a named person whose prototype is nearest does not take a face another named person\'s album is closer to', () => {
    const off = indexWith(false).decide(q);
    expect(off).toMatchObject({ personId: 2, reason: 'assigned' });
    expect(off.score).toBeGreaterThan(0.98);
    const idx = indexWith(true);
    // nor does Anna: her prototypes are not within the margin of the nearest
    expect(idx.decide(q)).toMatchObject({ personId: null, reason: 'ambiguous' });
    idx.addFaces([q]);
    expect(idx.personOf(q.id)).toBeNull();
  });

  it('leaves prototype decisions for machine people as they are', () => {
    expect(indexWith(true, false).decide(q)).toMatchObject({ personId: 2, reason: 'assigned' });
  });

  it('is on for the default model', () => {
    expect(thresholdsFor('dlib-resnet-v1').albumCheck).toBe(true);
  });
});

describe('PeopleIndex: the album rule for groups', () => {
  // Anna's album: faces a.e0 + b.e_i (pairwise ~0.97). A group of two faces near each other
  // (~0.995) whose cosine to each of Anna's faces is ~0.936: no face of it reaches `assign` (0.94),
  // the group's mean to her album reaches albumGroup (0.93).
  let nextPhoto = 70_000;
  const anna = (n: number): ClusterFace[] =>
    Array.from({ length: n }, (_, i) => ({ id: 1 + i, photoId: nextPhoto++, embedding: v([[0, 0.985], [1 + i, 0.1726]]), quality: 0.9 }));
  const group = (): ClusterFace[] => [
    { id: 100, photoId: nextPhoto++, embedding: v([[0, 0.9505], [20, 0.3107]]), quality: 0.9 },
    { id: 101, photoId: nextPhoto++, embedding: v([[0, 0.9505], [20, 0.3], [21, 0.08]]), quality: 0.9 },
  ];
  const indexWith = (userNamed: boolean, albumGroup = 0.93) => {
    const idx = new PeopleIndex({ model: MODEL, overrides: { minClusterSize: 2, album: 1, albumGroup, albumMinFaces: 5 } });
    const faces = anna(6);
    idx.load({ persons: [{ id: 1, name: userNamed ? 'Anna' : null, userNamed }], faces, assignment: new Map(faces.map((f) => [f.id, 1])) });
    return idx;
  };

  it('a new group of pool faces joins the named person whose album it matches', () => {
    const idx = indexWith(true);
    const g = group();
    for (const f of g) expect(idx.decide(f).personId).toBeNull(); // no face alone gets in
    const ch = idx.addFaces(g);
    expect(ch.created).toEqual([]);
    expect(g.map((f) => idx.personOf(f.id))).toEqual([1, 1]);
  });

  it('becomes a person of its own next to a machine person, with the rule off, or when a face rejected her', () => {
    for (const idx of [indexWith(false), indexWith(true, 1)]) {
      const ch = idx.addFaces(group());
      expect(ch.created).toHaveLength(1);
      expect(idx.personOf(100)).toBe(ch.created[0]);
    }
    const idx = indexWith(true);
    const g = group();
    idx.addFaces([g[0]!]);
    idx.reject(100, 1);
    const ch = idx.addFaces([g[1]!]);
    expect(ch.created).toHaveLength(1);
    expect(idx.personOf(100)).toBe(ch.created[0]);
    expect(idx.personOf(101)).toBe(ch.created[0]);
  });

  it('a full re-cluster folds a free cluster into the named person the same way', () => {
    const faces = [...anna(6), ...group()];
    const res = recluster({
      model: MODEL,
      overrides: { minClusterSize: 2, album: 1, albumGroup: 0.93, albumMinFaces: 5 },
      faces,
      persons: [{ id: 1, name: 'Anna', userNamed: true }],
      decisions: { assigned: new Map(faces.slice(0, 6).map((f) => [f.id, 1])), rejected: new Map() },
    });
    expect(res.assignment.get(100)).toBe(1);
    expect(res.assignment.get(101)).toBe(1);
    expect(res.created).toEqual([]);
    // with the rule off the group is a person of its own
    const off = recluster({
      model: MODEL,
      overrides: { minClusterSize: 2, album: 1, albumGroup: 1 },
      faces,
      persons: [{ id: 1, name: 'Anna', userNamed: true }],
      decisions: { assigned: new Map(faces.slice(0, 6).map((f) => [f.id, 1])), rejected: new Map() },
    });
    expect(off.assignment.get(100)).not.toBe(1);
    expect(off.assignment.get(100)).toBe(off.assignment.get(101));
  });
});

describe('PeopleIndex: "Is this Anna?" suggestions', () => {
  let nextPhoto = 80_000;
  // Anna's album: 0.985 e0 + 0.1726 e_i. t: ~0.926 to every one of her faces (a face of hers in a
  // cap); s: ~0.936 to her face 1 but ~0.867 to the others (a stranger who looks like one photo).
  const build = (albumOn: boolean) => {
    const idx = new PeopleIndex({ model: MODEL, overrides: { namedPrototypes: 10, album: albumOn ? 0.94 : 1, albumGroup: 1, albumMinFaces: 5 } });
    const faces: ClusterFace[] = Array.from({ length: 6 }, (_, i) => ({ id: 1 + i, photoId: nextPhoto++, embedding: v([[0, 0.985], [1 + i, 0.1726]]), quality: 0.9 }));
    idx.load({ persons: [{ id: 1, name: 'Anna', userNamed: true }], faces, assignment: new Map(faces.map((f) => [f.id, 1])) });
    const t: ClusterFace = { id: 100, photoId: nextPhoto++, embedding: v([[0, 0.94], [30, 0.3412]]), quality: 0.9 };
    const s: ClusterFace = { id: 101, photoId: nextPhoto++, embedding: v([[0, 0.88], [1, 0.4], [40, 0.256]]), quality: 0.9 };
    idx.addFaces([t, s]);
    return idx;
  };

  it('ranks a named person\'s candidates by their mean cosine to the album, not by the nearest face', () => {
    const on = build(true);
    expect(on.personOf(100)).toBeNull();
    expect(on.personOf(101)).toBeNull();
    const sOn = on.suggestFaces(1, 10);
    expect(sOn.map((x) => x.faceId)).toEqual([100, 101]);
    // the score shown stays the nearest prototype's cosine
    expect(sOn[1]!.score).toBeGreaterThan(sOn[0]!.score);
    // without an album the nearest prototype orders them
    expect(build(false).suggestFaces(1, 10).map((x) => x.faceId)).toEqual([101, 100]);
  });
});
