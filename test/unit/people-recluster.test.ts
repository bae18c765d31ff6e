import { TEST_THRESHOLDS } from './people-helpers';
import { describe, expect, it } from 'vitest';
import { clusterMetrics } from '../../app/people/metrics';
import { recluster } from '../../app/people/recluster';
import { rng, synthesize } from '../../app/people/synthetic';
import type { FaceId, PersonId } from '../../app/people/types';
import { DIM } from '../../app/people/vector';
import { expectConstraints, majorityPerson, partitionLabels } from './people-helpers';

const MODEL = TEST_THRESHOLDS;

describe('full re-cluster', () => {
  const set = synthesize({ faces: 1500, identities: 60, seed: 21 });
  const photoOf = new Map(Array.from(set.ids, (id, i) => [id, set.photoIds[i]!]));
  const first = recluster({ model: MODEL, faces: set });

  it('clusters synthetic faces well and keeps the same-photo rule', () => {
    const m = clusterMetrics(set.truth, partitionLabels(set.ids, first.assignment));
    expect(m.bcubedPrecision).toBeGreaterThan(0.97);
    expect(m.bcubedF1).toBeGreaterThan(0.85);
    expectConstraints(first.assignment, photoOf, { assigned: new Map(), rejected: new Map() });
  });

  it('is deterministic and independent of the input order', () => {
    const perm = Array.from({ length: set.n }, (_, i) => i);
    const r = rng(5);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const shuffled = {
      n: set.n,
      ids: perm.map((i) => set.ids[i]!),
      photoIds: perm.map((i) => set.photoIds[i]!),
      quality: perm.map((i) => set.quality[i]!),
      embeddings: new Int8Array(set.n * DIM),
    };
    perm.forEach((src, dst) => shuffled.embeddings.set(set.embeddings.subarray(src * DIM, (src + 1) * DIM), dst * DIM));
    const again = recluster({ model: MODEL, faces: shuffled });
    expect([...again.assignment].sort((a, b) => a[0] - b[0])).toEqual([...first.assignment].sort((a, b) => a[0] - b[0]));
  });

  it('reproduces every user decision after a model change, and keeps ids and names', () => {
    const byId = majorityPerson(set.ids, set.truth, first.assignment);
    const facesOfIdentity = (t: number) => Array.from(set.ids).filter((_, i) => set.truth[i] === t && !set.low[i]);
    const [t0, t1, t2, t3] = [...byId.keys()].sort((a, b) => a - b);
    const anna = byId.get(t0!)!, bob = byId.get(t1!)!, carl = byId.get(t2!)!;
    const assigned = new Map<FaceId, PersonId>();
    // Bob's faces confirmed; one of Carl's faces put on Bob by the user (the user is always right)
    for (const f of facesOfIdentity(t1!).slice(0, 3)) assigned.set(f, bob);
    const carlFaceOnBob = facesOfIdentity(t2!)[0]!;
    assigned.set(carlFaceOnBob, bob);
    // split: two of Anna's faces made into a new person 5000 by the user
    const split = facesOfIdentity(t0!).slice(0, 2);
    for (const f of split) assigned.set(f, 5000);
    // rejections: a face of identity t3 is "not" its person
    const dana = byId.get(t3!)!;
    const rejectedFace = facesOfIdentity(t3!)[1]!;
    const rejected = new Map([[rejectedFace, new Set([dana])]]);
    const persons = [
      { id: anna, name: 'Anna', userNamed: true }, // named, no face confirmed
      { id: bob, name: 'Bob', userNamed: true },
      { id: 5000, name: 'Anna (young)', userNamed: true },
      { id: 7777, name: 'Empty but named', userNamed: true },
    ];
    // "model change": every embedding perturbed
    const r = rng(77);
    const changed = { ...set, embeddings: set.embeddings.map((x) => Math.max(-127, Math.min(127, x + Math.round((r() - 0.5) * 6)))) };
    const res = recluster({ model: MODEL, faces: changed, persons, decisions: { assigned, rejected }, previous: first.assignment });
    const a = res.assignment;
    expectConstraints(a, photoOf, { assigned, rejected });
    expect(a.get(carlFaceOnBob)).toBe(bob);
    expect(a.get(rejectedFace)).not.toBe(dana);
    for (const f of split) expect(a.get(f)).toBe(5000);
    // named people survive with id and name, even empty
    const out = new Map(res.persons.map((p) => [p.id, p]));
    expect(out.get(7777)?.name).toBe('Empty but named');
    expect(out.get(anna)?.name).toBe('Anna');
    expect(out.get(bob)?.name).toBe('Bob');
    // Anna (named, no confirmed face) is found again: most of identity t0 is on her id
    const annaNow = facesOfIdentity(t0!).filter((f) => !split.includes(f));
    expect(annaNow.filter((f) => a.get(f) === anna).length / annaNow.length).toBeGreaterThan(0.8);
    expect(carl).not.toBe(bob);
    // machine people keep their ids (majority person of each identity unchanged)
    const after = majorityPerson(set.ids, set.truth, a);
    let same = 0;
    for (const [t, p] of byId) if (t !== t0 && after.get(t) === p) same++;
    expect(same / (byId.size - 1)).toBeGreaterThan(0.9);
    // and the index handed back keeps the decisions for incremental work
    expect(res.index.isUserAssigned(carlFaceOnBob)).toBe(true);
    expect(res.index.decisions().rejected.get(rejectedFace)?.has(dana)).toBe(true);
  });
});
