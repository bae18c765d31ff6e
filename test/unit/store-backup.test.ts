/** Backups of the library before a schema upgrade (app/store/backup.ts + the hook in openDatabase). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  BackupError,
  backupBeforeMigration,
  backupDatabase,
  backupDirFor,
  listBackups,
  migrationPending,
  pruneBackups,
} from '../../app/store/backup';
import { openDatabase } from '../../app/store/database';
import { LATEST_VERSION, schemaVersion } from '../../app/store/migrations';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-backup-')), 'visage.db');
const emb = Buffer.alloc(128, 7);

/** A library as Visage with schema v1 left it: one photo with one face, one error. */
function v1Library(file: string): void {
  const db = openDatabase(file, { targetVersion: 1 });
  expect(schemaVersion(db)).toBe(1);
  db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (1, '/p/ä ö.jpg', 'h1', 10, 1000, 640, 480, '2024-01-01')").run();
  db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (1, 1, 2, 30, 40, 0.9, '[]', ?, 'dlib-resnet-v1')").run(emb);
  db.prepare("INSERT INTO errors (path, code, message, at) VALUES ('/p/bad.jpg', 'truncated', 'cut', '2024-01-01')").run();
  db.close();
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
}

describe('backup before migration', () => {
  it('opening a v1 library with a newer Visage backs it up as v1 first, then migrates', () => {
    expect(LATEST_VERSION).toBeGreaterThan(1);
    const file = tmpDb();
    v1Library(file);
    expect(listBackups(file)).toEqual([]);

    const before = Date.now();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    db.close();

    const backups = listBackups(file);
    expect(backups.length).toBe(1);
    const [b] = backups;
    expect(path.dirname(b!.file)).toBe(path.join(path.dirname(file), 'visage.backups'));
    expect(path.basename(b!.file)).toMatch(/^visage-v1-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.db$/);
    expect(b!.version).toBe(1);
    expect(b!.takenAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(b!.takenAt.getTime()).toBeLessThanOrEqual(Date.now());

    // The copy is the old library, intact and at its old version.
    const copy = new Database(b!.file, { readonly: true });
    expect(schemaVersion(copy)).toBe(1);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('SELECT path, hash FROM photos').all()).toEqual([{ path: '/p/ä ö.jpg', hash: 'h1' }]);
    const face = copy.prepare('SELECT embedding FROM faces').get() as { embedding: Buffer };
    expect(Buffer.compare(face.embedding, emb)).toBe(0);
    expect(tables(copy)).not.toContain('persons');
    copy.close();

    // The copy can be opened by the current Visage too (restoring means copying it back).
    const restored = path.join(path.dirname(file), 'restored.db');
    fs.copyFileSync(b!.file, restored);
    const again = openDatabase(restored);
    expect(schemaVersion(again)).toBe(LATEST_VERSION);
    expect((again.prepare('SELECT COUNT(*) AS n FROM faces').get() as { n: number }).n).toBe(1);
    again.close();
  });

  it('writes no backup for a new file, an up-to-date file, a read-only open or an in-memory database', () => {
    const file = tmpDb();
    openDatabase(file).close(); // new file: nothing to keep
    openDatabase(file).close(); // already latest
    expect(fs.existsSync(backupDirFor(file))).toBe(false);

    const old = tmpDb();
    v1Library(old);
    const ro = openDatabase(old, { readonly: true }); // read-only: no migration, no backup
    expect(schemaVersion(ro)).toBe(1);
    ro.close();
    expect(listBackups(old)).toEqual([]);

    const mem = openDatabase(':memory:');
    expect(backupBeforeMigration(mem, ':memory:')).toBeNull();
    mem.close();
  });

  it('writes no backup for an empty (v0) file', () => {
    const file = tmpDb();
    openDatabase(file, { targetVersion: 0 }).close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    db.close();
    expect(listBackups(file)).toEqual([]);
  });

  it('migrating step by step backs up each old version', () => {
    const file = tmpDb();
    v1Library(file);
    openDatabase(file, { targetVersion: 2 }).close();
    openDatabase(file).close();
    const versions = listBackups(file).map((b) => b.version);
    expect(versions).toEqual(LATEST_VERSION > 2 ? [1, 2] : [1]);
  });

  it('includes writes still in the WAL (not yet checkpointed)', () => {
    const file = tmpDb();
    v1Library(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES ('/p/wal.jpg', 'h2', 1, 1, 1, 1, 'x')").run();
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    const backup = backupBeforeMigration(db, file, LATEST_VERSION, { now: new Date('2026-01-02T03:04:05Z') })!;
    db.close();
    expect(path.basename(backup)).toBe('visage-v1-2026-01-02T03-04-05Z.db');
    const copy = new Database(backup, { readonly: true });
    expect((copy.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n).toBe(2);
    copy.close();
  });

  it('keeps the last N backups, oldest deleted first; same-second backups get distinct names', () => {
    const file = tmpDb();
    v1Library(file);
    const db = new Database(file);
    expect(migrationPending(db)).toBe(true);
    const days = ['2026-01-01', '2026-02-01', '2026-03-01', '2026-04-01', '2026-05-01'];
    for (const d of days) backupBeforeMigration(db, file, LATEST_VERSION, { now: new Date(`${d}T12:00:00Z`), keep: 3 });
    expect(listBackups(file).map((b) => b.takenAt.toISOString().slice(0, 10))).toEqual(['2026-03-01', '2026-04-01', '2026-05-01']);

    const a = backupBeforeMigration(db, file, LATEST_VERSION, { now: new Date('2026-06-01T00:00:00Z'), keep: 10 })!;
    const b = backupBeforeMigration(db, file, LATEST_VERSION, { now: new Date('2026-06-01T00:00:00Z'), keep: 10 })!;
    expect(a).not.toBe(b);
    expect(path.basename(b)).toBe('visage-v1-2026-06-01T00-00-00Z-1.db');
    expect(listBackups(file).slice(-2).map((x) => x.file)).toEqual([a, b]);
    db.close();

    // Unrelated files in the folder are never touched by pruning.
    const other = path.join(backupDirFor(file), 'my-notes.txt');
    fs.writeFileSync(other, 'keep me');
    expect(pruneBackups(file, 1).length).toBe(4);
    expect(listBackups(file).map((x) => x.file)).toEqual([b]);
    expect(fs.existsSync(other)).toBe(true);
  });

  it('when the backup cannot be written, the library is left at its old version, untouched', () => {
    const file = tmpDb();
    v1Library(file);
    fs.writeFileSync(backupDirFor(file), 'a file in the way of the backups folder');
    expect(() => openDatabase(file)).toThrow(BackupError);
    const db = new Database(file, { readonly: true });
    expect(schemaVersion(db)).toBe(1);
    expect((db.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n).toBe(1);
    db.close();
  });

  it('backupDatabase copies a live database with the online backup API', async () => {
    const file = tmpDb();
    const db = openDatabase(file);
    db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES ('/p/x.jpg', 'h', 1, 1, 1, 1, 'x')").run();
    const dest = path.join(path.dirname(file), 'manual', 'copy.db');
    expect(await backupDatabase(db, dest)).toBe(dest);
    db.close();
    expect(fs.existsSync(`${dest}.partial`)).toBe(false);
    const copy = new Database(dest, { readonly: true });
    expect(schemaVersion(copy)).toBe(LATEST_VERSION);
    expect((copy.prepare('SELECT COUNT(*) AS n FROM photos').get() as { n: number }).n).toBe(1);
    copy.close();
  });
});
