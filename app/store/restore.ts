/**
 * Putting a backup back in place of a damaged (or unwanted) library, safely:
 * 1. the backup is checked first: an SQLite file, `PRAGMA integrity_check` ok, a schema this Visage
 *    can open (it is migrated, with its own pre-migration backup, on the next open);
 * 2. the library must not be open for writing elsewhere (app/store/lock.ts);
 * 3. the current file and its -wal/-shm are moved aside, never deleted
 *    (`visage.db` -> `visage.db.damaged-<date>`, same for `-wal`), so nothing is lost either way;
 * 4. the backup is copied to a temporary name beside the library, flushed, and renamed into place
 *    (a power cut leaves either the old name free or the whole copy, never half a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { headerDamage } from './database';
import { stamp } from './backup';
import { acquireLibraryLock } from './lock';
import { LATEST_VERSION } from './migrations';

export class RestoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreError';
  }
}

export interface RestoreResult {
  db: string;
  from: string;
  /** Where the files that were in place went (empty when there was none). */
  keptAside: string[];
  version: number;
}

/** Why `file` cannot serve as a library (null: it can): damage, integrity, a newer schema. */
export function checkBackup(file: string): { problem: string | null; version: number } {
  if (!fs.existsSync(file)) return { problem: `${file} does not exist`, version: 0 };
  const damage = headerDamage(file);
  if (damage) return { problem: `${file}: ${damage}`, version: 0 };
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const verdict = rows.map((r) => r.integrity_check).join('; ');
    if (verdict !== 'ok') return { problem: `${file} fails its integrity check: ${verdict}`, version };
    if (version > LATEST_VERSION) return { problem: `${file} is from a newer Visage (schema v${version})`, version };
    if (version < 1) return { problem: `${file} is not a Visage library (no schema)`, version };
    return { problem: null, version };
  } catch (e) {
    return { problem: `${file} cannot be read: ${(e as Error).message}`, version: 0 };
  } finally {
    db?.close();
  }
}

export function restoreBackup(dbPathIn: string, fromIn: string, now = new Date()): RestoreResult {
  const db = path.resolve(dbPathIn);
  const from = path.resolve(fromIn);
  if (from === db) throw new RestoreError('the backup and the library are the same file');
  const { problem, version } = checkBackup(from);
  if (problem) throw new RestoreError(`not restored: ${problem}; the library was not changed`);
  const lock = acquireLibraryLock(db, 'visage restore');
  try {
    fs.mkdirSync(path.dirname(db), { recursive: true });
    const keptAside: string[] = [];
    const suffix = `.damaged-${stamp(now)}`;
    for (const ext of ['', '-wal', '-shm', '-journal']) {
      const f = db + ext;
      if (!fs.existsSync(f)) continue;
      let aside = `${db}${suffix}${ext}`;
      for (let i = 1; fs.existsSync(aside); i++) aside = `${db}${suffix}-${i}${ext}`;
      fs.renameSync(f, aside);
      keptAside.push(aside);
    }
    const tmp = `${db}.restoring-${process.pid}`;
    try {
      fs.copyFileSync(from, tmp);
      const fd = fs.openSync(tmp, 'r+');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, db);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw new RestoreError(
        `could not copy ${from} to ${db}: ${(e as Error).message}; the previous files are kept as ${keptAside.join(', ') || '(none)'}`,
      );
    }
    return { db, from, keptAside, version };
  } finally {
    lock.release();
  }
}
