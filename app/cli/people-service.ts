/**
 * The people service as the command line builds it: over the library's database, with the
 * library's clustering strictness (`<db>.settings.json`, as the app sets it) and faces brought to
 * the active learned head before clustering, exactly as the engine does (app/engine/host.ts).
 */
import type Database from 'better-sqlite3';
import { readSettings, settingsFileFor } from '../engine/settings-file';
import { projectionSync } from '../learning/projection';
import { PeopleService, type PeopleServiceOptions } from '../people/people-service';
import type { Strictness } from '../people/thresholds';

/** The clustering strictness the user chose for the library at `dbPath` ('normal' when none). */
export function libraryStrictness(dbPath: string): Strictness {
  return readSettings(settingsFileFor(dbPath)).strictness;
}

/**
 * A PeopleService for the library at `dbPath` (open as `db`). `opts` may set another model, or
 * overrides or a strictness of its own (the evaluations: 'normal', whatever the user chose).
 */
export function peopleServiceFor(db: Database.Database, dbPath: string | null, opts: PeopleServiceOptions = {}): PeopleService {
  return new PeopleService(db, {
    strictness: dbPath === null ? 'normal' : libraryStrictness(dbPath),
    projections: projectionSync,
    ...opts,
  });
}
