/**
 * The library's condition as `visage status` reports it, checked live (a full disk leaves no
 * room to write down that it was full): the file sound and of a schema this Visage knows, the
 * folder reachable, writable and with free space, who has it open for writing, scans that stopped
 * before finishing, and photo folders that are offline. Reads only; never changes the library.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { faultSentence } from '../contract/faults';
import { damagedError, headerDamage, newestBackup } from './database';
import { folderReachable, folderWritable, freeBytes } from './faults';
import { lockOwner } from './lock';
import { LATEST_VERSION } from './migrations';
import { PhotosRepo } from './photos-repo';
import { ScansRepo } from './scans-repo';
import { lastScanSpeed, type ScanSpeed } from './settings';

/** Less free space than this on the library's disk is reported as full. */
export const LOW_SPACE_BYTES = 1024 * 1024;

export interface LibraryHealth {
  db: string;
  exists: boolean;
  /** Conditions that stop Visage from working on the library, one sentence each. */
  problems: string[];
  /** Things worth knowing that stop nothing (open elsewhere, a scan to resume, folders offline). */
  notes: string[];
  schema: number | null;
  newestBackup: string | null;
  /** How fast the last scan that analysed photos went, and on what (null: none recorded). */
  lastScan: ScanSpeed | null;
}

export function checkLibraryHealth(dbPathIn: string): LibraryHealth {
  const db = path.resolve(dbPathIn);
  const dir = path.dirname(db);
  const h: LibraryHealth = { db, exists: fs.existsSync(db), problems: [], notes: [], schema: null, newestBackup: newestBackup(db), lastScan: null };
  if (!h.exists) {
    // (a missing folder is also what a library on an unplugged drive looks like: said, not failed)
    if (!folderReachable(dir)) h.notes.push(`No library at ${db}: the folder ${dir} is not there (new install, or its drive is not connected).`);
    else h.notes.push(`No library yet at ${db}: "visage scan DIR" creates it.`);
    return h;
  }
  if (!folderWritable(dir)) h.problems.push(faultSentence('read-only', dir));
  const free = freeBytes(dir);
  if (free !== null && free < LOW_SPACE_BYTES) h.problems.push(faultSentence('disk-full', dir));
  const owner = lockOwner(db);
  if (owner) h.notes.push(`The library is open for writing in ${owner.what} (process ${owner.pid}, since ${owner.since}).`);
  const damage = headerDamage(db);
  if (damage) {
    h.problems.push(damagedError(db, damage).message);
    return h;
  }
  let conn: Database.Database | null = null;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
    conn.pragma('busy_timeout = 2000');
    h.schema = conn.pragma('user_version', { simple: true }) as number;
    if (h.schema > LATEST_VERSION) {
      h.problems.push(`The library ${db} was written by a newer Visage (schema v${h.schema}; this one knows up to v${LATEST_VERSION}): update Visage.`);
      return h;
    }
    const quick = (conn.pragma('quick_check(1)') as { quick_check: string }[])[0]?.quick_check;
    if (quick !== 'ok') {
      h.problems.push(damagedError(db, `quick_check: ${quick ?? 'no answer'}`).message);
      return h;
    }
    if (h.schema < 2) return h; // (scans and their roots came with v2; opening migrates)
    if (h.schema >= 3) h.lastScan = lastScanSpeed(conn); // (settings came with v3)
    const scans = new ScansRepo(conn);
    const photos = new PhotosRepo(conn);
    for (const s of scans.unfinished()) {
      const roots = JSON.parse(s.roots) as string[];
      h.notes.push(`A scan of ${roots.join(', ')} stopped before it finished: run "visage scan ${roots.join(' ')}" again to resume it; nothing was lost.`);
    }
    const seen = new Set<string>();
    for (const text of scans.allRoots()) {
      for (const root of JSON.parse(text) as string[]) {
        if (seen.has(root)) continue;
        seen.add(root);
        if (folderReachable(root)) continue;
        const n = photos.countUnder(root, root.endsWith(path.sep) ? root : root + path.sep);
        if (n > 0) h.notes.push(`The photo folder ${root} is offline: its ${n} photo(s) stay in the library and come back when it is reconnected.`);
      }
    }
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') h.problems.push(damagedError(db, (e as Error).message).message);
    else if (code.startsWith('SQLITE_BUSY')) h.notes.push(`The library is busy right now (${(e as Error).message}).`);
    else h.problems.push(`The library ${db} cannot be read: ${(e as Error).message}.`);
  } finally {
    conn?.close();
  }
  return h;
}
