/**
 * A library the engine refused to open (damaged, or from a newer Visage: StoreError 'db-damaged' /
 * 'db-newer', app/store/database.ts). Instead of exiting, the engine process answers in recovery
 * mode: `library.recovery` says why, in the CLI's sentence, and lists the backups in
 * `<library>.backups/` (each checked: damaged or newer ones are shown with why they cannot be put
 * back); `library.restore` puts a listed, usable one in place (app/store/restore.ts: the refused
 * files are kept aside, never deleted) and the process opens the library normally. Every other
 * method answers 'unavailable' with the same sentence, as before.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, validateRequest } from '../contract/contract';
import type { RecoveryInfo, RestoreOutcome } from '../contract/recovery';
import { listBackups } from '../store/backup';
import { StoreError } from '../store/database';
import { checkBackup, RestoreError, restoreBackup } from '../store/restore';
import type { HandlersFor } from './handlers/types';

/** Refusals the app can recover from by putting a backup back. */
export function recoverable(e: unknown): e is StoreError & { code: 'db-damaged' | 'db-newer' } {
  return e instanceof StoreError && (e.code === 'db-damaged' || e.code === 'db-newer');
}

export function recoveryInfo(dbPath: string, refused: (StoreError & { code: 'db-damaged' | 'db-newer' }) | null): RecoveryInfo {
  const backups = listBackups(dbPath)
    .reverse()
    .map((b) => {
      const { problem } = checkBackup(b.file);
      let bytes = 0;
      try {
        bytes = fs.statSync(b.file).size;
      } catch {
        /* gone meanwhile: checkBackup said so */
      }
      return { file: b.file, version: b.version, takenAt: b.takenAt.toISOString(), bytes, problem };
    });
  return { problem: refused?.message ?? null, code: refused?.code ?? null, dbPath: path.resolve(dbPath), backups };
}

/** Puts a backup that library.recovery lists as usable in place of the library. */
export function restoreListed(dbPath: string, file: string): RestoreOutcome {
  const choice = recoveryInfo(dbPath, null).backups.find((b) => path.resolve(b.file) === path.resolve(file));
  if (!choice) throw new ContractError('bad-request', `${file} is not one of this library's backups`);
  if (choice.problem) throw new ContractError('bad-request', `cannot put this backup back: ${choice.problem}`);
  try {
    const r = restoreBackup(dbPath, choice.file);
    return { from: r.from, keptAside: r.keptAside };
  } catch (e) {
    if (e instanceof RestoreError) throw new ContractError('bad-request', e.message);
    throw e;
  }
}

/** The two methods as the open, sound library's engine answers them. */
export function soundLibraryRecoveryHandlers(dbPath: string): HandlersFor<'library.recovery' | 'library.restore'> {
  return {
    'library.recovery': () => recoveryInfo(dbPath, null),
    'library.restore': () => {
      throw new ContractError('bad-request', 'the library is open and sound: Visage puts a backup back only in place of a library it refused (quit it and use "visage restore" to replace a sound one)');
    },
  };
}

/**
 * The engine process's host while the library is refused. `reopen` opens the library after a
 * restore (and throws what the open throws: a restored library that is still refused keeps
 * recovery mode, with the new reason).
 */
export class RecoveryHost extends EventEmitter {
  constructor(
    readonly dbPath: string,
    private refused: StoreError & { code: 'db-damaged' | 'db-newer' },
    private readonly reopen: () => void,
  ) {
    super();
  }

  handle(method: unknown, params: unknown): Promise<unknown> {
    return new Promise((resolve) => resolve(this.answer(method, params)));
  }

  private answer(method: unknown, params: unknown): unknown {
    const v = validateRequest(method, params, { allowInternal: true });
    if (v.method === 'library.recovery') return recoveryInfo(this.dbPath, this.refused);
    if (v.method === 'library.restore') {
      const out = restoreListed(this.dbPath, (v.params as { file: string }).file);
      try {
        this.reopen();
      } catch (e) {
        if (recoverable(e)) this.refused = e;
        throw e instanceof StoreError ? new ContractError('unavailable', e.message) : e;
      }
      return out;
    }
    throw new ContractError('unavailable', this.refused.message);
  }

  warmUp(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}
