/**
 * Walks photo folders. Yields regular files with a photo extension, in a stable (sorted) order.
 * Never throws for what a disk holds: problems are reported through `onProblem` and the walk goes on.
 * - hidden entries (".name") and system folders (recycle bins, NAS thumbnail folders) are skipped;
 * - symlinks are followed, but a directory is entered once (by device+inode), so loops end;
 * - a dangling or looping symlink, an unreadable folder, a photo-named FIFO/socket/device is a problem.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { hasPhotoExtension } from './formats';

export interface WalkEntry {
  path: string;
  size: number;
  mtimeMs: number;
}

export type WalkProblemCode = 'permission-denied' | 'symlink-loop' | 'dangling-symlink' | 'not-a-file' | 'unreadable-dir';

export interface WalkProblem {
  path: string;
  code: WalkProblemCode;
  message: string;
}

export const SYSTEM_FOLDERS: ReadonlySet<string> = new Set([
  '@eadir', // Synology thumbnails
  '#recycle',
  '$recycle.bin',
  'system volume information',
  'lost+found',
  '__macosx',
  'node_modules',
]);

export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FOLDERS.has(name.toLowerCase());
}

export interface WalkOptions {
  onProblem?: (p: WalkProblem) => void;
  /** Checked between folders: stops the walk early. */
  shouldStop?: () => boolean;
}

function problemFor(code: string | undefined, p: string, e: unknown): WalkProblem {
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'EACCES' || code === 'EPERM') return { path: p, code: 'permission-denied', message };
  if (code === 'ELOOP') return { path: p, code: 'symlink-loop', message };
  return { path: p, code: 'unreadable-dir', message };
}

export async function* walk(roots: string[], opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const report = opts.onProblem ?? (() => {});
  const entered = new Set<string>();
  for (const root of roots) {
    const stack: Array<{ dir: string; ancestors: string[] }> = [];
    try {
      const st = await fs.stat(root);
      if (st.isFile()) {
        if (hasPhotoExtension(root)) yield { path: root, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
        continue;
      }
      stack.push({ dir: root, ancestors: [] });
    } catch (e) {
      report(problemFor((e as NodeJS.ErrnoException).code, root, e));
      continue;
    }
    while (stack.length > 0) {
      if (opts.shouldStop?.()) return;
      const { dir, ancestors } = stack.pop()!;
      let key: string;
      try {
        const st = await fs.stat(dir);
        key = `${st.dev}:${st.ino}`;
      } catch (e) {
        report(problemFor((e as NodeJS.ErrnoException).code, dir, e));
        continue;
      }
      if (entered.has(key)) {
        if (ancestors.includes(key)) report({ path: dir, code: 'symlink-loop', message: 'symbolic link points back into one of its parent folders' });
        continue;
      }
      entered.add(key);
      let names: string[];
      try {
        names = (await fs.readdir(dir)).sort();
      } catch (e) {
        report(problemFor((e as NodeJS.ErrnoException).code, dir, e));
        continue;
      }
      const subdirs: string[] = [];
      for (const name of names) {
        if (isSkippedName(name)) continue;
        const full = path.join(dir, name);
        let st;
        try {
          st = await fs.stat(full); // follows symlinks
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            // Dangling symlink (or vanished since readdir): only worth a record when it looks like a photo.
            if (hasPhotoExtension(name)) report({ path: full, code: 'dangling-symlink', message: 'symbolic link to a missing file' });
          } else if (code === 'ELOOP') {
            report({ path: full, code: 'symlink-loop', message: 'symbolic link loop' });
          } else if (hasPhotoExtension(name)) {
            report(problemFor(code, full, e));
          }
          continue;
        }
        if (st.isDirectory()) subdirs.push(full);
        else if (hasPhotoExtension(name)) {
          if (st.isFile()) yield { path: full, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
          else report({ path: full, code: 'not-a-file', message: 'not a regular file (FIFO, socket or device)' });
        }
      }
      // Depth-first in name order: push in reverse so the first name is walked first.
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push({ dir: subdirs[i]!, ancestors: [...ancestors, key] });
    }
  }
}
