/**
 * Which faces the people features see, as SQL fragments every people query shares: a face is
 * shown (in people, unassigned faces, suggestions, the photo view) and clustered unless the user
 * marked it "not a face" or it is smaller than the library's "Ignore faces smaller than N pixels"
 * setting. Hidden faces are never deleted and keep their assignment: lowering the setting brings
 * them back as they were. And a photo's date, which ages and the birth-date rule read.
 */
import type Database from 'better-sqlite3';

/** The settings-table key of "Ignore faces smaller than N pixels" (absent or 0: no face ignored). */
export const MIN_FACE_PIXELS_KEY = 'people.minFacePixels';

/** The setting's largest accepted value (px): beyond this nearly every face would vanish. */
export const MAX_MIN_FACE_PIXELS = 2000;

/** The setting as SQL (read once per statement: an uncorrelated subquery). */
const MIN_FACE_SQL = `coalesce((SELECT CAST(value AS REAL) FROM settings WHERE key = '${MIN_FACE_PIXELS_KEY}'), 0)`;

/**
 * SQL condition: face `f` (a table alias) is shown and clustered. Its size is the larger side of
 * its detector box, in pixels of the oriented photo.
 */
export function shownFace(f: string): string {
  return `(${f}.not_a_face = 0 AND max(${f}.w, ${f}.h) >= ${MIN_FACE_SQL})`;
}

/**
 * SQL expression: the date of photo `ph` (a table alias) as 'YYYY-MM-DD': the EXIF date taken
 * (its date part, as the camera wrote it), else the file's modification date (UTC).
 */
export function photoDate(ph: string): string {
  return `coalesce(substr(${ph}.taken_at, 1, 10), date(${ph}.mtime_ms / 1000, 'unixepoch'))`;
}

/** The "Ignore faces smaller than N pixels" setting (0: none ignored). */
export function minFacePixels(db: Database.Database): number {
  const r = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(MIN_FACE_PIXELS_KEY);
  const n = r ? Number(r.value) : 0;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Sets "Ignore faces smaller than N pixels" (0 removes it). */
export function setMinFacePixels(db: Database.Database, px: number): void {
  if (px > 0) db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(MIN_FACE_PIXELS_KEY, String(px));
  else db.prepare('DELETE FROM settings WHERE key = ?').run(MIN_FACE_PIXELS_KEY);
}
