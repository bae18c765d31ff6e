/**
 * Versioned schema migrations, applied in order inside one transaction each; the version lives in
 * `PRAGMA user_version`. Never edit a released migration: add a new one. Tests migrate from every
 * earlier version (test/unit/store-migrations.test.ts).
 */
import type Database from 'better-sqlite3';
import { dropNestedFaces } from './nested-faces';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'photos, faces, errors, jobs',
    up(db) {
      db.exec(`
        CREATE TABLE photos (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          hash TEXT NOT NULL,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          indexed_at TEXT NOT NULL
        );
        CREATE INDEX photos_hash ON photos(hash);
        CREATE TABLE faces (
          id INTEGER PRIMARY KEY,
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
          score REAL NOT NULL,
          landmarks TEXT NOT NULL,
          embedding BLOB NOT NULL CHECK (length(embedding) = 128),
          model_id TEXT NOT NULL
        );
        CREATE INDEX faces_photo ON faces(photo_id);
        CREATE TABLE errors (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          code TEXT NOT NULL,
          message TEXT NOT NULL,
          at TEXT NOT NULL
        );
        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY,
          path TEXT NOT NULL UNIQUE,
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'EXIF columns, face quality, scans, people tables',
    up(db) {
      db.exec(`
        ALTER TABLE photos ADD COLUMN orientation INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE photos ADD COLUMN taken_at TEXT;
        ALTER TABLE photos ADD COLUMN camera_make TEXT;
        ALTER TABLE photos ADD COLUMN camera_model TEXT;
        ALTER TABLE photos ADD COLUMN gps_lat REAL;
        ALTER TABLE photos ADD COLUMN gps_lon REAL;
        ALTER TABLE photos ADD COLUMN format TEXT;

        ALTER TABLE faces ADD COLUMN q_size REAL;
        ALTER TABLE faces ADD COLUMN q_sharpness REAL;
        ALTER TABLE faces ADD COLUMN q_yaw REAL;
        ALTER TABLE faces ADD COLUMN q_pitch REAL;
        ALTER TABLE faces ADD COLUMN q_roll REAL;
        ALTER TABLE faces ADD COLUMN q_score REAL;

        ALTER TABLE errors ADD COLUMN size INTEGER;
        ALTER TABLE errors ADD COLUMN mtime_ms INTEGER;

        CREATE TABLE scans (
          id INTEGER PRIMARY KEY,
          roots TEXT NOT NULL,
          started_at TEXT NOT NULL,
          walk_done INTEGER NOT NULL DEFAULT 0,
          finished_at TEXT
        );

        -- v1 jobs carried no scan; a queue is rebuilt by the next walk, so start it empty.
        DROP TABLE jobs;
        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY,
          scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          size INTEGER NOT NULL,
          mtime_ms INTEGER NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          UNIQUE (scan_id, path)
        );
        CREATE INDEX jobs_pending ON jobs(scan_id, state);

        CREATE TABLE persons (
          id INTEGER PRIMARY KEY,
          name TEXT,
          hidden INTEGER NOT NULL DEFAULT 0,
          cover_face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
          created_at TEXT NOT NULL
        );
        CREATE TABLE face_assignments (
          face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
          source TEXT NOT NULL CHECK (source IN ('machine', 'user')),
          confirmed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX face_assignments_person ON face_assignments(person_id);
        CREATE TABLE corrections (
          id INTEGER PRIMARY KEY,
          at TEXT NOT NULL,
          kind TEXT NOT NULL,
          payload TEXT NOT NULL,
          undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE TRIGGER corrections_append_only BEFORE DELETE ON corrections
        BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END;
      `);
    },
  },
  {
    version: 3,
    name: 'people decisions: rejections, not-a-face, user-named and merged persons, settings',
    up(db) {
      db.exec(`
        -- "Not this person": a permanent cannot-link between a face and a person.
        CREATE TABLE face_rejections (
          face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
          PRIMARY KEY (face_id, person_id)
        );
        CREATE INDEX face_rejections_person ON face_rejections(person_id);
        -- A false detection the user marked: never clustered again.
        ALTER TABLE faces ADD COLUMN not_a_face INTEGER NOT NULL DEFAULT 0;
        -- Created, named or corrected by the user: survives every re-cluster with its id and name.
        ALTER TABLE persons ADD COLUMN user_named INTEGER NOT NULL DEFAULT 0;
        -- Merged into another person (kept, not deleted, so that a merge can be undone).
        ALTER TABLE persons ADD COLUMN merged_into INTEGER REFERENCES persons(id) ON DELETE SET NULL;
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    },
  },
  {
    version: 4,
    name: 'learning: base embeddings, projection heads',
    up(db) {
      db.exec(`
        -- The network's own 128 bytes (before any learned head); NULL until first projected, then
        -- embedding = head(base_embedding) with head_id naming the head (NULL: the base itself).
        ALTER TABLE faces ADD COLUMN base_embedding BLOB CHECK (base_embedding IS NULL OR length(base_embedding) = 128);
        ALTER TABLE faces ADD COLUMN head_id TEXT;
        UPDATE faces SET base_embedding = embedding;
        -- Every trained projection head, adopted or discarded, with its figures (app/learning).
        CREATE TABLE heads (
          id TEXT PRIMARY KEY,
          model_id TEXT NOT NULL,
          version INTEGER NOT NULL,
          parent TEXT,
          created_at TEXT NOT NULL,
          adopted INTEGER NOT NULL,
          record BLOB NOT NULL,
          summary TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    name: 'learning: indexes for the staleness lookups of the projection',
    up(db) {
      db.exec(`
        -- The staleness lookups of app/learning/projection.ts ("faces of model M whose head_id is
        -- not the active head's"): a few index seeks instead of a scan of the whole table, and
        -- each group of stale faces paged in id order. Partial, so that no other query (those
        -- filter on model_id alone) changes plan: only a query naming the condition can use one.
        -- Faces projected with a head, by head:
        CREATE INDEX faces_head ON faces(model_id, head_id) WHERE head_id IS NOT NULL;
        -- Faces carrying the base network's vector (head_id in it: counting them reads no row):
        CREATE INDEX faces_no_head ON faces(model_id, head_id) WHERE head_id IS NULL;
        -- Faces a scan added whose base embedding is not recorded yet (empty between clusterings):
        CREATE INDEX faces_no_base ON faces(model_id) WHERE base_embedding IS NULL;
      `);
    },
  },
  {
    version: 6,
    name: 'learning: the faces the last head switch put into named people',
    up(db) {
      db.exec(`
        -- The faces the re-cluster that finished the last head switch (adoption or roll back) of a
        -- model put into a person the user named, for the user to check (app/learning/changes.ts).
        -- Replaced by the next switch of that model.
        CREATE TABLE learning_changes (
          model_id TEXT NOT NULL,
          head_id TEXT NOT NULL,
          switched_at TEXT NOT NULL,
          face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL,
          PRIMARY KEY (model_id, face_id)
        );
      `);
    },
  },
  {
    version: 7,
    name: 'people: birth dates',
    up(db) {
      db.exec(`
        -- A person's birth date, ISO 'YYYY-MM-DD' (NULL: unknown). Ages on photos; no face of a
        -- photo dated before it is put into or suggested for the person by the machine.
        ALTER TABLE persons ADD COLUMN birth_date TEXT CHECK (birth_date IS NULL OR birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
      `);
    },
  },
  {
    version: 8,
    name: 'faces drawn by hand; people tagged on a photo without a face',
    up(db) {
      db.exec(`
        -- A face the user drew (app/faces/pipeline.ts analyseBox): a re-scan of its photo keeps it
        -- (FacesRepo.deleteByPhoto deletes detector faces only); undoing its 'add-face' deletes it.
        ALTER TABLE faces ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;
        -- A person on a photo whose face is not visible (back of the head, far away): no face row,
        -- no embedding, never clustered; written to XMP as a whole-photo region.
        CREATE TABLE photo_people (
          photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
          person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
          PRIMARY KEY (photo_id, person_id)
        );
        CREATE INDEX photo_people_person ON photo_people(person_id);
      `);
    },
  },
  {
    version: 9,
    name: 'reembed: the new model\'s vectors kept aside until the switch',
    up(db) {
      db.exec(`
        -- visage reembed (app/library/reembed.ts) computes the new model's 128 bytes of each face
        -- here while the library keeps working on the old model; one transaction moves them into
        -- faces and switches the library's model. A killed run resumes from what is here. A face
        -- deleted (re-scan) takes its row with it.
        CREATE TABLE reembed_pending (
          face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
          model_id TEXT NOT NULL,
          embedding BLOB NOT NULL CHECK (length(embedding) = 128)
        );
      `);
    },
  },
  {
    version: 10,
    name: 'close-up rule: parts of a face stored as faces by an earlier detector deleted',
    up(db) {
      // No schema change: the faces an earlier detector kept inside a whole face (a nose, a mouth)
      // go, unless the user decided anything about them (app/store/nested-faces.ts). The file is
      // backed up before, as before every migration (backup.ts).
      dropNestedFaces(db);
    },
  },
  {
    version: 11,
    name: 'photos.detector_rev: which revision of the detector found a photo\'s faces',
    up(db) {
      // 0 for every photo indexed before: a scan analyses again a photo the detector now sees
      // differently and that has no face at all (app/library/scanner.ts, detectsDifferently).
      db.exec('ALTER TABLE photos ADD COLUMN detector_rev INTEGER NOT NULL DEFAULT 0');
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Apply migrations up to `target` (default: latest). Returns the versions applied. */
export function migrate(db: Database.Database, target = LATEST_VERSION): number[] {
  const current = schemaVersion(db);
  if (current > LATEST_VERSION) {
    throw new Error(`database schema v${current} is newer than this Visage (v${LATEST_VERSION}); update Visage`);
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
