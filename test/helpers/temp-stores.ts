/** Library files in temp folders for one test file: each is closed and removed after each test. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { Store } from '../../app/store/store';

/** Registers the clean-up (call at the top level of a test file); `open()` gives a new library. */
export function tempStores(prefix: string): { open: () => Store } {
  const stores: Store[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      const store = Store.open(path.join(dir, 'visage.db'));
      stores.push(store);
      return store;
    },
  };
}
