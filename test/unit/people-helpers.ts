import { expect } from 'vitest';
import type { PeopleIndex } from '../../app/people/people-index';
import { makeCentres, quantizeUnit, rng } from '../../app/people/synthetic';
import type { ClusterFace, FaceId, PersonId, UserDecisions } from '../../app/people/types';
import { DIM } from '../../app/people/vector';

/** Hand-made faces around a few identity centres (cosine between faces of one identity ~0.95). */
export function faceFactory(identities: number, seed = 1) {
  const centres = makeCentres(identities, seed, 0.8, 0);
  const r = rng(seed + 99);
  const g = () => {
    let u = 0;
    while (u === 0) u = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
  const sigma = Math.sqrt((1 / 0.95 - 1) / DIM);
  let nextId = 1;
  return (identity: number, photoId: number, quality = 0.9, noise = 1): ClusterFace => {
    const x = new Float64Array(DIM);
    for (let d = 0; d < DIM; d++) x[d] = centres[identity * DIM + d]! + noise * sigma * g();
    const e = new Int8Array(DIM);
    quantizeUnit(x, e, 0);
    return { id: nextId++, photoId, embedding: e, quality };
  };
}

/** Asserts the constraints on an assignment. */
export function expectConstraints(
  assignment: ReadonlyMap<FaceId, PersonId | null>,
  photoOf: ReadonlyMap<FaceId, number>,
  decisions: UserDecisions,
): void {
  const seen = new Map<string, FaceId>();
  for (const [face, person] of assignment) {
    if (person === null) continue;
    const key = `${photoOf.get(face)}:${person}`;
    const other = seen.get(key);
    // two faces of one photo on one person only when the user put both there
    if (other !== undefined && !(decisions.assigned.get(face) === person && decisions.assigned.get(other) === person)) {
      throw new Error(`faces ${other} and ${face} of photo ${photoOf.get(face)} share person ${person}`);
    }
    seen.set(key, face);
    expect(decisions.rejected.get(face)?.has(person) ?? false, `face ${face} rejected person ${person}`).toBe(false);
  }
  for (const [face, person] of decisions.assigned) expect(assignment.get(face), `user face ${face}`).toBe(person);
}

export function partitionLabels(ids: ArrayLike<number>, a: ReadonlyMap<FaceId, PersonId | null>): (string | null)[] {
  return Array.from(ids, (id) => {
    const p = a.get(id);
    return p === null || p === undefined ? null : String(p);
  });
}

/** The partition as ground truth: unassigned faces are their own singletons. */
export function partitionAsTruth(ids: ArrayLike<number>, a: ReadonlyMap<FaceId, PersonId | null>): string[] {
  return Array.from(ids, (id) => {
    const p = a.get(id);
    return p === null || p === undefined ? `u${id}` : `p${p}`;
  });
}

/** Majority person of each identity. */
export function majorityPerson(ids: ArrayLike<number>, truth: ArrayLike<number>, a: ReadonlyMap<FaceId, PersonId | null>): Map<number, PersonId> {
  const counts = new Map<number, Map<PersonId, number>>();
  for (let i = 0; i < ids.length; i++) {
    const p = a.get(ids[i]!);
    if (p === null || p === undefined) continue;
    const c = counts.get(truth[i]!) ?? new Map<PersonId, number>();
    c.set(p, (c.get(p) ?? 0) + 1);
    counts.set(truth[i]!, c);
  }
  const out = new Map<number, PersonId>();
  for (const [t, c] of counts) out.set(t, [...c].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0]![0]);
  return out;
}

export function snapshotIndex(index: PeopleIndex) {
  return { assignment: index.assignment(), decisions: index.decisions() };
}

/**
 * Fixed thresholds for the synthetic unit tests (the synthetic data was designed around them), so
 * that calibrating the real model's table (app/people/thresholds.ts) does not change these tests.
 */
export const TEST_THRESHOLDS = Object.freeze({
  modelId: 'dlib-resnet-v1',
  verify: 0.92,
  cluster: 0.94,
  assign: 0.94,
  margin: 0.01,
  suggest: 0.88,
  minClusterSize: 2,
  qualityMin: 0.5,
  prototypes: 5,
  namedPrototypes: 5,
  knn: 24,
  // the album rule off: tests of it turn it on
  album: 1,
  albumMinFaces: 5,
  albumGroup: 1,
  albumCheck: false,
});
