/**
 * Where the e2e tests' Chromium is, found the way Playwright users expect: an explicit path in
 * VISAGE_CHROMIUM or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH (a path there that does not exist is an
 * error, never silently replaced), then `chromium`, `chromium-browser`, `google-chrome` or
 * `google-chrome-stable` on PATH. Playwright never downloads a browser here.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CHROMIUM_ENV = ['VISAGE_CHROMIUM', 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'] as const;
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export type ChromiumLookup = { path: string; from: string } | { path: null; error: string };

export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  for (const name of CHROMIUM_ENV) {
    const v = env[name];
    if (!v) continue;
    return executable(v) ? { path: v, from: name } : { path: null, error: `${name}=${v} is not an executable file` };
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const d of dirs) {
      const p = path.join(d, name);
      if (executable(p)) return { path: p, from: 'PATH' };
    }
  }
  return { path: null, error: `none of ${CHROMIUM_NAMES.join(', ')} is on PATH (${env.PATH ?? ''}) and neither ${CHROMIUM_ENV.join(' nor ')} is set` };
}

/** The browser's path, or an error that says how to provide one (the e2e tests fail with it). */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const r = findChromium(env);
  if (r.path === null) throw new Error(`no Chromium for the e2e tests: ${r.error}. Install Debian's chromium (apt-get install chromium) or set VISAGE_CHROMIUM to the browser's executable.`);
  return r.path;
}
