/**
 * `visage eval-user` on a real labelled tree (faceapi-bbt: 8 characters x 5 photos, real engine):
 * the JSON line has what the issue asks for (algorithm, actions, actionsTo95, wrong, curve), the
 * oracle ends with every character named and none misplaced; the same library grouped by a
 * baseline (--algorithm dbscan) is worked with the baseline's tools only; bad flags exit 2.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, DATASETS, lastJson, runCli, tempDir } from './scan-helpers';

const BBT = path.join(DATASETS, 'people', 'faceapi-bbt');
type Result = {
  algorithm: string; actions: number; actionsTo95: number | null; wrong: number; identities: number; labelledFaces: number;
  curve: { actions: number; bcubedF1: number; bcubedPrecision: number; rightNamed: number }[]; byKind: Record<string, number>;
};
const db = path.join(tempDir('eval-user'), 'bbt.db');
/** The first run: it scans into `db` (kept), which the other runs reuse with --no-scan. */
let first: ReturnType<typeof runCli>;

beforeAll(() => {
  assertBuilt();
  first = runCli(['eval-user', '--data', BBT, '--db', db, '--budget', '100', '--every', '5', '--json']);
}, 180_000);

describe('visage eval-user', () => {
  it('scans, groups and lets the oracle work the queues; reports the curve and actionsTo95', () => {
    const r = first;
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson<Result>(r.stdout);
    expect(j.algorithm).toBe('visage');
    expect(j.identities).toBe(8);
    expect(j.wrong).toBe(0);
    expect(j.actions).toBeGreaterThanOrEqual(8); // at least one name per character
    expect(j.byKind.name).toBe(8);
    expect(j.curve[0]!.actions).toBe(0);
    expect(j.curve[0]!.rightNamed).toBe(0);
    const end = j.curve[j.curve.length - 1]!;
    expect(end.actions).toBe(j.actions);
    expect(end.rightNamed).toBeGreaterThan(0.9);
    expect(j.actionsTo95).not.toBeNull();
  }, 120_000);

  it('--algorithm dbscan: Immich\'s grouping, worked with the People page and hand picking only (no Visage queue)', () => {
    const r = runCli(['eval-user', '--data', BBT, '--db', db, '--no-scan', '--algorithm', 'dbscan', '--budget', '100', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson<Result>(r.stdout);
    expect(j.algorithm).toBe('dbscan');
    expect(j.identities).toBe(8);
    expect(Object.keys(j.byKind).filter((k) => k.startsWith('same-person') || k === 'reject')).toEqual([]);
    expect(j.wrong).toBe(0);
    const end = j.curve[j.curve.length - 1]!;
    expect(end.rightNamed).toBeGreaterThan(0.9);
    expect(j.actionsTo95).not.toBeNull();
  }, 120_000);

  it('--learning: the same oracle in rounds without and with the app\'s training; with too few of the user\'s own labels to judge nothing is adopted and the arms agree', () => {
    const r = runCli(['eval-user', '--data', BBT, '--db', db, '--no-scan', '--budget', '60', '--learning', '--learn-every', '5', '--json']);
    expect(r.code, r.stderr).toBe(0);
    type Arm = { actionsTo95: number | null; f1At100: number; wrong: number; actions: number; curve: { actions: number; bcubedF1: number }[] };
    const j = lastJson<Arm & {
      withoutLearning: Arm;
      learning: { every: number; runs: number; adopted: number; tooFewToJudge: number; history: { actions: number; adopted: boolean; reason: string; heldBack: number }[] };
    }>(r.stdout);
    expect(j.learning.every).toBe(5);
    // Trained after every round of 5 actions (the oracle needs more than 5 here: 8 names at least).
    expect(j.learning.runs).toBeGreaterThanOrEqual(2);
    // Rounds of 5 actions (the last ones may be shorter, or empty: the oracle ran out of work and
    // one more training is tried in case it opens some).
    const at = j.learning.history.map((h) => h.actions);
    expect(at[0]).toBe(5);
    at.slice(1).forEach((a, i) => expect(a - at[i]!).toBeGreaterThanOrEqual(0));
    at.slice(1).forEach((a, i) => expect(a - at[i]!).toBeLessThanOrEqual(5));
    // bbt's 40 faces give the user few labels of their own: never enough for the check (20).
    expect(j.learning.adopted).toBe(0);
    expect(j.learning.tooFewToJudge).toBe(j.learning.runs);
    for (const h of j.learning.history) expect(h.reason).toBe(`too few of your own labels to judge: ${h.heldBack}, need 20`);
    // Nothing adopted: the learning arm is the other arm exactly.
    expect(j.curve).toEqual(j.withoutLearning.curve);
    expect([j.actionsTo95, j.wrong, j.actions]).toEqual([j.withoutLearning.actionsTo95, j.withoutLearning.wrong, j.withoutLearning.actions]);
    expect(j.wrong).toBe(0);
    expect(j.actionsTo95).not.toBeNull();
  }, 180_000);

  it('refuses bad flags with exit code 2', () => {
    expect(runCli(['eval-user', '--data', BBT, '--learning', '--learn-every', '0']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--learn-every', '5']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--learning', '--opt', 'nosuch=1']).code).toBe(2);
    expect(runCli(['eval-user']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--budget', '0']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--part', 'middle']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--no-scan']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--algorithm', 'kmeans']).code).toBe(2);
    expect(runCli(['eval-user', '--data', BBT, '--algorithm', 'dbscan', '--learning']).code).toBe(2);
  });
});
