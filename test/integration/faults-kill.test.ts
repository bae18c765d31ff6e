/**
 * A power cut in long operations: `kill -9` of the real CLI process at seeded random points during
 * a scan, a re-cluster, a people import, a training run with the adoption and re-projection of its
 * head (`visage learn`), a switch of embedding model (`visage reembed`), a people-file export and an XMP write (bounded: two kills each).
 * Afterwards the library opens, `PRAGMA integrity_check` is ok, every correction committed before
 * is still there, what the operation writes outside the library is whole or absent (never half a
 * file, no temporary file left), and the same command run again ends equal to a clean run of it. A longer soak: scripts/soak-kill.js.
 * VISAGE_KILL_SEED picks other points (the seed is in the describe's name). The lock file a killed
 * process leaves is stale and taken over by the rerun.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPeopleFile } from '../../app/interop/people-file';
import { parseRegions } from '../../app/interop/xmp/regions';
import { TEMP_SUFFIX } from '../../app/platform/atomic-file';
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

function q<T>(db: string, sql: string, ...params: number[]): T[] {
  const c = new Database(db, { readonly: true });
  try {
    return c.prepare(sql).all(...params) as T[];
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
let libFolder: string;
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
  // Every person with two faces or more gets a name: `visage learn` has people to learn from.
  const named = q<{ id: number }>(base, 'SELECT person_id AS id FROM face_assignments GROUP BY person_id HAVING count(*) >= 2 ORDER BY person_id');
  expect(named.length).toBeGreaterThanOrEqual(2);
  for (const [i, p] of named.entries()) expect(runCli(['name', '--db', base, '--person', String(p.id), '--name', i === 0 ? 'Anna' : `Person ${i}`]).code).toBe(0);
  libFolder = lib;
  peopleFile = path.join(tempDir('kpf'), 'lib.visage-people.json');
  expect(runCli(['export', '--db', base, '--out', peopleFile]).code).toBe(0);
  durations = {};
});

const ops: {
  name: string;
  args: (db: string) => string[];
  prepare?: (db: string) => void;
  /** What must hold right after each kill, beyond the library's soundness. */
  afterKill?: (db: string) => void;
  compare: (a: string, b: string) => void;
  /** What the rerun is compared with, when it is not "equals a clean run". */
  claim?: string;
  /** What the clean run must have done (so that the kills fall in the work that matters). */
  checkClean?: (db: string) => void;
  /** Files the command writes outside the library (compared clean vs killed+rerun), and how to remove them. */
  outputs?: () => Record<string, string>;
  clearOutputs?: () => void;
}[] = [
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
  {
    name: 'learn',
    // Adoption forced (any head "beats" the current one), so that every run trains, adopts,
    // re-projects every face and re-groups people: the kill points fall in all of them.
    // The user confirms every named person's faces first: training is judged on the user's own
    // labels only, and this small library's few are let judge (minJudgeFaces 1; the app needs 20).
    prepare: (db) => {
      for (const p of q<{ id: number }>(db, 'SELECT id FROM persons WHERE name IS NOT NULL ORDER BY id')) {
        const faces = q<{ id: number }>(db, 'SELECT face_id AS id FROM face_assignments WHERE person_id = ? ORDER BY face_id', p.id).map((f) => f.id);
        expect(runCli(['confirm', '--db', db, '--faces', faces.join(','), '--person', String(p.id)]).code).toBe(0);
      }
    },
    args: (db) => ['learn', '--db', db, '--opt', 'minGain=-10', '--opt', 'noMoreWrong=false', '--opt', 'restoreBest=false', '--opt', 'epochs=6', '--opt', 'minJudgeFaces=1', '--opt', 'heldOutFraction=0.3', '--opt', 'adoptionFraction=0.4'],
    claim: 'leaves the library whole: every face on the active head, no switch pending, every name kept',
    checkClean: (db) => expect(activeHead(db)).not.toBe('base'),
    afterKill: (db) => {
      // Finished or no trace: a head row is whole (its record decodes to the size of a head) or absent.
      for (const h of q<{ id: string; n: number }>(db, 'SELECT id, length(record) AS n FROM heads')) expect(h.n, h.id).toBeGreaterThan(128 * 128 * 4);
    },
    compare: (a, b) => {
      // The rerun first finishes a switch a kill interrupted, then trains again (a second head,
      // another parent): the state is whole, not equal. Every face is on the active head, no switch
      // is pending, and the user's names are all there on the same faces' people.
      for (const db of [a, b]) {
        const active = activeHead(db);
        expect(q(db, "SELECT key FROM settings WHERE key LIKE 'learning.pendingSwitch.%'")).toEqual([]);
        const off = q<{ n: number }>(db, `SELECT count(*) AS n FROM faces WHERE coalesce(head_id, 'base') <> '${active}'`)[0]!.n;
        expect(off, `faces not on ${active}`).toBe(0);
      }
      const names = (db: string) => people(db).map((p) => p.name).filter((n) => n !== null).sort();
      expect(names(b)).toEqual(names(a));
    },
  },
  {
    name: 'reembed',
    // The switch to MobileFaceNet: the new vectors go to a side table, then one transaction moves
    // them and the library's model; a kill before it leaves the old model in use.
    args: (db) => ['reembed', '--db', db, '--model', 'mobilefacenet-192', '--provider', 'cpu'],
    claim: 'ends with the same faces, vectors and people as a clean run',
    checkClean: (db) => expect(modelsOf(db)).toEqual(['mobilefacenet-192']),
    afterKill: (db) => {
      // Never half switched: every face on one model, and that model is the library's.
      const models = modelsOf(db);
      expect(models.length).toBe(1);
      const lib = q<{ value: string }>(db, "SELECT value FROM settings WHERE key = 'library.model'")[0]?.value ?? 'dlib-resnet-v1';
      expect(models[0]).toBe(lib);
      if (lib === 'mobilefacenet-192') expect(q(db, 'SELECT face_id FROM reembed_pending')).toEqual([]);
    },
    compare: (a, b) => {
      const vectors = (db: string) => q(db, 'SELECT id, model_id, hex(embedding) AS e, hex(base_embedding) AS b FROM faces ORDER BY id');
      expect(vectors(b)).toEqual(vectors(a));
      expect(people(b)).toEqual(people(a));
      expect(q(b, 'SELECT face_id FROM reembed_pending')).toEqual([]);
    },
  },
  {
    name: 'export',
    args: (db) => ['export', '--db', db, '--out', `${db}.visage-people.json`],
    claim: 'writes the same people file as a clean run, and no temporary file is left',
    afterKill: (db) => {
      // The file is whole (it validates) or not there; a killed writer's temporary file is litter
      // that the next write removes (checked after the rerun).
      if (fs.existsSync(`${db}.visage-people.json`)) expect(() => readPeopleFile(`${db}.visage-people.json`)).not.toThrow();
    },
    compare: (a, b) => {
      const strip = (db: string) => {
        const f = readPeopleFile(`${db}.visage-people.json`) as unknown as Record<string, unknown>;
        delete f.exportedAt;
        delete f.createdAt;
        return f;
      };
      expect(strip(b)).toEqual(strip(a));
      expect(fs.readdirSync(path.dirname(b)).filter((n) => n.endsWith(TEMP_SUFFIX))).toEqual([]);
    },
  },
  {
    name: 'xmp-write',
    // Both libraries name the same photo files: the clean run's sidecars are read, then removed,
    // before the killed runs write them again.
    args: (db) => ['xmp-write', '--db', db],
    claim: 'writes the same sidecars as a clean run, and no temporary file is left',
    checkClean: () => expect(Object.keys(sidecars()).length).toBeGreaterThan(0),
    outputs: () => sidecars(),
    clearOutputs: () => {
      for (const f of Object.keys(sidecars())) fs.rmSync(f);
    },
    afterKill: () => {
      for (const [f, text] of Object.entries(sidecars())) expect(parseRegions(text), f).not.toBeNull();
    },
    compare: () => {
      expect(fs.readdirSync(libFolder, { recursive: true }).map(String).filter((n) => n.endsWith(TEMP_SUFFIX))).toEqual([]);
    },
  },
];

