/**
 * The simulated user with "Learn from my corrections" (issue 18, `visage eval-user --learning`):
 * the same oracle and budget as simulated-user.ts, worked in rounds of `learnEvery` actions
 * (answered questions or corrections); after each round `afterRound` runs - for the learning arm,
 * the app's own training (LearningService.train: train, adoption check, re-projection, re-cluster
 * of what the user has not decided), adopted only if better. The arm without learning is the same
 * rounds with nothing between them, so the two differ only by the training: a round ends where
 * the user would leave the app and come back to its queues from the top (simulateUser starts over
 * from the People page), in both arms alike.
 */
import type { PeopleApi } from '../people/api';
import { SATISFIED_F1, scoreLibrary, simulateUser, type CurvePoint, type SimulatedUserResult } from './simulated-user';

export interface RoundsOptions {
  budget: number;
  /** Actions per round (the training cadence of the learning arm). */
  learnEvery: number;
  /** A curve point every this many actions (default 10). */
  every?: number;
  /** Runs after every round that did something, before the next; may change the library (training). */
  afterRound?: (actions: number) => Promise<void>;
}

export interface RoundsResult extends SimulatedUserResult {
  rounds: number;
}

/** BCubed F1 at `actions` actions (the last point at or before it; the library stays as it is once the oracle stops). */
export function f1At(curve: readonly CurvePoint[], actions: number): number {
  let f = curve[0]?.bcubedF1 ?? 0;
  for (const c of curve) if (c.actions <= actions) f = c.bcubedF1;
  return f;
}

export async function simulateUserInRounds(svc: PeopleApi, labelled: ReadonlyMap<number, string>, missed: readonly string[], opts: RoundsOptions): Promise<RoundsResult> {
  const every = opts.every ?? 10;
  const byKind: Record<string, number> = {};
  let actions = 0;
  let rounds = 0;
  let last = scoreLibrary(svc, labelled, missed, 0);
  const curve: CurvePoint[] = [last.point];
  let actionsTo95: number | null = last.point.bcubedF1 >= SATISFIED_F1 ? 0 : null;
  let stopped: SimulatedUserResult['stopped'] = 'nothing left';
  // The state after each action (and after each round's training, at the same action count).
  const points = new Map<number, CurvePoint>([[0, last.point]]);
  const note = (p: CurvePoint) => {
    points.set(p.actions, p);
    if (actionsTo95 === null && p.bcubedF1 >= SATISFIED_F1) actionsTo95 = p.actions;
  };
  let idleRounds = 0;
  while (actions < opts.budget) {
    const r = simulateUser(svc, labelled, missed, { budget: Math.min(opts.learnEvery, opts.budget - actions), every: 1 });
    for (const p of r.curve.slice(1)) note({ ...p, actions: actions + p.actions });
    for (const [k, n] of Object.entries(r.byKind)) byKind[k] = (byKind[k] ?? 0) + n;
    actions += r.actions;
    rounds++;
    // Nothing left for the oracle even after the last round's training: done.
    if (r.actions === 0 && ++idleRounds >= 2) break;
    if (r.actions > 0) idleRounds = 0;
    if (r.actions === 0 && !opts.afterRound) break;
    if (opts.afterRound) {
      await opts.afterRound(actions);
      last = scoreLibrary(svc, labelled, missed, actions);
      note(last.point);
    }
    if (actions >= opts.budget) stopped = 'budget';
  }
  last = scoreLibrary(svc, labelled, missed, actions);
  note(last.point);
  for (const [a, p] of [...points].sort((x, y) => x[0] - y[0])) if (a > 0 && (a % every === 0 || a === actions)) curve.push(p);
  return { actions, budget: opts.budget, actionsTo95, wrong: last.wrong, curve, byKind, stopped, rounds };
}
