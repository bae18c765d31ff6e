/**
 * Where the Electron build of better-sqlite3 is. Running from source under Electron (npm start with
 * the desktop shell) the copy in node_modules is built for Node's ABI, so the install builds one for
 * Electron's into node_modules/.visage-electron (scripts/postinstall.js); packaged apps carry the
 * Electron build in place (build/after-pack.js) and need nothing here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths';

export function electronSqliteBinding(): string | undefined {
  if (!process.versions.electron) return undefined;
  const candidate = path.join(projectRoot(), 'node_modules', '.visage-electron', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}
