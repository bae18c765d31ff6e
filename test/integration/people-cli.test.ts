/** The people commands drive everything the UI does, on a real database. */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-people-cli-'));
const db = join(dir, 'lib.db');

beforeAll(() => {
  const lib = join(dir, 'lib');
  const src = join(PEOPLE, 'dlib-johns');
  for (const id of readdirSync(src).filter((d) => !d.includes('.')).slice(0, 3)) {
    mkdirSync(join(lib, id), { recursive: true });
    for (const f of readdirSync(join(src, id)).sort().slice(0, 3)) symlinkSync(join(src, id, f), join(lib, id, f));
  }
  const scan = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails', '--no-cluster']);
  expect(scan.code, scan.stderr).toBe(0);
}, 300_000);

describe('visage people commands', () => {
  it('cluster, list, name, merge, split, reject, hide, undo, redo, history', () => {
    const cl = runCli(['cluster', '--db', db, '--json']);
    expect(cl.code, cl.stderr).toBe(0);
    expect(cl.lastJson().people).toBe(3);
    const people = runCli(['people', '--db', db, '--json']).lastJson();
    expect(people).toHaveLength(3);
    const [a, b, c] = people;
    expect(runCli(['name', '--db', db, '--person', String(a.id), '--name', 'Ann', '--json']).code).toBe(0);
    const proposal = runCli(['name', '--db', db, '--person', String(b.id), '--name', 'Ann', '--json']).lastJson();
    expect(proposal.mergeProposal.personId).toBe(a.id);
    expect(runCli(['merge', '--db', db, '--into', String(a.id), '--people', String(b.id), '--json']).code).toBe(0);
    const merged = runCli(['person', '--db', db, '--person', String(a.id), '--json']).lastJson();
    expect(merged.faces).toHaveLength(a.faceCount + b.faceCount);
    const split = runCli(['split', '--db', db, '--faces', String(merged.faces[0].id), '--name', 'Solo', '--json']).lastJson();
    expect(split.personIds).toHaveLength(2);
    expect(runCli(['reject', '--db', db, '--faces', String(merged.faces[1].id), '--person', String(a.id), '--json']).code).toBe(0);
    expect(runCli(['hide', '--db', db, '--person', String(c.id), '--json']).code).toBe(0);
    expect(runCli(['people', '--db', db, '--json']).lastJson().some((p: { id: number }) => p.id === c.id)).toBe(false);
    expect(runCli(['recluster', '--db', db, '--json']).code).toBe(0);
    const history = runCli(['history', '--db', db, '--json']).lastJson();
    expect(history.map((h: { kind: string }) => h.kind)).toEqual(['hide', 'reject', 'split', 'merge', 'name', 'name']);
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('hide');
    expect(runCli(['people', '--db', db, '--json']).lastJson().some((p: { id: number }) => p.id === c.id)).toBe(true);
    expect(runCli(['redo', '--db', db, '--json']).lastJson().kind).toBe('hide');
    const names = runCli(['people', '--db', db, '--hidden', '--json']).lastJson().map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['Ann', 'Solo']));
  }, 120_000);

  it('refuses bad input with exit code 2 and a clear message', () => {
    expect(runCli(['name', '--db', db, '--person', '99999', '--name', 'x']).stderr).toMatch(/no person 99999/);
    expect(runCli(['merge', '--db', db, '--into', '1', '--people', 'a,b']).code).toBe(2);
    expect(runCli(['people', '--db', join(dir, 'missing.db')]).code).toBe(2);
    expect(runCli(['split', '--db', db]).stderr).toMatch(/--faces/);
  });
});
