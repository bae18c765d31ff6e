/**
 * Where a worker_threads script is: the compiled module next to the caller (dist/, or app.asar in
 * the packaged app), else - when the caller runs from TypeScript sources (tests) - its compiled
 * twin under dist/.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { projectRoot } from './paths';

/** `moduleDir`: the caller's __dirname (app/<area>/...); `file`: e.g. 'train-worker.js'. */
export function workerScript(moduleDir: string, file: string): string {
  const own = join(moduleDir, file);
  if (existsSync(own)) return own;
  const root = projectRoot();
  return join(root, 'dist', relative(root, moduleDir), file);
}
