/** Schema migrations: from every earlier version to the latest, keeping data; refusing the future. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../app/store/database';
import { LATEST_VERSION, MIGRATIONS, schemaVersion } from '../../app/store/migrations';
import { ReembedRepo } from '../../app/store/reembed-repo';
import { regroupPending } from '../../app/store/settings';
import { Store } from '../../app/store/store';

const tmpDb = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-mig-')), 'v.db');
const emb = (seed: number) => Buffer.from(Array.from({ length: 128 }, (_, i) => (i * seed) % 256));

/** The shape of every table: columns (name, type, notnull, default, pk), indexes, triggers. */
function shape(db: Database.Database) {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map(
    (t) => t.name,
  );
  return {
    tables: Object.fromEntries(tables.map((t) => [t, db.prepare(`PRAGMA table_info(${t})`).all()])),
    fks: Object.fromEntries(tables.map((t) => [t, db.prepare(`PRAGMA foreign_key_list(${t})`).all()])),
    indexes: db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all(),
    triggers: db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all(),
  };
}

/** Data a user of schema version v would have. */
function seed(db: Database.Database, v: number): void {
  if (v >= 1) {
    db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (1, '/p/a.jpg', 'h1', 10, 1000, 640, 480, '2024-01-01')").run();
    db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (1, 1, 2, 30, 40, 0.9, '[[1,2]]', ?, 'dlib-resnet-v1')").run(emb(3));
    db.prepare("INSERT INTO errors (path, code, message, at) VALUES ('/p/bad.jpg', 'truncated', 'cut', '2024-01-01')").run();
  }
  if (v === 1) db.prepare("INSERT INTO jobs (path, state, updated_at) VALUES ('/p/b.jpg', 'pending', '2024-01-01')").run();
}

