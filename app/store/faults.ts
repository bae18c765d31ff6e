/**
 * Telling a machine fault (app/contract/faults.ts) from a file fault or a bug: SQLite's result
 * codes (better-sqlite3's `SqliteError.code`) and system error codes (`errno` names) that say the
 * disk, the library folder or another process is the cause.
 */
import fs from 'node:fs';
import path from 'node:path';
import { faultSentence, type FaultAction, type MachineFaultInfo, type MachineFaultKind } from '../contract/faults';

export class MachineFault extends Error {
  constructor(readonly info: MachineFaultInfo) {
    super(info.message);
    this.name = 'MachineFault';
  }
  get kind(): MachineFaultKind {
    return this.info.kind;
  }
}

export function makeFault(kind: MachineFaultKind, where: string, detail: string, action: FaultAction = 'command'): MachineFault {
  return new MachineFault({ kind, path: where, message: faultSentence(kind, where, action), detail });
}

const OFFLINE_ERRNOS = new Set(['EIO', 'ENXIO', 'ENODEV', 'ESTALE', 'ENOTCONN', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETDOWN', 'ENETUNREACH', 'ETIMEDOUT']);

/** A system error code that means the device or share holding a path is gone (not the file alone). */
export function isOfflineErrno(code: string | undefined): boolean {
  return code !== undefined && OFFLINE_ERRNOS.has(code);
}

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/**
 * The machine fault behind an error met while reading or writing the LIBRARY (database, WAL,
 * thumbnails, backups), or null when it is something else (a bug, a damaged file). `dbFile` names
 * the library in the sentence.
 */
export function libraryFaultOf(e: unknown, dbFile: string, action: FaultAction = 'command'): MachineFault | null {
  if (e instanceof MachineFault) return e;
  const code = errCode(e);
  if (!code) return null;
  const detail = `${code}: ${e instanceof Error ? e.message : String(e)}`;
  const dir = dbFile === ':memory:' ? dbFile : path.dirname(path.resolve(dbFile));
  const kind = libraryFaultKind(code, dir);
  return kind ? makeFault(kind, kind === 'locked' ? dbFile : dir, detail, action) : null;
}

function libraryFaultKind(code: string, dir: string): MachineFaultKind | null {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'locked';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return folderReachable(dir) ? 'read-only' : 'library-offline';
  }
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || isOfflineErrno(code) || code === 'ENOENT') {
    if (!folderReachable(dir)) return 'library-offline';
    if (!folderWritable(dir)) return 'read-only';
    // An I/O error on a reachable, writable folder: most often the disk filled between two writes.
    return code === 'ENOENT' ? null : freeBytes(dir) === 0 ? 'disk-full' : 'library-offline';
  }
  return null;
}

export function folderReachable(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

export function folderWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return false;
  }
  // root passes access() on a read-only mount: statfs flags are not exposed, so try a file.
  const probe = path.join(dir, `.visage-write-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
    return true;
  } catch (e) {
    return errCode(e) === 'ENOSPC' || errCode(e) === 'EDQUOT';
  }
}

/** Bytes free for this user on the file system holding `dir`; null when unknown. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}
