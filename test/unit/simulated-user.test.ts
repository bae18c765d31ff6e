/**
 * The simulated user (app/eval/simulated-user.ts) on a real SQLite library of synthetic faces
 * (identities of ~40 faces, low-quality faces, strangers): the oracle's actions are real
 * corrections in the log, each counted once; the scores it reports are the library's own; it
 * never puts a face in a person of another identity; the budget is a hard stop.
 */
import { describe, expect, it } from 'vitest';
import { projectionSync } from '../../app/learning/projection';
import { clusterMetrics } from '../../app/people/metrics';
import { PeopleService } from '../../app/people/people-service';
import { synthesize } from '../../app/people/synthetic';
import { simulateUser } from '../../app/eval/simulated-user';
import { tempStores } from '../helpers/temp-stores';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const temp = tempStores('visage-simuser-');

/** A clustered library of 400 synthetic faces and the identity of every face that has one (strangers left out, as bystanders). */
function library() {
  const store = temp.open();
  writeSyntheticFaces(store.db, 400, 11);
  const s = synthesize({ faces: 400, identities: 10, seed: 11 });
  const counts = new Map<number, number>();
  for (const t of s.truth) counts.set(t, (counts.get(t) ?? 0) + 1);
  const labelled = new Map<number, string>();
  for (let i = 0; i < s.ids.length; i++) if (counts.get(s.truth[i]!)! > 1) labelled.set(s.ids[i]!, `id${s.truth[i]}`);
  const svc = new PeopleService(store.db, { projections: projectionSync });
  svc.recluster();
  return { store, svc, labelled };
}

describe('the simulated user', () => {
  it('works the queues with real, logged corrections until the people are right, and never misplaces a face', () => {
    const { svc, labelled } = library();
    const r = simulateUser(svc, labelled, [], { budget: 500, every: 5 });
    // Every action is one correction in the log.
    expect(svc.history(1000)).toHaveLength(r.actions);
    expect(Object.values(r.byKind).reduce((a, b) => a + b, 0)).toBe(r.actions);
    expect(r.stopped).toBe('nothing left');
    // The final scores are the library's: recomputed here from the people service.
    const ids = [...labelled.keys()];
    const m = clusterMetrics(ids.map((f) => labelled.get(f)!), ids.map((f) => svc.face(f)?.personId ?? null));
    const end = r.curve[r.curve.length - 1]!;
    expect(end.actions).toBe(r.actions);
    expect(end.bcubedF1).toBeCloseTo(m.bcubedF1, 3);
    const rightNamed = ids.filter((f) => { const p = svc.face(f)?.personId; return p != null && svc.getPerson(p)?.name === labelled.get(f); }).length / ids.length;
    expect(end.rightNamed).toBeCloseTo(rightNamed, 3);
    // The oracle is never wrong, and its work pays: every identity named, F1 up to the bar.
    expect(r.wrong).toBe(0);
    expect(new Set(svc.listPeople().map((p) => p.name).filter(Boolean))).toEqual(new Set(labelled.values()));
    expect(end.bcubedF1).toBeGreaterThan(r.curve[0]!.bcubedF1);
    expect(r.actionsTo95).not.toBeNull();
    expect(r.curve.find((c) => c.actions >= r.actionsTo95!)!.bcubedF1).toBeGreaterThanOrEqual(0.95);
    // A curve point every 5 actions.
    expect(r.curve.slice(0, -1).map((c) => c.actions)).toEqual(r.curve.slice(0, -1).map((_, i) => i * 5));
  });

  it('stops at the budget', () => {
    const { svc, labelled } = library();
    const r = simulateUser(svc, labelled, [], { budget: 3 });
    expect(r.actions).toBe(3);
    expect(r.stopped).toBe('budget');
    expect(svc.history(1000)).toHaveLength(3);
  });
});
