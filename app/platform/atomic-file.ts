/**
 * Replacing a file so that a crash, a `kill -9` or a power cut leaves the old file or the new one,
 * never half of one, and no litter: the text goes to a temporary file beside the target, is flushed
 * to the disk (fsync: without it a power cut after the rename can leave an empty file on some file
 * systems), then renamed over the target, and the folder is flushed so the rename itself lasts.
 * Temporary files that a killed writer left for the same target are removed on the next write.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from './processes';

/** Suffix of the temporary files (`.<name>.<pid>.<random>.visage-tmp`, hidden, beside the target). */
export const TEMP_SUFFIX = '.visage-tmp';

/** Temporary files of `file` left by writers that are no longer running. */
export function staleTempFiles(file: string): string[] {
  const dir = path.dirname(file);
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith(TEMP_SUFFIX)) continue;
    const pid = Number(n.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) out.push(path.join(dir, n));
  }
  return out;
}

/** Writes `text` to `file` atomically and durably (see the header); `mode` keeps a file's permissions. */
export function writeFileAtomic(file: string, text: string, opts: { mode?: number } = {}): void {
  for (const stale of staleTempFiles(file)) fs.rmSync(stale, { force: true });
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  try {
    const fd = fs.openSync(tmp, 'w', opts.mode ?? 0o666);
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.mode !== undefined) fs.chmodSync(tmp, opts.mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  syncFolder(dir);
}

/** Flushes a folder's entries (the rename); not every system can open a folder (Windows): skipped there. */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
