/** Photos: one row per indexed file, keyed by path; `hash` (sha1 of the bytes) finds moved files. */
import type Database from 'better-sqlite3';
import type { NewPhoto, PhotoRow } from './types';

const COLUMNS =
  'path, hash, size, mtime_ms, width, height, orientation, format, taken_at, camera_make, camera_model, gps_lat, gps_lon, detector_rev';

export class PhotosRepo {
  private readonly sByPath;
  private readonly sById;
  private readonly sByHash;
  private readonly sInsert;
  private readonly sUpdateAll;
  private readonly sMove;
  private readonly sTouch;
  private readonly sDelete;
  private readonly sAll;
  private readonly sUnder;
  private readonly sCount;
  private readonly sAllCounts;

  constructor(private readonly db: Database.Database) {
    this.sByPath = db.prepare<[string], PhotoRow>('SELECT * FROM photos WHERE path = ?');
    this.sById = db.prepare<[number], PhotoRow>('SELECT * FROM photos WHERE id = ?');
    this.sByHash = db.prepare<[string], PhotoRow>('SELECT * FROM photos WHERE hash = ? ORDER BY id');
    this.sInsert = db.prepare(
      `INSERT INTO photos (${COLUMNS}, indexed_at) VALUES (@path, @hash, @size, @mtime_ms, @width, @height, @orientation, @format, @taken_at, @camera_make, @camera_model, @gps_lat, @gps_lon, @detector_rev, @indexed_at)`,
    );
    this.sUpdateAll = db.prepare(
      `UPDATE photos SET hash=@hash, size=@size, mtime_ms=@mtime_ms, width=@width, height=@height, orientation=@orientation, format=@format,
       taken_at=@taken_at, camera_make=@camera_make, camera_model=@camera_model, gps_lat=@gps_lat, gps_lon=@gps_lon, detector_rev=@detector_rev, indexed_at=@indexed_at WHERE id=@id`,
    );
    this.sMove = db.prepare('UPDATE photos SET path = ?, size = ?, mtime_ms = ? WHERE id = ?');
    this.sTouch = db.prepare('UPDATE photos SET size = ?, mtime_ms = ? WHERE id = ?');
    this.sDelete = db.prepare('DELETE FROM photos WHERE id = ?');
    this.sAll = db.prepare<[], PhotoRow>('SELECT * FROM photos ORDER BY path');
    this.sUnder = db.prepare<[string, string, string], PhotoRow>(
      'SELECT * FROM photos WHERE path = ? OR substr(path, 1, length(?)) = ? ORDER BY path',
    );
    this.sCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM photos');
    this.sAllCounts = db.prepare<[], PhotoRow & { face_count: number }>(
      'SELECT photos.*, (SELECT count(*) FROM faces WHERE faces.photo_id = photos.id) AS face_count FROM photos ORDER BY path',
    );
  }

  byPath(path: string): PhotoRow | undefined {
    return this.sByPath.get(path);
  }

  byId(id: number): PhotoRow | undefined {
    return this.sById.get(id);
  }

  byHash(hash: string): PhotoRow[] {
    return this.sByHash.all(hash);
  }

  insert(p: NewPhoto): number {
    return Number(this.sInsert.run({ ...p, indexed_at: new Date().toISOString() }).lastInsertRowid);
  }

  /** Content changed in place: new analysis for the same path. */
  replace(id: number, p: NewPhoto): void {
    this.sUpdateAll.run({ ...p, id, indexed_at: new Date().toISOString() });
  }

  /** Same bytes, new place: the row (and so its faces, assignments) follows the file. */
  move(id: number, path: string, size: number, mtimeMs: number): void {
    this.sMove.run(path, size, mtimeMs, id);
  }

  /** Same bytes, new mtime (e.g. `touch`): remember it so the next scan skips without hashing. */
  touch(id: number, size: number, mtimeMs: number): void {
    this.sTouch.run(size, mtimeMs, id);
  }

  delete(id: number): void {
    this.sDelete.run(id);
  }

  all(): PhotoRow[] {
    return this.sAll.all();
  }

  allWithFaceCounts(): Array<PhotoRow & { face_count: number }> {
    return this.sAllCounts.all();
  }

  /** Photos at or below a folder (root given without trailing separator). */
  under(root: string, sep: string): PhotoRow[] {
    const prefix = root.endsWith(sep) ? root : root + sep;
    return this.sUnder.all(root, prefix, prefix);
  }

  count(): number {
    return this.sCount.get()!.n;
  }

  /** Photos at `folder` or under it (`prefix`: the folder with its trailing separator). */
  countUnder(folder: string, prefix: string): number {
    return this.db.prepare<[string, string, string], { n: number }>('SELECT count(*) AS n FROM photos WHERE path = ? OR substr(path, 1, length(?)) = ?').get(folder, prefix, prefix)?.n ?? 0;
  }
}
