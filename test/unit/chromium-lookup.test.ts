import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumExecutable, findChromium } from '../helpers/chromium';

let dir: string;
let a: string;
let b: string;

function fakeBrowser(folder: string, name: string): string {
  fs.mkdirSync(folder, { recursive: true });
  const p = path.join(folder, name);
  fs.writeFileSync(p, '#!/bin/sh\n', { mode: 0o755 });
  return p;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-chromium-'));
  a = fakeBrowser(path.join(dir, 'a'), 'google-chrome');
  b = fakeBrowser(path.join(dir, 'b'), 'chromium-browser');
  fs.writeFileSync(path.join(dir, 'a', 'chromium'), 'not executable', { mode: 0o644 });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('finding the e2e tests\' Chromium', () => {
  it('takes VISAGE_CHROMIUM first, then PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH', () => {
    expect(findChromium({ VISAGE_CHROMIUM: a, PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: b, PATH: '' })).toEqual({ path: a, from: 'VISAGE_CHROMIUM' });
    expect(findChromium({ PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: b, PATH: path.join(dir, 'a') })).toEqual({ path: b, from: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH' });
  });

  it('an env path that does not exist is an error, not a fall-back to PATH', () => {
    const r = findChromium({ VISAGE_CHROMIUM: '/nonexistent/chromium', PATH: path.join(dir, 'b') });
    expect(r.path).toBeNull();
    expect(r).toMatchObject({ error: expect.stringContaining('VISAGE_CHROMIUM=/nonexistent/chromium') });
  });

  it('then chromium, chromium-browser, google-chrome on PATH, in that order of names, skipping files that are not executable', () => {
    const PATH = [path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter);
    expect(findChromium({ PATH })).toEqual({ path: b, from: 'PATH' });
    expect(findChromium({ PATH: path.join(dir, 'a') })).toEqual({ path: a, from: 'PATH' });
  });

  it('nothing found: chromiumExecutable throws a message that says what to install or set', () => {
    expect(() => chromiumExecutable({ PATH: path.join(dir, 'empty') })).toThrow(/no Chromium for the e2e tests: .*VISAGE_CHROMIUM/);
  });
});
