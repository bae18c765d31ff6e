/**
 * Reading a library database the way a test checks it (read only, closed at once): for tests that
 * look at what a CLI run stored.
 */
import BetterSqlite3 from 'better-sqlite3';

/** Names of the people tagged on the photo at `file` without a face (photo_people), sorted. */
export function tagsOn(db: string, file: string): string[] {
  const d = new BetterSqlite3(db, { readonly: true });
  try {
    return d
      .prepare<[string], { name: string }>('SELECT pe.name FROM photo_people pp JOIN photos ph ON ph.id = pp.photo_id JOIN persons pe ON pe.id = pp.person_id WHERE ph.path = ? ORDER BY pe.name')
      .all(file)
      .map((r) => r.name);
  } finally {
    d.close();
  }
}