describe('store migrations', () => {
  it('has a real path: at least two versions, numbered 1..N', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('opens a new file at the latest version, WAL, foreign keys on', () => {
    const db = openDatabase(tmpDb());
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of ['photos', 'faces', 'errors', 'jobs', 'scans', 'persons', 'face_assignments', 'corrections']) expect(tables).toContain(t);
    db.close();
  });

  for (let from = 0; from < LATEST_VERSION; from++) {
    it(`migrates from v${from} to v${LATEST_VERSION}, keeping data, to the same schema as a new file`, () => {
      const file = tmpDb();
      const old = openDatabase(file, { targetVersion: from });
      expect(schemaVersion(old)).toBe(from);
      seed(old, from);
      old.close();

      const store = Store.open(file);
      expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
      const fresh = openDatabase(':memory:');
      expect(shape(store.db)).toEqual(shape(fresh));
      fresh.close();
      if (from >= 1) {
        const p = store.photos.byPath('/p/a.jpg')!;
        expect(p).toMatchObject({ hash: 'h1', width: 640, height: 480, orientation: 1, taken_at: null, gps_lat: null, detector_rev: 0 });
        const f = store.faces.byPhoto(p.id);
        expect(f.length).toBe(1);
        expect(Buffer.compare(f[0]!.embedding, emb(3))).toBe(0);
        expect(f[0]!.q_score).toBeNull();
        expect(store.errors.byPath('/p/bad.jpg')!.code).toBe('truncated');
      }
      // The migrated file works for the current code.
      const id = store.photos.insert({
        path: '/p/new.heic', hash: 'h2', size: 5, mtime_ms: 1, width: 4, height: 3, orientation: 6, format: 'heic',
        taken_at: '2024-05-01T10:00:00', camera_make: 'Apple', camera_model: 'iPhone 15', gps_lat: 48.8, gps_lon: 2.35, detector_rev: 1,
      });
      const person = store.people.addPerson('Bob');
      const fid = store.faces.insert(id, {
        box: { x: 0, y: 0, width: 2, height: 2 }, score: 1, landmarks: [[1, 1]], modelId: 'm',
        quality: { size: 1, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.5 }, embedding: new Int8Array(128),
      });
      store.people.assign(fid, person, 'machine');
      expect(store.people.assignmentOf(fid)!.person_id).toBe(person);
      store.close();
      // Opening again applies nothing.
      const again = openDatabase(file);
      expect(schemaVersion(again)).toBe(LATEST_VERSION);
      again.close();
    });
  }

  it('the birth-dates migration gives the persons of the library before it an empty birth date, and refuses a date that is not YYYY-MM-DD', () => {
    // Found by name: the version number may change when branches merge.
    const birthDates = MIGRATIONS.find((m) => m.name === 'people: birth dates')!.version;
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: birthDates - 1 });
    old.prepare("INSERT INTO persons (id, name, hidden, created_at) VALUES (1, 'Ann', 0, '2024-01-01')").run();
    old.close();
    const db = openDatabase(file);
    expect(db.prepare('SELECT name, birth_date FROM persons WHERE id = 1').get()).toEqual({ name: 'Ann', birth_date: null });
    db.prepare("UPDATE persons SET birth_date = '2019-02-03' WHERE id = 1").run();
    expect(() => db.prepare("UPDATE persons SET birth_date = '3 Feb 2019' WHERE id = 1").run()).toThrow(/CHECK constraint/);
    db.close();
  });

  it('v5 indexes the faces of a v4 library for the staleness lookups, and no other query changes plan', () => {
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: 4 });
    seed(old, 4);
    // Besides seed()'s face (a scan's, base not recorded yet): one face projected with a head, one more from a scan
    // (beside it, not inside: v10 deletes a detector face inside another).
    old.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, base_embedding, head_id, model_id) VALUES (1, 100, 0, 9, 9, 0.9, '[]', ?, ?, 'dlib-resnet-v1/head-1', 'dlib-resnet-v1')").run(emb(5), emb(7));
    old.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (1, 200, 0, 9, 9, 0.9, '[]', ?, 'dlib-resnet-v1')").run(emb(9));
    old.close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    const n = (index: string, where: string) =>
      (db.prepare(`SELECT COUNT(*) AS n FROM faces INDEXED BY ${index} WHERE model_id = 'dlib-resnet-v1' AND ${where}`).get() as { n: number }).n;
    expect(n('faces_head', 'head_id IS NOT NULL')).toBe(1);
    expect(n('faces_no_head', 'head_id IS NULL')).toBe(2);
    expect(n('faces_no_base', 'base_embedding IS NULL')).toBe(2); // seed()'s face, added at v4, has no base recorded either
    // Partial indexes: the people service's per-model queries still read faces in id order.
    for (const sql of [
      "SELECT id FROM faces WHERE not_a_face = 0 AND model_id = 'dlib-resnet-v1' ORDER BY id",
      "SELECT id, photo_id, embedding, q_score FROM faces WHERE not_a_face = 0 AND model_id = 'dlib-resnet-v1' ORDER BY id",
    ]) {
      expect((db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail)).toEqual(['SCAN faces']);
    }
    db.close();
  });

  it('v8 marks every face of a v7 library as detected (not drawn), keeps them through a re-analysis delete of detector faces only, and adds photo_people', () => {
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: 7 });
    seed(old, 7);
    old.close();
    const store = Store.open(file);
    const photo = store.photos.byPath('/p/a.jpg')!;
    expect(store.faces.byPhoto(photo.id).map((f) => f.manual)).toEqual([0]);
    const record = {
      box: { x: 5, y: 5, width: 20, height: 20 }, score: 1, landmarks: [[1, 1]] as [number, number][], modelId: 'm',
      quality: { size: 1, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.5 }, embedding: new Int8Array(128),
    };
    const drawn = store.faces.insert(photo.id, record, { manual: true });
    store.faces.deleteByPhoto(photo.id);
    expect(store.faces.byPhoto(photo.id).map((f) => f.id)).toEqual([drawn]);
    const person = store.people.addPerson('Bea');
    expect(store.people.tag(photo.id, person)).toBe(true);
    expect(store.people.tag(photo.id, person)).toBe(false);
    // A photo that goes takes its tags along.
    store.photos.delete(photo.id);
    expect(store.people.taggedPhotos(person)).toEqual([]);
    store.close();
  });

  it('v9 adds reembed_pending to a v8 library: its faces untouched, a pending vector waits beside them, and the switch moves it and the library model in one step', () => {
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: 8 });
    seed(old, 8);
    old.close();
    const store = Store.open(file);
    const face = store.db.prepare('SELECT id, model_id, hex(embedding) AS e FROM faces').get() as { id: number; model_id: string; e: string };
    const repo = new ReembedRepo(store.db);
    expect(repo.counts('new-model')).toEqual({ todo: 1, pending: 0 });
    repo.setPending(face.id, new Int8Array(128).fill(7), 'new-model');
    expect(repo.counts('new-model')).toEqual({ todo: 0, pending: 1 });
    expect(store.db.prepare('SELECT id, model_id, hex(embedding) AS e FROM faces').get()).toEqual(face);
    expect(repo.switchTo('new-model')).toBe(1);
    expect(store.db.prepare('SELECT model_id, hex(embedding) AS e, hex(base_embedding) AS b FROM faces').get()).toEqual({ model_id: 'new-model', e: '07'.repeat(128), b: '07'.repeat(128) });
    expect(store.db.prepare("SELECT value FROM settings WHERE key = 'library.model'").get()).toEqual({ value: 'new-model' });
    expect(store.db.prepare('SELECT count(*) AS n FROM reembed_pending').get()).toEqual({ n: 0 });
    // A face that goes (a re-scan) takes its pending vector along.
    repo.setPending(face.id, new Int8Array(128).fill(1), 'other');
    store.db.prepare('DELETE FROM faces').run();
    expect(store.db.prepare('SELECT count(*) AS n FROM reembed_pending').get()).toEqual({ n: 0 });
    store.close();
  });

  it('v10 deletes the parts of close-up faces a v9 library stored (inside a larger, higher-scoring detector face of the photo) unless the user decided anything about them, and re-groups when one was in a person', () => {
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: 9 });
    const photo = old.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, 1, 1, 640, 480, '2024-01-01')");
    const face = old.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id, not_a_face, manual) VALUES (?, ?, ?, ?, ?, ?, '[]', ?, 'm', ?, ?)");
    const add = (p: number, x: number, y: number, w: number, h: number, score: number, o: { notAFace?: boolean; manual?: boolean } = {}) =>
      Number(face.run(p, x, y, w, h, score, emb(p * 100 + x), o.notAFace ? 1 : 0, o.manual ? 1 : 0).lastInsertRowid);
    const p1 = Number(photo.run('/p/close-up.jpg', 'h1').lastInsertRowid);
    const whole = add(p1, 100, 100, 200, 240, 0.99);
    const nose = add(p1, 170, 190, 60, 50, 0.9); // inside, weaker, in a machine person: goes
    const mouth = add(p1, 160, 260, 80, 40, 0.8); // inside, not in a person: goes
    const named = add(p1, 120, 130, 50, 40, 0.85); // inside, but the user put it in a person: stays
    const rejected = add(p1, 230, 130, 50, 40, 0.85); // inside, the user said "not this person": stays
    const stronger = add(p1, 200, 300, 60, 60, 0.995); // inside, but scores higher than the whole face: stays
    const half = add(p1, 260, 300, 80, 80, 0.9); // only about a third inside: stays
    const drawn = add(p1, 150, 150, 40, 40, 0.5, { manual: true }); // drawn by the user: stays
    const p2 = Number(photo.run('/p/two.jpg', 'h2').lastInsertRowid);
    add(p2, 0, 0, 100, 100, 0.9, { notAFace: true });
    const inNotAFace = add(p2, 20, 20, 30, 30, 0.8); // inside a box the user called "not a face": stays
    const inHistory = add(p2, 300, 300, 100, 100, 0.99);
    const historyPart = add(p2, 320, 320, 30, 30, 0.8); // inside, named by a correction in the history: stays
    const person = Number(old.prepare("INSERT INTO persons (name, created_at) VALUES ('Ann', '2024-01-01')").run().lastInsertRowid);
    const machine = Number(old.prepare("INSERT INTO persons (name, created_at) VALUES (NULL, '2024-01-01')").run().lastInsertRowid);
    const assign = old.prepare('INSERT INTO face_assignments (face_id, person_id, source) VALUES (?, ?, ?)');
    assign.run(nose, machine, 'machine');
    assign.run(named, person, 'user');
    old.prepare('INSERT INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(rejected, person);
    old.prepare("INSERT INTO corrections (at, kind, payload) VALUES ('2024-01-01', 'assign', ?)").run(JSON.stringify({ correction: { kind: 'assign', faceIds: [historyPart], personId: person } }));
    old.close();

    const store = Store.open(file);
    expect(schemaVersion(store.db)).toBe(LATEST_VERSION);
    const left = new Set((store.db.prepare('SELECT id FROM faces').all() as { id: number }[]).map((r) => r.id));
    for (const id of [nose, mouth]) expect(left.has(id)).toBe(false);
    for (const id of [whole, named, rejected, stronger, half, drawn, inNotAFace, inHistory, historyPart]) expect(left.has(id)).toBe(true);
    expect(store.people.assignmentOf(named)!.person_id).toBe(person);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM face_assignments WHERE face_id = ?').get(nose)).toEqual({ n: 0 });
    // the nose was in a person: the engine re-groups everyone on opening, the whole face takes its place
    expect(regroupPending(store.db)).toBe(true);
    store.close();

    // A library whose parts were in no person is not re-grouped.
    const file2 = tmpDb();
    const old2 = openDatabase(file2, { targetVersion: 9 });
    const q = Number(old2.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES ('/p/c.jpg', 'h', 1, 1, 640, 480, '2024-01-01')").run().lastInsertRowid);
    const f2 = old2.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (?, ?, ?, ?, ?, ?, '[]', ?, 'm')");
    f2.run(q, 0, 0, 200, 200, 0.99, emb(5));
    f2.run(q, 50, 50, 40, 40, 0.9, emb(6));
    old2.close();
    const s2 = Store.open(file2);
    expect(s2.db.prepare('SELECT COUNT(*) AS n FROM faces').get()).toEqual({ n: 1 });
    expect(regroupPending(s2.db)).toBe(false);
    s2.close();
  });

  it('refuses a database from a newer Visage, leaving it untouched', () => {
    const file = tmpDb();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(/written by a newer Visage/);
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 1);
    check.close();
  });

  it('rolls a failed migration back whole', () => {
    const file = tmpDb();
    const old = openDatabase(file, { targetVersion: 1 });
    old.exec('CREATE TABLE persons (x INTEGER)'); // v2 will collide with this
    old.close();
    expect(() => openDatabase(file)).toThrow();
    const check = new Database(file);
    expect(check.pragma('user_version', { simple: true })).toBe(1);
    const cols = (check.prepare('PRAGMA table_info(photos)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).not.toContain('taken_at');
    check.close();
  });
});