const modelsOf = (db: string) => q<{ m: string }>(db, 'SELECT DISTINCT model_id AS m FROM faces ORDER BY m').map((r) => r.m);
const activeHead = (db: string) => q<{ value: string }>(db, "SELECT value FROM settings WHERE key LIKE 'learning.activeHead.%'")[0]?.value ?? 'base';

/** The XMP sidecars in the library's photo folder, by path. */
function sidecars(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of fs.readdirSync(libFolder, { recursive: true }).map(String)) if (n.endsWith('.xmp')) out[path.join(libFolder, n)] = fs.readFileSync(path.join(libFolder, n), 'utf8');
  return out;
}

describe(`kill -9 in long operations (seed ${SEED})`, () => {
  for (const op of ops) {
    it(`${op.name}: killed at two random points, the library is sound, corrections kept, and the rerun ${op.claim ?? 'equals a clean run'}`, async () => {
      const work = tempDir(`k${op.name}`);
      const clean = path.join(work, 'clean.db');
      fs.copyFileSync(base, clean);
      op.prepare?.(clean);
      const t0 = Date.now();
      const c = runCli(op.args(clean));
      expect(c.code, c.stderr).toBe(0);
      op.checkClean?.(clean);
      durations[op.name] = Date.now() - t0;
      const before = corrections(clean).filter((x) => x.id <= corrections(base).length);
      const cleanOutputs = op.outputs?.();
      op.clearOutputs?.();

      const killed = path.join(work, 'killed.db');
      fs.copyFileSync(base, killed);
      op.prepare?.(killed);
      for (let k = 0; k < 2; k++) {
        // Node and the models take ~40% of a run to load: kill points spread over the rest.
        const ms = Math.round(durations[op.name]! * (0.3 + 0.8 * random()));
        await killAfter(op.args(killed), ms);
        expect(integrity(killed), `${op.name} killed at ${ms} ms`).toBe('ok');
        expect(corrections(killed).slice(0, before.length)).toEqual(before);
        op.afterKill?.(killed);
      }
      const r = runCli(op.args(killed));
      expect(r.code, r.stderr).toBe(0);
      expect(integrity(killed)).toBe('ok');
      op.compare(clean, killed);
      if (cleanOutputs) expect(op.outputs!()).toEqual(cleanOutputs);
      expect(corrections(killed).slice(0, before.length)).toEqual(before);
    }, 90_000);
  }
});
