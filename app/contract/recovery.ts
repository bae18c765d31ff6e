/**
 * A library Visage refused to open (damaged, or written by a newer Visage): what the app shows
 * instead of the library, and the backups it offers to put back (app/engine/recovery.ts).
 */

export interface BackupChoice {
  /** The backup's file (in `<library>.backups/`). */
  file: string;
  /** Schema version of the library that was copied. */
  version: number;
  /** When it was taken (ISO, UTC). */
  takenAt: string;
  bytes: number;
  /** Why it cannot be put back (damaged too, from a newer Visage...); null: it can. */
  problem: string | null;
}

export interface RecoveryInfo {
  /** Why the library was refused, one sentence as the CLI says it; null: it is open and sound. */
  problem: string | null;
  /** 'db-damaged' or 'db-newer' (app/store/database.ts); null when sound. */
  code: 'db-damaged' | 'db-newer' | null;
  dbPath: string;
  /** Newest first. */
  backups: BackupChoice[];
}

export interface RestoreOutcome {
  /** The backup that was put in place. */
  from: string;
  /** Where the refused files went (never deleted). */
  keptAside: string[];
}
