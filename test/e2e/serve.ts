/**
 * Shared by the browser-mode e2e tests: building the renderer when it is stale, and running
 * `visage serve` exactly as a user does.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { chromiumExecutable } from '../helpers/chromium';
import { ROOT, tempDir } from './fixtures';

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Builds the renderer when dist/renderer is missing or older than its sources. Test files run in
 * parallel: a lock folder keeps two of them from building at once.
 */
export function ensureRendererBuilt(): void {
  const out = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const fresh = () => {
    const src = Math.max(newest(path.join(ROOT, 'renderer')), fs.statSync(path.join(ROOT, 'vite.config.mts')).mtimeMs);
    return fs.existsSync(out) && fs.statSync(out).mtimeMs >= src;
  };
  if (fresh()) return;
  const lock = path.join(ROOT, 'test-results', 'renderer-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another test file is building (or a stale lock older than 3 minutes).
      if (Date.now() > deadline || Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 180_000) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (!fresh()) execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', 'vite.config.mts', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface Served {
  proc: ChildProcess;
  url: string;
  stdout: () => string;
}

export async function startServe(db: string): Promise<Served> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin', 'visage.js'), 'serve', '--db', db, '--no-open'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`visage serve printed nothing in 30 s; stderr: ${err}`)), 30_000);
    const check = () => {
      const m = /^Visage is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      } else setTimeout(check, 50);
    };
    proc.once('exit', (code) => reject(new Error(`visage serve exited with ${code}: ${err}`)));
    check();
  });
  return { proc, url, stdout: () => out };
}

export async function stopServe(s: Served | null): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  const done = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await done;
}

/** A contract call from inside the page (cookie auth, same origin), like the UI does it. */
export async function pageCall<T>(page: Page, method: string, params?: unknown): Promise<T> {
  return page.evaluate(
    async ([m, p]) => {
      const r = await fetch('/api/call', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ method: m, params: p }) });
      const body = (await r.json()) as { ok: boolean; error?: { message: string }; result?: unknown };
      if (!body.ok) throw new Error(body.error?.message);
      return body.result;
    },
    [method, params] as const,
  ) as Promise<T>;
}

/**
 * Headless Chromium with one 1280x800 light page that reports page errors on the console. Throws
 * (the test fails, it is not skipped) when no browser is found: see test/helpers/chromium.ts.
 */
export async function launchPage(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({ executablePath: chromiumExecutable(), args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return { browser, page };
}

/** `visage serve` on a library already built, and a Chromium page open on it with the app started. */
export async function openApp(db: string): Promise<{ served: Served; browser: Browser; page: Page }> {
  const served = await startServe(db);
  const { browser, page } = await launchPage();
  await page.goto(served.url);
  await page.waitForSelector('[data-screen]');
  return { served, browser, page };
}

export interface ServedLibrary {
  dir: string;
  db: string;
  served: Served;
  browser: Browser;
  page: Page;
}

/**
 * The start of a test over a library of its own (a beforeAll): the renderer built, `build` writes
 * the library database in a new temp folder, `visage serve` serves it, and a Chromium page is open
 * (not yet on it: the caller may watch the page's requests first).
 */
export async function serveLibrary(prefix: string, build: (db: string) => void): Promise<ServedLibrary> {
  ensureRendererBuilt();
  const dir = tempDir(prefix);
  const db = path.join(dir, 'visage.db');
  build(db);
  const served = await startServe(db);
  const { browser, page } = await launchPage();
  return { dir, db, served, browser, page };
}

/** Closes the browser, stops the server and removes the test's folder (an afterAll). */
export async function tearDown(browser: Browser | undefined, served: Served | null, dir: string | undefined): Promise<void> {
  await browser?.close();
  await stopServe(served);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A screenshot of the page as the docs show it: toasts dismissed, no hover, the images on screen
 * loaded; written to test-results/e2e-screens/NAME.png, and to docs/screenshots/NAME.png when that
 * is missing or VISAGE_UPDATE_SCREENSHOTS=1.
 */
export async function docScreenshot(page: Page, name: string): Promise<void> {
  const artifacts = path.join(ROOT, 'test-results', 'e2e-screens');
  const docs = path.join(ROOT, 'docs', 'screenshots');
  await page.evaluate(() => document.querySelectorAll<HTMLButtonElement>('[data-testid=toast] [aria-label=Dismiss]').forEach((b) => b.click()));
  await page.mouse.move(2, 795);
  await page.waitForFunction(() => [...document.images].filter((i) => i.getBoundingClientRect().bottom < innerHeight).every((i) => i.complete), null, { timeout: 10_000 }).catch(() => undefined);
  await page.waitForTimeout(250);
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  const doc = path.join(docs, `${name}.png`);
  if (process.env.VISAGE_UPDATE_SCREENSHOTS === '1' || !fs.existsSync(doc)) fs.copyFileSync(file, doc);
}

/** The contract method of a request to /api/call caught by `page.route` (to hold an engine reply back). */
export const methodOf = (route: Route): string => (JSON.parse(route.request().postData() ?? '{}') as { method?: string }).method ?? '';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
