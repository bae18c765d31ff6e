/** Library settings kept in the database (schema v3 `settings` table). */
import type Database from 'better-sqlite3';

export function getSetting(db: Database.Database, key: string): string | null {
  const r = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key);
  return r?.value ?? null;
}

export function setSetting(db: Database.Database, key: string, value: string): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function deleteSetting(db: Database.Database, key: string): void {
  db.prepare('DELETE FROM settings WHERE key = ?').run(key);
}

/**
 * Set by a model switch (reembed-repo.ts switchTo) in its transaction, cleared by the next full
 * re-cluster's commit (people/clustering.ts): the faces carry the new model's vectors but still
 * the old model's grouping. An engine that opens a library with it set re-groups everyone first
 * (engine/handlers/people.ts clusterNewFacesOnOpen), so a switch interrupted before its re-group
 * (the app closed, a crash) is finished on the next start.
 */
export const REGROUP_PENDING_KEY = 'people.regroupPending';

export function regroupPending(db: Database.Database): boolean {
  return getSetting(db, REGROUP_PENDING_KEY) !== null;
}

/** The embedding model of the library: new scans embed with it, people cluster its vectors. */
export function libraryModel(db: Database.Database): string | null {
  return getSetting(db, 'library.model');
}

export function setLibraryModel(db: Database.Database, model: string): void {
  setSetting(db, 'library.model', model);
}

/** The most common model of the library's faces, null for a library without faces. */
function dominantModel(db: Database.Database): string | null {
  return db.prepare<[], { model_id: string }>('SELECT model_id FROM faces GROUP BY model_id ORDER BY COUNT(*) DESC LIMIT 1').get()?.model_id ?? null;
}

/** What pinLibraryModel would answer, without writing it (for showing the library's model). */
export function currentLibraryModel(db: Database.Database, fallback: string): string {
  return libraryModel(db) ?? dominantModel(db) ?? fallback;
}

/**
 * The library's model, pinned before a scan embeds anything: the setting; else the model most of
 * its faces carry (a library scanned before the setting existed, or before the default changed,
 * keeps its model until `visage reembed` moves it); else `fallback` (the default, for a new
 * library). Written back, so a later change of the default never mixes two models' vectors.
 */
export function pinLibraryModel(db: Database.Database, fallback: string): string {
  const set = libraryModel(db);
  if (set) return set;
  const model = dominantModel(db) ?? fallback;
  setLibraryModel(db, model);
  return model;
}

/** How fast the last scan that analysed photos went (`visage status`, issue 19 item 5). */
export interface ScanSpeed {
  /** When it finished (ISO 8601). */
  finishedAt: string;
  /** Photos analysed (new or changed) and the faces found in them. */
  photos: number;
  faces: number;
  /** Seconds of the indexing phase. */
  seconds: number;
  photosPerSecond: number;
  /** Where the networks ran (cpu, cuda, webgpu, ...) and how many engines. */
  provider: string;
  workers: number;
  embedder: string;
}

const SCAN_SPEED_KEY = 'scan.lastSpeed';

export function recordScanSpeed(db: Database.Database, speed: ScanSpeed): void {
  setSetting(db, SCAN_SPEED_KEY, JSON.stringify(speed));
}

/** The last recorded scan speed, or null (none yet, or a value this version cannot read). */
export function lastScanSpeed(db: Database.Database): ScanSpeed | null {
  const raw = getSetting(db, SCAN_SPEED_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<ScanSpeed>;
    return typeof v.photosPerSecond === 'number' && typeof v.provider === 'string' ? (v as ScanSpeed) : null;
  } catch {
    return null;
  }
}
