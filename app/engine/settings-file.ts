/**
 * The app's own settings for one library: the library folders and the clustering strictness. A
 * small JSON file beside the database (`visage.db` -> `visage.settings.json`), written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { strictness, type Strictness } from '../contract/contract';

export interface LibrarySettings {
  folders: string[];
  strictness: Strictness;
}

export function settingsFileFor(dbPath: string): string {
  return path.join(path.dirname(dbPath), `${path.basename(dbPath).replace(/\.db$/i, '')}.settings.json`);
}

export function readSettings(file: string): LibrarySettings {
  const out: LibrarySettings = { folders: [], strictness: 'normal' };
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return out;
  }
  const r = raw as { folders?: unknown; strictness?: unknown };
  if (Array.isArray(r.folders)) out.folders = [...new Set(r.folders.filter((f): f is string => typeof f === 'string' && path.isAbsolute(f)))];
  const s = strictness.safeParse(r.strictness);
  if (s.success) out.strictness = s.data;
  return out;
}

export function writeSettings(file: string, s: LibrarySettings): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
