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

/** The embedding model of the library: new scans embed with it, people cluster its vectors. */
export function libraryModel(db: Database.Database): string | null {
  return getSetting(db, 'library.model');
}

export function setLibraryModel(db: Database.Database, model: string): void {
  setSetting(db, 'library.model', model);
}
