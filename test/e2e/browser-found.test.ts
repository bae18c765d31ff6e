/**
 * The e2e tests need a Chromium: without one they must fail (a CI without a browser is not green),
 * and this test says why in one line. See test/helpers/chromium.ts for where it is looked for.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chromiumExecutable } from '../helpers/chromium';

describe('e2e prerequisites', () => {
  it('a Chromium is found (VISAGE_CHROMIUM, PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, or chromium on PATH) and runs', () => {
    const exe = chromiumExecutable();
    expect(execFileSync(exe, ['--version'], { encoding: 'utf8', timeout: 30_000 })).toMatch(/Chrom(e|ium) \d+/);
  });
});
