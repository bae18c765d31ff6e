/**
 * Shared by the scan integration tests: dataset paths, temp libraries, running the built CLI, and a
 * canonical dump of a library database (what "the same database" means: same photos, faces,
 * errors; ids and timestamps aside).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DATASETS = path.resolve(ROOT, '..', 'shared', 'datasets');
export const GROUP = path.join(DATASETS, 'group-photos', '_group');
export const JOHNS = path.join(DATASETS, 'people', 'dlib-johns');
export const CLI = path.join(ROOT, 'bin', 'visage.js');

export function assertBuilt(): void {
  const built = path.join(ROOT, 'dist', 'app', 'cli', 'commands', 'scan.js');
  if (!fs.existsSync(built)) throw new Error(`the CLI is not built (${built} missing): run "npm run build" first`);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `visage-${prefix}-`));
}

/** `n` dlib-johns face chips (150x150), sorted, from all identities. */
export function johnImages(n: number): string[] {
  const out: string[] = [];
  for (const who of fs.readdirSync(JOHNS).sort()) {
    const dir = path.join(JOHNS, who);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir).sort()) if (/\.jpe?g$/i.test(f)) out.push(path.join(dir, f));
  }
  // Interleave identities so a small n still spans people.
  return out.filter((_, i) => i % 3 === 0).concat(out.filter((_, i) => i % 3 !== 0)).slice(0, n);
}

export function groupImages(names: string[]): string[] {
  return names.map((n) => path.join(GROUP, n));
}

/** Copies dataset images into a temp library folder (temp only; never into the repo). */
export function makeLibrary(files: string[], dir = tempDir('lib')): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Everything that defines a library's content, keyed by path, with ids and times removed. */
export function dumpLibrary(dbFile: string) {
  const db = new Database(dbFile, { readonly: true });
  try {
    const photos = db
      .prepare(
        'SELECT path, hash, size, mtime_ms, width, height, orientation, format, taken_at, camera_make, camera_model, gps_lat, gps_lon FROM photos ORDER BY path',
      )
      .all();
    const faces = db
      .prepare(
        `SELECT p.path, f.x, f.y, f.w, f.h, f.score, f.landmarks, hex(f.embedding) AS embedding, f.model_id, f.q_score
         FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY p.path, f.x, f.y`,
      )
      .all();
    const errors = db.prepare('SELECT path, code FROM errors ORDER BY path').all();
    const pendingJobs = (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
    const openScans = (db.prepare('SELECT count(*) AS n FROM scans WHERE finished_at IS NULL').get() as { n: number }).n;
    return { photos, faces, errors, pendingJobs, openScans };
  } finally {
    db.close();
  }
}

export function countRows(dbFile: string, table: string): number {
  if (!fs.existsSync(dbFile)) return 0;
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created / migrated yet
  }
}

// 96x64 synthetic gradient encoded as HEVC HEIC (heif-enc/x265): sharp cannot decode this itself.
export const HEIC_B64 = [
  'AAAAHGZ0eXBoZWljAAAAAG1pZjFoZWljbWlhZgAAAUJtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAA',
  'AAAAAA5waXRtAAAAAAABAAAAImlsb2MAAAAAREAAAQABAAAAAAFmAAEAAAAAAAAAXgAAACNpaW5mAAAAAAABAAAAFWluZmUC',
  'AAAAAAEAAGh2YzEAAAAAwmlwcnAAAACkaXBjbwAAAHhodmNDAQNwAAAAAAAAAAAAHvAA/P34+AAADwMgAAEAGEABDAH//wNw',
  'AAADAJAAAAMAAAMAHroCQCEAAQArQgEBA3AAAAMAkAAAAwAAAwAeoDCBBZbqSSmubgQEDAgAAAMACAAAAwAIQCIAAQAHRAHB',
  'crAiQAAAABRpc3BlAAAAAAAAAGAAAABAAAAAEHBpeGkAAAAAAwgICAAAABZpcG1hAAAAAAAAAAEAAQOBAoMAAABmbWRhdAAA',
  'AFooAa9Y+THRPASqPqUcpllITfYJ0xisZuoQUFQ9980SxjGoOA845JvRH4dw5TsqqjSCq6S+5V7I4c+QMIlYFbwpoEEjjJqo',
  'XKofC3kfVeYvIgAVQgA/tCMsGW4=',
].join('');
