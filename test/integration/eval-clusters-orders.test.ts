/**
 * `visage eval-clusters --orders N` on a real labelled tree (five-celebrity, real engine): the same
 * faces clustered in N orders (the library's, then seeded shuffles). Visage's re-cluster gives the
 * same people in every order; Ente's linear clustering (faces joined in turn) does not, which shows
 * the shuffles are real; the reported figures are the means; a bad --orders exits 2.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, DATASETS, lastJson, runCli, tempDir } from './scan-helpers';

const SET = path.join(DATASETS, 'people', 'five-celebrity');
type Result = { algorithm: string; bcubedF1: number; bcubedPrecision: number; orders: { n: number; f1: number[]; precision: number[] } | null };
const db = path.join(tempDir('eval-orders'), 'five.db');

beforeAll(() => {
  assertBuilt();
  const r = runCli(['eval-clusters', '--data', SET, '--db', db, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(lastJson<Result>(r.stdout).orders).toBeNull();
}, 180_000);

const run = (algorithm: string) => {
  const r = runCli(['eval-clusters', '--data', SET, '--db', db, '--no-scan', '--algorithm', algorithm, '--orders', '6', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return lastJson<Result>(r.stdout);
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('visage eval-clusters --orders', () => {
  it("Visage's re-cluster gives the same figures in every order of the faces", () => {
    const j = run('visage');
    expect(j.orders!.n).toBe(6);
    expect(new Set(j.orders!.f1).size).toBe(1);
    expect(new Set(j.orders!.precision).size).toBe(1);
    expect(j.bcubedF1).toBeCloseTo(j.orders!.f1[0]!, 4);
  }, 120_000);

  it('linear clustering moves with the order: the figures are the means over the orders', () => {
    const j = run('linear');
    expect(j.orders!.n).toBe(6);
    expect(new Set(j.orders!.f1).size).toBeGreaterThan(1);
    expect(j.bcubedF1).toBeCloseTo(mean(j.orders!.f1), 3);
  }, 120_000);

  it('refuses --orders below 1 or not whole with exit code 2', () => {
    for (const bad of ['0', '2.5']) expect(runCli(['eval-clusters', '--data', SET, '--db', db, '--no-scan', '--orders', bad]).code).toBe(2);
  }, 60_000);
});
