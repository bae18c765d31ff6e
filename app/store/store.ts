/**
 * The library store: one SQLite file and its typed repositories.
 *
 *   const store = Store.open(dbPath);
 *   store.transaction(() => { const id = store.photos.insert(p); store.faces.insert(id, f); });
 */
import type Database from 'better-sqlite3';
import { openDatabase, type OpenOptions } from './database';
import { ErrorsRepo } from './errors-repo';
import { FacesRepo } from './faces-repo';
import { JobsRepo } from './jobs-repo';
import { PeopleRepo } from './people-repo';
import { PhotosRepo } from './photos-repo';
import { ScansRepo } from './scans-repo';

export class Store {
  readonly photos: PhotosRepo;
  readonly faces: FacesRepo;
  readonly errors: ErrorsRepo;
  readonly jobs: JobsRepo;
  readonly scans: ScansRepo;
  readonly people: PeopleRepo;

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
  ) {
    this.photos = new PhotosRepo(db);
    this.faces = new FacesRepo(db);
    this.errors = new ErrorsRepo(db);
    this.jobs = new JobsRepo(db);
    this.scans = new ScansRepo(db);
    this.people = new PeopleRepo(db);
  }

  static open(file: string, opts: OpenOptions = {}): Store {
    return new Store(openDatabase(file, opts), file);
  }

  /** Run `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
