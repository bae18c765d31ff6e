/**
 * A power cut in long operations: `kill -9` of the real CLI process at seeded random points during
 * a scan, a re-cluster and a people import (bounded: two kills each). Afterwards the library opens,
 * `PRAGMA integrity_check` is ok, every correction committed before is still there, and the same
 * command run again ends equal to a clean run of it. A longer soak: scripts/soak-kill.js.
 * VISAGE_KILL_SEED picks other points (the seed is in the describe's name). The lock file a killed
 * process leaves is stale and taken over by the rerun.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../app/people/synthetic';
import { assertBuilt, CLI, dumpLibrary, johnImages, makeLibrary, ROOT, runCli, tempDir } from './scan-helpers';

const SEED = Number(process.env.VISAGE_KILL_SEED ?? 20260521);
const random = rng(SEED);

/** Runs the CLI and SIGKILLs it after `ms` (if it has not ended); resolves with whether it was killed. */
function killAfter(args: string[], ms: number): Promise<boolean> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: 'ignore' });
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(t);
      resolve(signal === 'SIGKILL');
    }),
  );
}

function q<T>(db: string, sql: string): T[] {
  const c = new Database(db, { readonly: true });
  try {
    return c.prepare(sql).all() as T[];
  } finally {
    c.close();
  }
}
const integrity = (db: string) => q<{ integrity_check: string }>(db, 'PRAGMA integrity_check')[0]!.integrity_check;
const corrections = (db: string) => q<{ id: number; kind: string; payload: string }>(db, 'SELECT id, kind, payload FROM corrections ORDER BY id');
const people = (db: string) =>
  q<{ name: string | null; faces: string }>(
    db,
    `SELECT p.name, group_concat(f.x || ',' || f.y || '@' || ph.path, ';') AS faces FROM persons p
       JOIN face_assignments a ON a.person_id = p.id JOIN faces f ON f.id = a.face_id JOIN photos ph ON ph.id = f.photo_id
      WHERE p.merged_into IS NULL GROUP BY p.id ORDER BY faces`,
  );

let base: string;
let lib2: string;
let peopleFile: string;
let durations: Record<string, number> = {};
beforeAll(() => {
  assertBuilt();
  const johns = johnImages(24);
  const lib = makeLibrary(johns.slice(0, 18));
  lib2 = makeLibrary(johns.slice(18));
  base = path.join(tempDir('kbase'), 'visage.db');
  expect(runCli(['scan', lib, '--db', base, '--no-thumbnails']).code).toBe(0);
  expect(runCli(['cluster', '--db', base]).code).toBe(0);
  const first = q<{ id: number }>(base, 'SELECT id FROM persons ORDER BY id LIMIT 1')[0]!;
  expect(runCli(['name', '--db', base, '--person', String(first.id), '--name', 'Anna']).code).toBe(0);
  peopleFile = path.join(tempDir('kpf'), 'lib.visage-people.json');
  expect(runCli(['export', '--db', base, '--out', peopleFile]).code).toBe(0);
  durations = {};
});

const ops: { name: string; args: (db: string) => string[]; prepare?: (db: string) => void; compare: (a: string, b: string) => void }[] = [
  {
    name: 'scan',
    args: (db) => ['scan', lib2, '--db', db, '--no-thumbnails'],
    compare: (a, b) => expect(dumpLibrary(b)).toEqual(dumpLibrary(a)),
  },
  {
    name: 'recluster',
    args: (db) => ['recluster', '--db', db],
    compare: (a, b) => expect(people(b)).toEqual(people(a)),
  },
  {
    name: 'import',
    // Into a library whose people were forgotten (a fresh re-cluster without the user's names).
    prepare: (db) => {
      const c = new Database(db);
      c.exec("UPDATE persons SET name = NULL, user_named = 0");
      c.close();
    },
    args: (db) => ['import', '--db', db, '--file', peopleFile],
    compare: (a, b) => expect(people(b)).toEqual(people(a)),
  },
];

describe(`kill -9 in long operations (seed ${SEED})`, () => {
  for (const op of ops) {
    it(`${op.name}: killed at two random points, the library is sound, corrections kept, and the rerun equals a clean run`, async () => {
      const work = tempDir(`k${op.name}`);
      const clean = path.join(work, 'clean.db');
      fs.copyFileSync(base, clean);
      op.prepare?.(clean);
      const t0 = Date.now();
      const c = runCli(op.args(clean));
      expect(c.code, c.stderr).toBe(0);
      durations[op.name] = Date.now() - t0;
      const before = corrections(clean).filter((x) => x.id <= corrections(base).length);

      const killed = path.join(work, 'killed.db');
      fs.copyFileSync(base, killed);
      op.prepare?.(killed);
      for (let k = 0; k < 2; k++) {
        // Node and the models take ~40% of a run to load: kill points spread over the rest.
        const ms = Math.round(durations[op.name]! * (0.3 + 0.8 * random()));
        await killAfter(op.args(killed), ms);
        expect(integrity(killed), `${op.name} killed at ${ms} ms`).toBe('ok');
        expect(corrections(killed).slice(0, before.length)).toEqual(before);
      }
      const r = runCli(op.args(killed));
      expect(r.code, r.stderr).toBe(0);
      expect(integrity(killed)).toBe('ok');
      op.compare(clean, killed);
      expect(corrections(killed).slice(0, before.length)).toEqual(before);
    }, 90_000);
  }
});
