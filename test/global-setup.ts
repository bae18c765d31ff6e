/**
 * One temporary folder per test run: every test makes its libraries, photos and exports under
 * os.tmpdir(), and many of them leave those behind on purpose (a killed process, a mount). Pointing
 * TMPDIR at a folder of this run, before the test workers and the CLI processes they spawn start,
 * and removing it afterwards keeps /tmp from filling up run after run (it held thousands of
 * visage-* folders). VISAGE_KEEP_TEST_TMP=1 keeps it for a post-mortem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'visage-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (process.env.VISAGE_KEEP_TEST_TMP === '1') {
      console.log(`test temporary files kept in ${root}`);
      return;
    }
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      console.warn(`could not remove ${root}: ${(e as Error).message}`);
    }
  };
}
