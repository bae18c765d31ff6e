/**
 * The folders a scan works in: this scan's roots and every earlier scan's, which one a photo
 * belongs to, and whether it is offline (unreachable, or an empty mount point while the library
 * holds photos under it). Photos under an offline root are never deleted nor taken as moved.
 */
import fs from 'node:fs';
import path from 'node:path';
import { folderReachable, makeFault } from '../store/faults';
import type { PhotosRepo } from '../store/photos-repo';

export class ScanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanInputError';
  }
}

/** This scan's roots and every earlier scan's (stored as JSON arrays), longest first. */
function knownRoots(roots: string[], stored: string[]): string[] {
  const all = new Set(roots);
  for (const text of stored) {
    try {
      for (const r of JSON.parse(text) as unknown[]) if (typeof r === 'string') all.add(r);
    } catch {
      // (a malformed row names no root)
    }
  }
  return [...all].sort((a, b) => b.length - a.length);
}

export class LibraryRoots {
  /** Longest first. */
  private readonly known: string[];

  constructor(
    roots: string[],
    stored: string[],
    private readonly photos: PhotosRepo,
  ) {
    this.known = knownRoots(roots, stored);
  }

  /** The scan root (or an earlier scan's root) holding `p`, longest first. */
  rootOf(p: string): string | undefined {
    return this.known.find((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  }

  /** The file is gone for good: missing while the folder it belongs to is reachable (not offline). */
  isGone(p: string): boolean {
    if (!isMissing(p)) return false;
    const root = this.rootOf(p);
    return root ? !this.rootOffline(root) : folderReachable(path.dirname(p));
  }

  /**
   * A root is offline when it cannot be reached, or when it is an empty folder while the library
   * holds photos under it (the mount point an unplugged drive leaves behind).
   */
  rootOffline(root: string): boolean {
    if (!folderReachable(root)) return true;
    try {
      if (fs.readdirSync(root).length > 0) return false;
    } catch {
      return true;
    }
    return this.photos.countUnder(root, root.endsWith(path.sep) ? root : root + path.sep) > 0;
  }

  /** Throws folder-offline when the root holding this job's file is offline. */
  checkOnline(p: string, e: unknown): void {
    const root = this.rootOf(p);
    if (root && this.rootOffline(root)) {
      const c = (e as NodeJS.ErrnoException).code ?? '';
      throw makeFault('folder-offline', root, `${c}: ${e instanceof Error ? e.message : String(e)}`, 'scan');
    }
  }
}

function isMissing(p: string): boolean {
  try {
    fs.statSync(p);
    return false;
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    return c === 'ENOENT' || c === 'ENOTDIR';
  }
}

/** Deleted, or still there but no longer a library file (now hidden, a folder, ...). Unreadable: keep. */
export function isGoneOrExcluded(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    return c === 'ENOENT' || c === 'ENOTDIR' || c === 'ELOOP';
  }
}

/** Absolute, without trailing separators, de-duplicated, sorted; each must exist. */
export function normaliseRoots(roots: string[]): string[] {
  if (roots.length === 0) throw new ScanInputError('no folder to scan');
  const out = new Set<string>();
  for (const r of roots) {
    const abs = path.resolve(r);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new ScanInputError(`no such folder: ${r}`);
    }
    if (!st.isDirectory() && !st.isFile()) throw new ScanInputError(`not a folder: ${r}`);
    out.add(abs);
  }
  return [...out].sort();
}
