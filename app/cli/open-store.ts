/** Opening the library for the read-only CLI commands: a missing or foreign file is a usage error. */
import { UsageError } from './command';
import { StoreError } from '../store/database';
import { Store } from '../store/store';

export function openStoreForReading(file: string): Store {
  try {
    // Not readonly at the SQLite level: an older schema is migrated on first open.
    return Store.open(file, { mustExist: true });
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
}
