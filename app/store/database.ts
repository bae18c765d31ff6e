/**
 * Opens the library database: WAL journal, foreign keys on, migrations applied.
 *
 * A damaged file (not a database, truncated, malformed) or one from a newer Visage is refused
 * before anything is written to it (not even the journal mode), with one sentence that offers the
 * newest backup from `<name>.backups/` (`visage restore --from FILE`, app/store/restore.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupBeforeMigration, listBackups } from './backup';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations';

export interface OpenOptions {
  /** Fail instead of creating a missing file (read-only commands). */
  mustExist?: boolean;
  readonly?: boolean;
  /** Stop at this schema version (migration tests). */
  targetVersion?: number;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'db-missing' | 'db-unusable' | 'db-damaged' | 'db-newer',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/**
 * Where better-sqlite3's native module is, when it is not the one in node_modules: the engine's
 * Electron entry sets it (app/platform/native-modules.ts knows where the Electron build lives), so
 * that storage itself knows nothing of packaging.
 */
let nativeBinding: string | undefined;
export function setSqliteNativeBinding(file: string | undefined): void {
  nativeBinding = file;
}

export function openDatabase(file: string, opts: OpenOptions = {}): Database.Database {
  if (file !== ':memory:') {
    if (opts.mustExist && !fs.existsSync(file)) throw new StoreError('db-missing', `no database at ${file}`);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const existed = file !== ':memory:' && fs.existsSync(file);
  if (existed) {
    const damage = headerDamage(file);
    if (damage) throw damagedError(file, damage);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.mustExist ?? false, nativeBinding });
  } catch (e) {
    throw new StoreError('db-unusable', `cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    // Read before anything is written: a newer file is refused exactly as it is.
    const version = schemaVersion(db);
    if (version > LATEST_VERSION) throw newerError(file, version);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a committed transaction survives a killed process (kill -9); only an OS
      // crash/power loss may lose the last transactions, never corrupt the file.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      // An existing library about to be upgraded is copied first (app/store/backup.ts).
      if (existed) backupBeforeMigration(db, file, opts.targetVersion);
      migrate(db, opts.targetVersion);
    }
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    // SQLITE_NOTADB: not a database, or an encrypted one; SQLITE_CORRUPT: malformed pages.
    if (e instanceof Database.SqliteError && (e.code === 'SQLITE_NOTADB' || e.code.startsWith('SQLITE_CORRUPT'))) {
      throw damagedError(file, e.message);
    }
    throw e;
  }
  return db;
}

/** What is wrong with the file's first page, read without SQLite: null when it looks sound. */
export function headerDamage(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null; // (unreadable: SQLite's own error says why)
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return null; // a new, empty library
    const head = Buffer.alloc(100);
    const n = fs.readSync(fd, head, 0, 100, 0);
    if (n < 100 || head.toString('latin1', 0, 16) !== 'SQLite format 3\u0000') return 'it is not an SQLite database';
    const raw = head.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    const pages = head.readUInt32BE(28);
    // The in-header size is valid when the change counter matches "version-valid-for".
    const valid = head.readUInt32BE(24) === head.readUInt32BE(92);
    // With a WAL beside it the file may lag behind its header (a checkpoint cut short by a full
    // disk writes page 1 first; the WAL still holds every page): only a lone file is judged.
    const wal = fs.existsSync(`${file}-wal`) && fs.statSync(`${file}-wal`).size > 0;
    if (!wal && valid && pages > 0 && size < pages * pageSize) return `it is truncated (${size} of ${pages * pageSize} bytes)`;
    return wal ? null : lostWal(file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Committed changes that lived only in a write-ahead log that is gone: the `-shm` index a process
 * left (it crashed or was killed, so SQLite did not clean up) says the log held frames that were
 * never copied into the file (mxFrame > nBackfill), but the `-wal` file is missing or empty (copied
 * without it, or deleted). Opening would silently drop those changes, and SQLite would rebuild the
 * index and erase the evidence, so the library is refused untouched. Layout (sqlite.org/walformat):
 * two copies of a 48-byte header in native byte order (iVersion 3007000, isInit at byte 12, mxFrame
 * at 16), then the checkpoint info with nBackfill at byte 96.
 */
export function lostWal(file: string): string | null {
  const shm = `${file}-shm`;
  let buf: Buffer;
  try {
    const fd = fs.openSync(shm, 'r');
    try {
      buf = Buffer.alloc(100);
      if (fs.readSync(fd, buf, 0, 100, 0) < 100) return null;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null; // no index: SQLite ended cleanly (or never wrote a log)
  }
  const le = buf.readUInt32LE(0) === 3007000;
  if (!le && buf.readUInt32BE(0) !== 3007000) return null; // not an index this check knows
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  // The two header copies agree when the index is sound; a torn one proves nothing.
  if (buf.compare(buf, 0, 48, 48, 96) !== 0 || buf[12] !== 1) return null;
  const mxFrame = u32(16);
  const backfilled = u32(96);
  if (mxFrame <= backfilled) return null;
  return `its write-ahead log ${path.basename(file)}-wal is missing, and with it ${mxFrame - backfilled} page write(s) of changes made before the last time Visage stopped unexpectedly (if you copied the library, copy ${path.basename(file)}-wal beside it too)`;
}

/** The newest pre-migration backup of this library that is not visibly damaged itself, if any. */
export function newestBackup(file: string): string | null {
  const all = listBackups(file);
  for (let i = all.length - 1; i >= 0; i--) if (headerDamage(all[i]!.file) === null) return all[i]!.file;
  return null;
}

function offerBackup(file: string): string {
  const b = newestBackup(file);
  return b
    ? `restore the newest backup with: visage restore --db ${file} --from ${b}`
    : `no backup was found in ${path.join(path.dirname(path.resolve(file)), path.basename(file).replace(/\.(db|sqlite3?)$/i, ''))}.backups/`;
}

export function damagedError(file: string, why: string): StoreError {
  return new StoreError('db-damaged', `The library ${file} is damaged (${why}) and Visage did not change it: ${offerBackup(file)}.`);
}

function newerError(file: string, version: number): StoreError {
  return new StoreError(
    'db-newer',
    `The library ${file} was written by a newer Visage (schema v${version}; this one knows up to v${LATEST_VERSION}) and Visage did not change it: update Visage, or ${offerBackup(file)}.`,
  );
}
