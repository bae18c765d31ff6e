/**
 * Backups of the library database.
 *
 * Before a newer Visage migrates an existing library to a newer schema (first start after an
 * upgrade), `backupBeforeMigration` writes a consistent copy of the file as it is, named with its
 * schema version and the date, into `<name>.backups/` beside the database
 * (visage.db -> visage.backups/visage-v2-2026-05-01T10-00-00Z.db), and keeps the last N of them.
 * Going back to the previous Visage is then: quit, copy the backup over visage.db (and delete
 * visage.db-wal / visage.db-shm).
 *
 * Two ways to copy, both consistent snapshots of a live WAL database:
 * - `backupBeforeMigration` runs inside the synchronous `openDatabase`, so it uses SQLite's
 *   `VACUUM INTO` (synchronous; reads one snapshot, WAL content included, and writes a compact,
 *   ordinary database file; schema version and data are carried over).
 * - `backupDatabase` uses SQLite's online backup API (better-sqlite3's `db.backup()`, which is
 *   asynchronous: pages are copied in steps while the app keeps working), for "back up now".
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { LATEST_VERSION, schemaVersion } from './migrations';

/** Pre-migration backups kept per database (older ones are deleted after a new one is written). */
export const DEFAULT_KEEP = 5;

export interface BackupOptions {
  /** How many pre-migration backups to keep (default 5, at least 1). */
  keep?: number;
  /** Clock (tests). */
  now?: Date;
  /** Folder for the backups (default: `<name>.backups` beside the database). */
  dir?: string;
}

export interface BackupInfo {
  file: string;
  /** Schema version of the database that was copied. */
  version: number;
  /** When the copy was taken (UTC, from the file name). */
  takenAt: Date;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** visage.db -> <dir>/visage.backups */
export function backupDirFor(dbPath: string): string {
  return path.join(path.dirname(path.resolve(dbPath)), `${baseName(dbPath)}.backups`);
}

function baseName(dbPath: string): string {
  return path.basename(dbPath).replace(/\.(db|sqlite3?)$/i, '');
}

/** 2026-05-01T10:00:00.123Z -> 2026-05-01T10-00-00Z (sortable, valid on every file system). */
export function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

function backupPattern(dbPath: string): RegExp {
  const esc = baseName(dbPath).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc}-v(\\d+)-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}Z)(?:-(\\d+))?\\.db$`);
}

/** The pre-migration backups of a database, oldest first. */
export function listBackups(dbPath: string, dir = backupDirFor(dbPath)): BackupInfo[] {
  if (!fs.existsSync(dir)) return [];
  const re = backupPattern(dbPath);
  const found: (BackupInfo & { seq: number })[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = re.exec(name);
    if (!m) continue;
    const iso = m[2]!.replace(/T(\d{2})-(\d{2})-(\d{2})Z$/, 'T$1:$2:$3Z');
    found.push({ file: path.join(dir, name), version: Number(m[1]), takenAt: new Date(iso), seq: Number(m[3] ?? 0) });
  }
  found.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.seq - b.seq);
  return found.map(({ seq: _seq, ...b }) => b);
}

/** Deletes all but the newest `keep` pre-migration backups. Returns the files deleted. */
export function pruneBackups(dbPath: string, keep = DEFAULT_KEEP, dir = backupDirFor(dbPath)): string[] {
  const all = listBackups(dbPath, dir);
  const doomed = all.slice(0, Math.max(0, all.length - Math.max(1, keep)));
  for (const b of doomed) fs.rmSync(b.file, { force: true });
  return doomed.map((b) => b.file);
}

/** A free file name for a backup of `version` taken at `now`. */
function targetFile(dbPath: string, dir: string, version: number, now: Date): string {
  const base = `${baseName(dbPath)}-v${version}-${stamp(now)}`;
  let file = path.join(dir, `${base}.db`);
  for (let i = 1; fs.existsSync(file); i++) file = path.join(dir, `${base}-${i}.db`);
  return file;
}

/**
 * Will opening this database to `target` run a migration on data worth keeping? True when the file
 * holds a schema (version >= 1) older than the target. A brand-new or empty file (version 0) has
 * nothing to back up; a newer-than-known file is refused by `migrate`, untouched.
 */
export function migrationPending(db: Database.Database, target = LATEST_VERSION): boolean {
  const current = schemaVersion(db);
  return current >= 1 && current < target && current <= LATEST_VERSION;
}

/**
 * Called by `openDatabase` on an existing file, before `migrate`: when a migration will run,
 * writes `<name>.backups/<name>-v<old>-<date>.db` and prunes to the last `keep`. Returns the
 * backup's path, or null when no migration is pending. Throws BackupError when the copy cannot be
 * written: the library is then left untouched at its old version rather than migrated without a
 * way back.
 */
export function backupBeforeMigration(
  db: Database.Database,
  dbPath: string,
  target = LATEST_VERSION,
  opts: BackupOptions = {},
): string | null {
  if (dbPath === ':memory:' || dbPath === '' || !migrationPending(db, target)) return null;
  const version = schemaVersion(db);
  const dir = opts.dir ?? backupDirFor(dbPath);
  let file = '';
  try {
    fs.mkdirSync(dir, { recursive: true });
    file = targetFile(dbPath, dir, version, opts.now ?? new Date());
    // One consistent snapshot of the live database (WAL included), written as a compact file.
    db.prepare('VACUUM INTO ?').run(file);
  } catch (e) {
    if (file) fs.rmSync(file, { force: true });
    throw new BackupError(
      `could not back up ${dbPath} (schema v${version}) before upgrading it to v${target}: ${(e as Error).message}. ` +
        'The library was not changed; free some disk space or check the permissions of ' +
        `${dir}, then start Visage again.`,
    );
  }
  pruneBackups(dbPath, opts.keep ?? DEFAULT_KEEP, dir);
  return file;
}

/**
 * A copy of a live database through SQLite's online backup API (asynchronous: the app can keep
 * reading and writing while pages are copied). Writes to a temporary name and renames, so `dest`
 * is either complete or absent.
 */
export async function backupDatabase(db: Database.Database, dest: string): Promise<string> {
  const target = path.resolve(dest);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.partial`;
  fs.rmSync(tmp, { force: true });
  try {
    await db.backup(tmp);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new BackupError(`could not back up the library to ${target}: ${(e as Error).message}`);
  }
  return target;
}
