/**
 * The desktop app end to end with Playwright's Electron support. Runs where an Electron binary
 * exists (a normal `npm install` with internet access downloads it); elsewhere it reports itself
 * skipped with the reason. The browser-mode e2e (browser-flow.test.ts) covers the same UI flows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './fixtures';

function electronBinary(): { exe: string | null; reason: string } {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return { exe: null, reason: 'no Electron binary: node_modules/electron/path.txt is missing (the binary download failed or was skipped on this machine)' };
  const exe = path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  if (!fs.existsSync(exe)) return { exe: null, reason: `no Electron binary at ${exe}` };
  if (!fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) return { exe: null, reason: 'the renderer is not built (npm run build:renderer)' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { exe: null, reason: 'no display (run under xvfb-run -a)' };
  return { exe, reason: '' };
}

const { exe, reason } = electronBinary();
let app: ElectronApplication | null = null;

afterAll(async () => {
  await app?.close();
});

describe('desktop app (Electron)', () => {
  it('opens a hardened window that talks to the engine through the preload', async (ctx) => {
    if (!exe) {
      ctx.skip(reason);
      return;
    }
    const dir = tempDir('visage-electron-e2e-');
    const db = path.join(dir, 'visage.db');
    app = await electron.launch({ executablePath: exe, args: [ROOT, '--db', db], env: { ...process.env, VISAGE_DATA_DIR: dir } });
    const win = await app.firstWindow();
    await win.waitForSelector('#app');
    expect(await win.title()).toBe('Visage');
    expect(win.url()).toBe('visage://app/index.html');
    // contextIsolation + sandbox: no Node in the page, only the typed API.
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await win.evaluate(() => typeof (window as unknown as { visage: { call: unknown } }).visage.call)).toBe('function');
    const state = await win.evaluate(() => (window as unknown as { visage: { call(m: string): Promise<{ dbPath: string }> } }).visage.call('library.state'));
    expect(state.dbPath).toBe(db);
    await expect(win.evaluate(() => (window as unknown as { visage: { call(m: string, p: unknown): Promise<unknown> } }).visage.call('people.get', { id: 'x' }))).rejects.toThrow(/bad-request/);
    // Navigation away is blocked: wait for the attempt to reach the main process's will-navigate
    // handlers (the app's, registered first, has run by the time ours does) and read its verdict,
    // rather than sleeping and hoping a slow navigation would have happened by then.
    type Verdict = { url: string; prevented: boolean };
    await app.evaluate(({ BrowserWindow }) => {
      (globalThis as unknown as { __verdict: Promise<Verdict> }).__verdict = new Promise<Verdict>((resolve) => {
        BrowserWindow.getAllWindows()[0]!.webContents.once('will-navigate', (e, url) => resolve({ url, prevented: e.defaultPrevented }));
      });
    });
    await win.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
      location.href = 'https://example.com/';
    });
    expect(await app.evaluate(() => (globalThis as unknown as { __verdict: Promise<Verdict> }).__verdict)).toEqual({ url: 'https://example.com/', prevented: true });
    expect(win.url()).toBe('visage://app/index.html');
    expect(await win.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await win.waitForSelector('[data-screen=welcome]');
  }, 120_000);
});
