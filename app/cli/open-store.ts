/**
 * Opening the library for the CLI commands: a missing or foreign file is a usage error; a damaged
 * one or one from a newer Visage is refused untouched (StoreError 'db-damaged' / 'db-newer', exit 3
 * in app/cli/main.ts). A command that writes more than one transaction's worth (a scan, an import,
 * a re-cluster, a correction) names itself in `writer`: it then holds the library's lock
 * (app/store/lock.ts) until it closes the store, and is refused while another Visage has it.
 */
import { UsageError } from './command';
import { StoreError } from '../store/database';
import { acquireLibraryLock } from '../store/lock';
import { Store } from '../store/store';

export function openStoreForReading(file: string, writer?: string): Store {
  const lock = writer ? acquireLibraryLock(file, writer) : null;
  try {
    // Not readonly at the SQLite level: an older schema is migrated on first open.
    const store = Store.open(file, { mustExist: true });
    if (lock) {
      const close = store.close.bind(store);
      store.close = () => {
        close();
        lock.release();
      };
    }
    return store;
  } catch (e) {
    lock?.release();
    if (e instanceof StoreError && (e.code === 'db-missing' || e.code === 'db-unusable')) throw new UsageError(e.message);
    throw e;
  }
}
