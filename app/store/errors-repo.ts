/** Errors: the latest problem per path (kept until the file indexes or disappears). */
import type Database from 'better-sqlite3';
import type { ErrorRow } from './types';

export interface NewError {
  path: string;
  code: string;
  message: string;
  size?: number | null;
  mtime_ms?: number | null;
}

export class ErrorsRepo {
  private readonly sUpsert;
  private readonly sClear;
  private readonly sByPath;
  private readonly sAll;
  private readonly sUnder;
  private readonly sDelete;

  constructor(db: Database.Database) {
    this.sUpsert = db.prepare(
      `INSERT INTO errors (path, code, message, at, size, mtime_ms) VALUES (@path, @code, @message, @at, @size, @mtime_ms)
       ON CONFLICT(path) DO UPDATE SET code=excluded.code, message=excluded.message, at=excluded.at, size=excluded.size, mtime_ms=excluded.mtime_ms`,
    );
    this.sClear = db.prepare('DELETE FROM errors WHERE path = ?');
    this.sByPath = db.prepare<[string], ErrorRow>('SELECT * FROM errors WHERE path = ?');
    this.sAll = db.prepare<[], ErrorRow>('SELECT * FROM errors ORDER BY path');
    this.sUnder = db.prepare<[string, string, string], ErrorRow>(
      'SELECT * FROM errors WHERE path = ? OR substr(path, 1, length(?)) = ? ORDER BY path',
    );
    this.sDelete = db.prepare('DELETE FROM errors WHERE id = ?');
  }

  record(e: NewError): void {
    this.sUpsert.run({
      path: e.path,
      code: e.code,
      message: e.message.slice(0, 2000),
      at: new Date().toISOString(),
      size: e.size ?? null,
      mtime_ms: e.mtime_ms ?? null,
    });
  }

  clear(path: string): void {
    this.sClear.run(path);
  }

  byPath(path: string): ErrorRow | undefined {
    return this.sByPath.get(path);
  }

  all(): ErrorRow[] {
    return this.sAll.all();
  }

  under(root: string, sep: string): ErrorRow[] {
    const prefix = root.endsWith(sep) ? root : root + sep;
    return this.sUnder.all(root, prefix, prefix);
  }

  delete(id: number): void {
    this.sDelete.run(id);
  }
}
