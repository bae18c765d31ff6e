/** `visage suggest-merges` and `visage answer-merge` on a real library (faceapi-bbt, one character cut in two). */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-merge-cli-'));
const db = join(dir, 'lib.db');
let a = 0;
let b = 0;

beforeAll(() => {
  const lib = join(dir, 'lib');
  const src = join(PEOPLE, 'faceapi-bbt');
  for (const id of ['amy', 'howard', 'leonard', 'penny']) {
    mkdirSync(join(lib, id), { recursive: true });
    for (const f of readdirSync(join(src, id))) symlinkSync(join(src, id, f), join(lib, id, f));
  }
  expect(runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails']).code).toBe(0);
  expect(runCli(['cluster', '--db', db, '--json']).code).toBe(0);
  const big = runCli(['people', '--db', db, '--json']).lastJson()[0];
  const faces = runCli(['person', '--db', db, '--person', String(big.id), '--json']).lastJson().faces.map((f: { id: number }) => f.id);
  const split = runCli(['split', '--db', db, '--faces', faces.slice(-2).join(','), '--json']);
  expect(split.code, split.stderr).toBe(0);
  a = big.id;
  b = split.lastJson().personIds[0];
}, 300_000);

describe('visage suggest-merges / answer-merge', () => {
  it('lists the split pair first, answers No (gone from the queue), undoes it, answers Yes (merged)', () => {
    const q = runCli(['suggest-merges', '--db', db, '--json']).lastJson();
    expect(q.total).toBeGreaterThanOrEqual(1);
    expect([q.pairs[0].a.id, q.pairs[0].b.id].sort()).toEqual([a, b].sort());
    const text = runCli(['suggest-merges', '--db', db, '--limit', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`#${Math.min(a, b)} .*~.*#${Math.max(a, b)} `));
    expect(text.stdout).toMatch(/pairs? to check/);

    const no = runCli(['answer-merge', '--db', db, '--a', String(a), '--b', String(b), '--no', '--json']);
    expect(no.code, no.stderr).toBe(0);
    expect(no.lastJson().personIds.sort()).toEqual([a, b].sort());
    expect(runCli(['recluster', '--db', db, '--json']).code).toBe(0);
    const after = runCli(['suggest-merges', '--db', db, '--json']).lastJson();
    expect(after.pairs.some((p: { a: { id: number }; b: { id: number } }) => [p.a.id, p.b.id].sort().join() === [a, b].sort().join())).toBe(false);
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('not-same');

    const yes = runCli(['answer-merge', '--db', db, '--a', String(b), '--b', String(a), '--yes', '--json']);
    expect(yes.code, yes.stderr).toBe(0);
    const people = runCli(['people', '--db', db, '--json']).lastJson().map((p: { id: number }) => p.id);
    expect(people.filter((id: number) => id === a || id === b)).toHaveLength(1);
  }, 120_000);

  it('refuses bad input with exit code 2 and a clear message', () => {
    const both = runCli(['answer-merge', '--db', db, '--a', '1', '--b', '2', '--yes', '--no']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --yes or --no/);
    expect(runCli(['answer-merge', '--db', db, '--a', '1', '--b', '2']).code).toBe(2);
    const same = runCli(['answer-merge', '--db', db, '--a', '1', '--b', '1', '--no']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/two different people/);
    const unknown = runCli(['answer-merge', '--db', db, '--a', String(a), '--b', '99999', '--no']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no person 99999/);
    expect(runCli(['answer-merge', '--db', db, '--b', '2', '--no']).stderr).toMatch(/--a ID is required/);
    expect(runCli(['suggest-merges', '--db', db, '--limit', '0']).code).toBe(2);
    expect(runCli(['suggest-merges', '--db', db, '--limit', 'x']).code).toBe(2);
    expect(runCli(['suggest-merges', '--db', join(dir, 'missing.db')]).code).toBe(2);
  });
});
