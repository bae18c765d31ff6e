/**
 * One writer per library: `<db>.lock` beside the database names the process that has the library
 * open for writing (the app's engine, `visage serve`, `visage scan`, `visage import`, `visage
 * restore`). A second one, in another process, is refused with one sentence (a MachineFault of
 * kind 'locked', exit 75 in the CLI) instead of interleaving its work and caches with the first.
 * SQLite keeps every single transaction atomic either way; the lock keeps whole operations apart.
 *
 * The file is created with O_EXCL; a lock whose process is gone (killed, power cut) is stale and
 * taken over. Within one process the lock is shared (counted), so that tests and hosts that open
 * the same library twice in one process are not refused by themselves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MachineFault, makeFault } from './faults';
import { processAlive } from '../platform/processes';

export interface LockOwner {
  pid: number;
  host: string;
  what: string;
  since: string;
}

export function lockFileFor(dbPath: string): string {
  return `${path.resolve(dbPath)}.lock`;
}

const held = new Map<string, number>();

export interface LibraryLock {
  release(): void;
}

/** The process holding the library, if a live one does (null: free or stale). */
export function lockOwner(dbPath: string): LockOwner | null {
  const file = lockFileFor(dbPath);
  let owner: LockOwner;
  try {
    owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
  if (typeof owner.pid !== 'number') return null;
  if (owner.host !== os.hostname()) return owner; // another machine (network share): trust it
  return processAlive(owner.pid) ? owner : null;
}

/**
 * Takes the library for writing, or throws MachineFault('locked') naming who has it. `what` says
 * what this process is ("visage scan", "the app").
 */
export function acquireLibraryLock(dbPath: string, what: string): LibraryLock {
  if (dbPath === ':memory:') return { release: () => {} };
  const file = lockFileFor(dbPath);
  const mine = held.get(file);
  if (mine !== undefined) {
    held.set(file, mine + 1);
    return once(file);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: os.hostname(), what, since: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      held.set(file, 1);
      return once(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = lockOwner(dbPath);
    if (owner) {
      throw new MachineFault({
        kind: 'locked',
        path: dbPath,
        message: `The library ${dbPath} is open in ${owner.what} (process ${owner.pid}): close it or wait for it to finish, then run this again; nothing was changed.`,
        detail: `lock ${file} held by pid ${owner.pid} on ${owner.host} since ${owner.since}`,
      });
    }
    // Stale (its process is gone): take it over. Renaming it away first means two processes racing
    // for a stale lock cannot both delete a fresh one.
    try {
      fs.renameSync(file, `${file}.stale-${process.pid}`);
      fs.rmSync(`${file}.stale-${process.pid}`, { force: true });
    } catch {
      // (another process took it over first: try again)
    }
  }
  throw makeFault('locked', dbPath, 'the lock file could not be taken');
}

function once(file: string): LibraryLock {
  let done = false;
  return {
    release() {
      if (done) return;
      done = true;
      const n = (held.get(file) ?? 1) - 1;
      if (n > 0) {
        held.set(file, n);
        return;
      }
      held.delete(file);
      try {
        const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
        if (owner.pid === process.pid) fs.rmSync(file, { force: true });
      } catch {
        // (gone already)
      }
    },
  };
}
