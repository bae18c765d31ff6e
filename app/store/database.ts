/**
 * Opens the library database: WAL journal, foreign keys on, migrations applied.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupBeforeMigration } from './backup';
import { migrate } from './migrations';

export interface OpenOptions {
  /** Fail instead of creating a missing file (read-only commands). */
  mustExist?: boolean;
  readonly?: boolean;
  /** Stop at this schema version (migration tests). */
  targetVersion?: number;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'db-missing' | 'db-unusable',
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
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.mustExist ?? false, nativeBinding });
  } catch (e) {
    throw new StoreError('db-unusable', `cannot open ${file}: ${(e as Error).message}`);
  }
  try {
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
    // SQLITE_NOTADB: not a database, or an encrypted one.
    if (e instanceof Database.SqliteError && e.code === 'SQLITE_NOTADB') {
      throw new StoreError('db-unusable', `${file} is not a Visage database: ${e.message}`);
    }
    throw e;
  }
  return db;
}
