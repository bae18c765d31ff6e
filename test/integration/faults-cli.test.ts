/**
 * Machine faults and a damaged library through the real CLI (`node bin/visage.js`, real models):
 * each fault injected for real, then the message (one sentence, no stack trace), the exit code,
 * `PRAGMA integrity_check`, the corrections log, and that the same command run again ends equal to
 * a clean run. Disk full and read-only use a tmpfs mount (root only: skipped, with the reason,
 * elsewhere; test/unit/faults-scanner.test.ts covers SQLITE_FULL without root).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, dumpLibrary, johnImages, makeLibrary, ROOT, runCli, tempDir } from './scan-helpers';

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const d = tempDir('mnt-probe');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const mounts: string[] = [];
function tmpfs(size: string): string {
  const d = tempDir('tmpfs');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', d]);
  mounts.push(d);
  return d;
}
afterAll(() => {
  for (const m of mounts) spawnSync('umount', ['-l', m]);
});

const integrity = (db: string) => {
  const c = new Database(db, { readonly: true });
  try {
    return (c.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check;
  } finally {
    c.close();
  }
};
const rows = (db: string, sql: string) => {
  const c = new Database(db, { readonly: true });
  try {
    return c.prepare(sql).all();
  } finally {
    c.close();
  }
};
const sha = (f: string) => crypto.createHash('sha1').update(fs.readFileSync(f)).digest('hex');
/** The photos and faces of a dump that lie under `dir`. */
function under(d: ReturnType<typeof dumpLibrary>, dir: string) {
  const inside = (p: unknown) => String(p).startsWith(dir + path.sep);
  return {
    photos: d.photos.filter((p) => inside((p as { path: string }).path)),
    faces: (d.faces as { path: string; embedding: string }[]).filter((f) => inside(f.path)),
  };
}
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

let lib: string;
let cleanDb: string;
beforeAll(() => {
  assertBuilt();
  lib = makeLibrary(johnImages(24));
  cleanDb = path.join(tempDir('clean'), 'visage.db');
  const r = runCli(['scan', lib, '--db', cleanDb, '--json', '--no-thumbnails']);
  expect(r.code, r.stderr).toBe(0);
});

