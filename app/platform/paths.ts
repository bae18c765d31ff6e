/**
 * Where Visage keeps its library by default: the OS user-data folder.
 * Linux: $XDG_DATA_HOME/Visage (or ~/.local/share/Visage); macOS: ~/Library/Application Support/Visage;
 * Windows: %APPDATA%/Visage. `VISAGE_DATA_DIR` overrides all of them (tests, portable installs).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.VISAGE_DATA_DIR) return env.VISAGE_DATA_DIR;
  const home = env.HOME || os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Visage');
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'Visage');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'Visage');
}

export function defaultDbPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return path.join(userDataDir(env, platform), 'visage.db');
}

/** Thumbnails live beside the database: visage.db -> visage.thumbs/. */
export function thumbnailDirFor(dbPath: string): string {
  const dir = path.dirname(dbPath);
  const base = path.basename(dbPath).replace(/\.db$/i, '');
  return path.join(dir, `${base}.thumbs`);
}

/** `--db FILE` when given, else the default location. */
export function resolveDbPath(flag: string | undefined): string {
  return path.resolve(flag ?? defaultDbPath());
}

/** The project root (where package.json lives), from this file's place in src or dist. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.resolve(dir, '..');
  }
  return process.cwd();
}