describe('faults through the CLI', () => {
  it.skipIf(!canMount)('disk full (tmpfs): exit 75, one sentence, no photo error, integrity ok; with room the same scan ends equal to a clean run', () => {
    const mnt = tmpfs('600k');
    const db = path.join(mnt, 'visage.db');
    const r = runCli(['scan', lib, '--db', db]);
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toMatch(/visage scan: The disk holding the library \(.+\) is full: free some space and run the scan again; nothing was lost/);
    noStack(r.stderr);
    expect(rows(db, 'SELECT * FROM errors')).toEqual([]);
    expect(integrity(db)).toBe('ok');
    const st = runCli(['status', '--db', db]);
    expect(st.stdout).toMatch(/A scan of .+ stopped before it finished: run "visage scan .+" again to resume it/);
    execFileSync('mount', ['-o', 'remount,size=40m', mnt]);
    const again = runCli(['scan', lib, '--db', db, '--no-thumbnails']);
    expect(again.code, again.stderr).toBe(0);
    expect(dumpLibrary(db)).toEqual(dumpLibrary(cleanDb));
    expect(integrity(db)).toBe('ok');
  });

  it.skipIf(!canMount)('read-only library folder: exit 75 and one sentence; writable again, the scan ends equal to a clean run', () => {
    const mnt = tmpfs('40m');
    const db = path.join(mnt, 'visage.db');
    const half = makeLibrary(johnImages(24).slice(0, 6));
    expect(runCli(['scan', half, '--db', db, '--no-thumbnails']).code).toBe(0);
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const r = runCli(['scan', lib, '--db', db, '--no-thumbnails']);
    execFileSync('mount', ['-o', 'remount,rw', mnt]);
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toMatch(/cannot be written to \(read-only or not permitted\): make it writable and run the scan again; nothing was lost/);
    noStack(r.stderr);
    expect(integrity(db)).toBe('ok');
    const again = runCli(['scan', lib, '--db', db, '--no-thumbnails']);
    expect(again.code, again.stderr).toBe(0);
    expect(under(dumpLibrary(db), lib)).toEqual(under(dumpLibrary(cleanDb), lib));
  });

  it('database locked by another process past busy_timeout (SQLITE_BUSY): exit 75, one sentence; released, the scan ends equal to a clean run', async () => {
    const db = path.join(tempDir('busy'), 'visage.db');
    fs.copyFileSync(cleanDb, db);
    // A moved folder: every photo is re-found, so the scan writes and meets the other writer.
    const moved = makeLibrary(johnImages(24));
    // Another process holds the write lock until the scan has ended (past the 5 s busy_timeout,
    // however slowly the scan starts on a loaded machine), then lets go when told to.
    const holder = spawn(
      process.execPath,
      ['-e', `const D=require('better-sqlite3');const d=new D(${JSON.stringify(db)});d.exec('BEGIN IMMEDIATE');process.stdout.write('held\\n');process.stdin.once('data',()=>{d.exec('ROLLBACK');d.close();process.exit(0)})`],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await new Promise<void>((r) => holder.stdout.once('data', () => r()));
    const r = runCli(['scan', moved, '--db', db, '--no-thumbnails']);
    const released = new Promise((r2) => holder.on('exit', r2));
    holder.stdin.write('release\n');
    await released;
    expect(r.code, r.stderr).toBe(75);
    expect(r.stderr).toMatch(/is busy in another Visage \(the app or another command\): wait for it to finish or close it, then run the scan again; nothing was lost/);
    noStack(r.stderr);
    expect(integrity(db)).toBe('ok');
    const again = runCli(['scan', moved, '--db', db, '--no-thumbnails']);
    expect(again.code, again.stderr).toBe(0);
    const clean = under(dumpLibrary(cleanDb), lib);
    const got = under(dumpLibrary(db), moved);
    expect(got.photos).toHaveLength(clean.photos.length);
    expect(got.faces.map((f) => f.embedding)).toEqual(clean.faces.map((f) => f.embedding));
    expect(dumpLibrary(db).pendingJobs).toBe(0);
    expect(dumpLibrary(db).errors).toEqual([]);
  }, 60_000);

  it('the same library opened twice for writing: the second is refused with one sentence naming the first; nothing interleaved', async () => {
    const db = path.join(tempDir('twice'), 'visage.db');
    fs.copyFileSync(cleanDb, db);
    const serve = spawn(process.execPath, [CLI, 'serve', '--db', db, '--no-open', '--in-process'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        serve.stdout.on('data', (d: Buffer) => (/running at/.test(d.toString()) ? resolve() : undefined));
        serve.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
      });
      const before = rows(db, 'SELECT count(*) AS n FROM corrections');
      for (const args of [['scan', lib], ['recluster'], ['serve', '--no-open', '--in-process']]) {
        const r = spawnSync(process.execPath, [CLI, ...args, '--db', db], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(r.status, `${args[0]}: ${r.stderr}`).toBe(75);
        expect(r.stderr).toMatch(/is open in visage serve \(process \d+\): close it or wait for it to finish, then run this again; nothing was changed/);
        noStack(r.stderr);
      }
      expect(rows(db, 'SELECT count(*) AS n FROM corrections')).toEqual(before);
      // Reading beside it is fine.
      expect(runCli(['photos', '--db', db, '--json']).code).toBe(0);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.on('exit', r));
    }
    expect(fs.existsSync(`${db}.lock`)).toBe(false);
    expect(runCli(['recluster', '--db', db, '--json']).code).toBe(0);
  }, 90_000);

  it('closing the analyzer pool while photos are in flight never aborts the process (Napi::Error, exit 134)', () => {
    // Before: close() terminated the worker threads mid-inference and the addon's C++ exception
    // ended the process with SIGABRT, as a scan stopped by a full disk did.
    const script = `
      const { createWorkerAnalyzer } = require(${JSON.stringify(path.join(ROOT, 'dist/app/library/analyzer-pool.js'))});
      const fs = require('fs');
      const files = ${JSON.stringify(johnImages(6))}.map((f) => fs.readFileSync(f));
      (async () => {
        for (const ms of [0, 30, 60, 90]) {
          const a = await createWorkerAnalyzer({ workers: 2 });
          for (const b of files) a.analyzeBuffer(b).catch(() => {});
          await new Promise((r) => setTimeout(r, ms));
          await a.close();
        }
        process.stdout.write('closed\\n');
      })();`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('closed\n');
  }, 60_000);

  it('a damaged library (garbage, truncated) or a newer one is refused untouched (exit 3) with the newest backup offered; visage restore puts it back, keeping the damaged file aside', () => {
    const dir = tempDir('damaged');
    const db = path.join(dir, 'visage.db');
    const backups = path.join(dir, 'visage.backups');
    fs.mkdirSync(backups);
    const backup = path.join(backups, 'visage-v6-2026-01-02T03-04-05Z.db');
    const src = new Database(cleanDb, { readonly: true });
    src.prepare('VACUUM INTO ?').run(backup);
    src.close();
    const full = fs.readFileSync(backup);
    const cases: [string, Buffer][] = [
      ['garbage', crypto.randomBytes(full.length)],
      ['truncated', full.subarray(0, Math.floor(full.length / 3))],
    ];
    for (const [what, bytes] of cases) {
      fs.writeFileSync(db, bytes);
      const before = sha(db);
      const r = runCli(['photos', '--db', db]);
      expect(r.code, `${what}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toMatch(/is damaged \(.+\) and Visage did not change it: restore the newest backup with: visage restore --db .+ --from .+visage-v6-2026-01-02T03-04-05Z\.db/);
      noStack(r.stderr);
      expect(runCli(['scan', lib, '--db', db]).code).toBe(3);
      expect(sha(db)).toBe(before);
      expect(runCli(['status', '--db', db]).stdout).toMatch(/is damaged/);
    }
    // Newer schema: refused exactly as it is.
    fs.copyFileSync(backup, db);
    const c = new Database(db);
    c.pragma('user_version = 99');
    c.close();
    const newer = sha(db);
    const n = runCli(['photos', '--db', db]);
    expect(n.code).toBe(3);
    expect(n.stderr).toMatch(/was written by a newer Visage \(schema v99; this one knows up to v\d+\) and Visage did not change it: update Visage, or restore the newest backup/);
    expect(sha(db)).toBe(newer);
    // Restore: the file in place is kept aside, the backup checked and copied in.
    fs.writeFileSync(db, full.subarray(0, 1000));
    const bad = fs.readFileSync(db);
    const r = runCli(['restore', '--db', db, '--from', backup, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { keptAside: string[] };
    expect(res.keptAside).toHaveLength(1);
    expect(fs.readFileSync(res.keptAside[0]!)).toEqual(bad);
    expect(integrity(db)).toBe('ok');
    expect(dumpLibrary(db)).toEqual(dumpLibrary(cleanDb));
    // A damaged backup is not restored.
    const badBackup = path.join(dir, 'bad.db');
    fs.writeFileSync(badBackup, 'nope');
    const rb = runCli(['restore', '--db', db, '--from', badBackup]);
    expect(rb.code).toBe(1);
    expect(rb.stderr).toMatch(/not restored: .+; the library was not changed/);
  });

  it('a library whose write-ahead log is missing (it held changes not yet in the file) is refused untouched (exit 3); with the log beside it, it opens with every change', () => {
    const dir = tempDir('lostwal');
    const db = path.join(dir, 'visage.db');
    const src = new Database(cleanDb, { readonly: true });
    src.prepare('VACUUM INTO ?').run(db);
    src.close();
    // A process that commits a rename and is killed before any checkpoint: the change lives only
    // in visage.db-wal, and the -shm index says so (as after a power cut or kill -9 of Visage).
    const child = spawnSync(
      process.execPath,
      ['-e', `const D = require('better-sqlite3'); const c = new D(${JSON.stringify(db)}); c.pragma('journal_mode = WAL'); c.pragma('wal_autocheckpoint = 0');
       c.prepare("INSERT INTO settings (key, value) VALUES ('wal-probe', 'committed')").run(); process.kill(process.pid, 'SIGKILL');`],
      { cwd: ROOT },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(fs.existsSync(`${db}-wal`) && fs.existsSync(`${db}-shm`)).toBe(true);
    const walBytes = fs.readFileSync(`${db}-wal`);
    fs.rmSync(`${db}-wal`);
    const before = [sha(db), sha(`${db}-shm`)];
    const r = runCli(['photos', '--db', db]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/is damaged \(its write-ahead log visage\.db-wal is missing, and with it \d+ page write\(s\) of changes .+\) and Visage did not change it/);
    noStack(r.stderr);
    expect(runCli(['scan', lib, '--db', db]).code).toBe(3);
    expect(runCli(['status', '--db', db]).stdout).toMatch(/write-ahead log visage\.db-wal is missing/);
    expect([sha(db), sha(`${db}-shm`)]).toEqual(before);
    // Put back, the log is replayed: the change is there and nothing is refused.
    fs.writeFileSync(`${db}-wal`, walBytes);
    const ok = runCli(['photos', '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(rows(db, "SELECT value FROM settings WHERE key = 'wal-probe'")).toEqual([{ value: 'committed' }]);
    expect(integrity(db)).toBe('ok');
  });
});
