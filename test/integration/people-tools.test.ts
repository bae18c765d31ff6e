/**
 * Birth dates, photos together, "hide the crowd" and the smallest face shown, on real SQLite files
 * of synthetic faces (app/people/synthetic.ts: identities of ~40 faces), through the people
 * service and the command line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { setMinFacePixels } from '../../app/store/face-visibility';
import { exportPeople, importPeople } from '../../app/interop/import-export';
import { parsePeopleFile, serializePeopleFile } from '../../app/interop/people-file';
import { runCli } from '../helpers/cli';
import { hostWithoutEngine } from '../helpers/engine-host';
import { libraryWithAnna } from '../helpers/synthetic-library';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-people-tools-'));
const template = path.join(dir, 'template.db');
let anna = 0;
/** Anna's faces whose photos we date before her birth (2020-06-01), best quality first. */
let early: number[] = [];
let n = 0;
const open: Store[] = [];

function fresh(): { store: Store; svc: PeopleService; file: string } {
  const file = path.join(dir, `t${++n}.db`);
  fs.copyFileSync(template, file);
  const store = Store.open(file);
  open.push(store);
  return { store, svc: new PeopleService(store.db), file };
}

afterEach(() => {
  while (open.length) open.pop()!.close();
});

const photoOf = (db: Database.Database, face: number) => (db.prepare('SELECT photo_id FROM faces WHERE id = ?').get(face) as { photo_id: number }).photo_id;
const personOf = (db: Database.Database, face: number) => (db.prepare('SELECT person_id FROM face_assignments WHERE face_id = ?').get(face) as { person_id: number } | undefined)?.person_id ?? null;

beforeAll(() => {
  anna = libraryWithAnna(template, (db, _svc, _anna, faces) => {
    // Every photo taken in 2021, but those of Anna's 6 best faces, taken in 2019.
    db.prepare("UPDATE photos SET taken_at = '2021-03-04T10:00:00', hash = printf('%040d', id)").run();
    early = faces.slice(0, 6);
    for (const f of early) db.prepare("UPDATE photos SET taken_at = '2019-05-01T12:00:00' WHERE id = ?").run(photoOf(db, f));
  });
}, 120_000);

describe('birth dates', () => {
  it('a face from before the birth date leaves the person and is never given back nor suggested; undo restores it', () => {
    const { store, svc } = fresh();
    const db = store.db;
    // Control: without a birth date the machine put the early faces (her best) into Anna.
    for (const f of early) expect(personOf(db, f)).toBe(anna);

    const r = svc.correct({ kind: 'birthday', personId: anna, birthDate: '2020-06-01' });
    expect(r.personIds).toEqual([anna]);
    expect(svc.getPerson(anna)!.birthDate).toBe('2020-06-01');
    // The machine's early faces went back to the pool.
    for (const f of early) expect(personOf(db, f)).toBeNull();
    // Not suggested: neither "Is this Anna?" nor the people for the face.
    const suggested = new Set(svc.suggestFaces(anna, 100).map((s) => s.faceId));
    for (const f of early) {
      expect(suggested.has(f)).toBe(false);
      expect(svc.suggestPeople(f, 5).map((s) => s.personId)).not.toContain(anna);
    }
    // Not assigned by an update nor by a full re-cluster.
    svc.update();
    svc.recluster();
    for (const f of early) expect(personOf(db, f)).not.toBe(anna);
    // A fresh service (index from the database) still refuses.
    const again = new PeopleService(db);
    again.update();
    for (const f of early) expect(personOf(db, f)).not.toBe(anna);
    expect(new Set(again.suggestFaces(anna, 100).map((s) => s.faceId)).has(early[0]!)).toBe(false);

    // The user may still put such a face into Anna themselves.
    svc.correct({ kind: 'move', faceIds: [early[0]!], personId: anna });
    expect(personOf(db, early[0]!)).toBe(anna);
    svc.undo();
    // Undo of the birthday: no birth date, the early faces Anna's again (as the machine had them).
    const u = svc.undo();
    expect(u?.kind).toBe('birthday');
    expect(svc.getPerson(anna)!.birthDate).toBeNull();
    svc.recluster();
    expect(early.filter((f) => personOf(db, f) === anna).length).toBeGreaterThanOrEqual(5);
    // Redo sets it again.
    expect(svc.redo()?.kind).toBe('birthday');
    expect(svc.getPerson(anna)!.birthDate).toBe('2020-06-01');
  });

  it('clears a birth date, refuses bad ones, and survives an export and import into a rebuilt library', async () => {
    const { store, svc } = fresh();
    expect(() => svc.correct({ kind: 'birthday', personId: 999_999, birthDate: '2020-01-01' })).toThrow(/no person 999999/);
    svc.correct({ kind: 'birthday', personId: anna, birthDate: '2020-06-01' });
    const file = parsePeopleFile(serializePeopleFile(exportPeople(store.db, 'test')));
    expect(file.version).toBe(3); // 3: the not-same correction ("Same person?" No)
    expect(file.persons.find((p) => p.id === anna)?.birthDate).toBe('2020-06-01');
    expect(file.corrections.map((c) => c.correction.kind)).toContain('birthday');
    svc.correct({ kind: 'birthday', personId: anna, birthDate: null });
    expect(svc.getPerson(anna)!.birthDate).toBeNull();

    // A rebuilt library (same photos) gets the birth date back with the import; a version 1 file (none) still imports.
    const other = fresh();
    other.store.db.prepare('DELETE FROM face_assignments').run();
    other.store.db.prepare('DELETE FROM persons').run();
    const report = await importPeople(other.svc, other.store.db, file, 'people.json');
    expect(report.correction).not.toBeNull();
    const annaAgain = other.svc.listPeople().find((p) => p.name === 'Anna')!;
    expect(annaAgain.birthDate).toBe('2020-06-01');
    const v1 = { ...file, version: 1 as const, persons: file.persons.map(({ birthDate: _b, ...p }) => p), corrections: [] };
    expect(parsePeopleFile(JSON.stringify(v1)).persons.every((p) => p.birthDate === undefined)).toBe(true);
  });
});

describe('photos together', () => {
  it('photos with all of the people, and with only them (strangers in no person and hidden people do not count)', () => {
    const { store, svc } = fresh();
    const db = store.db;
    const [a, b, c] = svc.listPeople().slice(0, 3);
    // Photo 1: a + b; photo 2: a + b + c; photo 3: a + b + a stranger (no person); photo 4: a only.
    const face = (person: number) => svc.personFaces(person)[0]!.id;
    const fa = svc.personFaces(a!.id).map((f) => f.id);
    const fb = svc.personFaces(b!.id).map((f) => f.id);
    const stranger = svc.unassignedFaces()[0]!.id;
    const put = (photo: number, faces: number[]) => {
      for (const f of faces) db.prepare('UPDATE faces SET photo_id = ? WHERE id = ?').run(photo, f);
    };
    db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at, taken_at) VALUES (9001, '/t/1.jpg', 'x1', 1, 1, 640, 480, 'x', '2022-01-01T00:00:00'), (9002, '/t/2.jpg', 'x2', 1, 1, 640, 480, 'x', '2022-01-02T00:00:00'), (9003, '/t/3.jpg', 'x3', 1, 1, 640, 480, 'x', '2022-01-03T00:00:00'), (9004, '/t/4.jpg', 'x4', 1, 1, 640, 480, 'x', '2022-01-04T00:00:00')").run();
    put(9001, [fa[0]!, fb[0]!]);
    put(9002, [fa[1]!, fb[1]!, face(c!.id)]);
    put(9003, [fa[2]!, fb[2]!, stranger]);
    put(9004, [fa[3]!]);
    const ids = (only: boolean) => svc.photosTogether([a!.id, b!.id], { only }).map((p) => p.id).filter((id) => id > 9000);
    expect(ids(false)).toEqual([9003, 9002, 9001]);
    expect(ids(true)).toEqual([9003, 9001]);
    // Each photo opens on a face of the first person.
    for (const p of svc.photosTogether([a!.id, b!.id])) expect(svc.face(p.faceId!)!.personId).toBe(a!.id);
    // Three people: only photo 2.
    expect(svc.photosTogether([a!.id, b!.id, c!.id]).map((p) => p.id)).toEqual([9002]);
    // c hidden: photo 2 now counts as "only a and b".
    svc.correct({ kind: 'hide', personId: c!.id, hidden: true });
    expect(ids(true)).toEqual([9003, 9002, 9001]);
    expect(() => svc.photosTogether([a!.id, 999_999])).toThrow(/no person 999999/);
    expect(() => svc.photosTogether([a!.id, a!.id])).toThrow(/two different people/);
  });
});

describe('hide the crowd', () => {
  it('hides every unnamed person with at most N photos in one correction, undone in one step', () => {
    const { svc } = fresh();
    const before = svc.listPeople();
    const small = before.filter((p) => !p.name && p.photoCount <= 3).map((p) => p.id).sort((x, y) => x - y);
    expect(small.length).toBeGreaterThan(0);
    expect(svc.smallUnnamed(3)).toEqual(small);
    const r = svc.correct({ kind: 'hide-small', maxPhotos: 3 });
    expect([...r.personIds].sort((x, y) => x - y)).toEqual(small);
    const after = svc.listPeople();
    expect(after.map((p) => p.id)).toEqual(before.filter((p) => !small.includes(p.id)).map((p) => p.id));
    // Hidden, not deleted.
    expect(svc.listPeople({ includeHidden: true }).filter((p) => p.hidden).map((p) => p.id).sort((x, y) => x - y)).toEqual(small);
    // Named Anna is never hidden, whatever her count.
    expect(svc.smallUnnamed(1000)).not.toContain(anna);
    expect(svc.undo()?.kind).toBe('hide-small');
    expect(svc.listPeople().map((p) => p.id)).toEqual(before.map((p) => p.id));
  });

  it('ignores faces smaller than the setting everywhere, never deletes them, and lowering it brings them back', () => {
    const { store, svc } = fresh();
    const db = store.db;
    // Synthetic faces are 10 px; Anna's faces become 60 px, but her 2 worst stay 10 px.
    const annaFaces = svc.personFaceIds(anna);
    for (const f of annaFaces.slice(0, -2)) db.prepare('UPDATE faces SET w = 60, h = 60 WHERE id = ?').run(f);
    const unassigned = svc.unassignedFaces().length;
    expect(unassigned).toBeGreaterThan(0);
    const faces = db.prepare('SELECT COUNT(*) AS n FROM faces').get() as { n: number };

    setMinFacePixels(db, 20);
    const svc2 = new PeopleService(db);
    expect(svc2.listPeople().map((p) => p.id)).toEqual([anna]);
    expect(svc2.getPerson(anna)!.faceCount).toBe(annaFaces.length - 2);
    expect(svc2.personFaceIds(anna)).toEqual(annaFaces.slice(0, -2));
    expect(svc2.unassignedFaces()).toHaveLength(0);
    expect(svc2.suggestFaces(anna, 50)).toHaveLength(0);
    const small = annaFaces[annaFaces.length - 1]!;
    expect(svc2.photo(photoOf(db, small))!.faces.map((f) => f.id)).not.toContain(small);
    // Clustering sees only the big faces, and leaves the small ones where they were.
    svc2.recluster();
    expect(personOf(db, small)).toBe(anna);
    expect((db.prepare('SELECT COUNT(*) AS n FROM faces').get() as { n: number }).n).toBe(faces.n);

    setMinFacePixels(db, 0);
    const svc3 = new PeopleService(db);
    expect(svc3.getPerson(anna)!.faceCount).toBe(annaFaces.length);
    expect(svc3.unassignedFaces().length).toBe(unassigned);
  });
});

describe('through the engine (the contract the app calls)', () => {
  it('settings.set minFacePixels hides small faces at once and is reported by library.state; photosTogether and the corrections answer', async () => {
    const { file, store } = fresh();
    store.close();
    open.length = 0;
    const host = hostWithoutEngine(file);
    try {
      const before = (await host.handle('people.list', {})) as { id: number; faceCount: number }[];
      expect(before.length).toBeGreaterThan(1);
      expect(((await host.handle('library.state', undefined)) as { settings: { minFacePixels: number } }).settings.minFacePixels).toBe(0);
      // Every synthetic face is 10 px: at 11 px none is shown (the named Anna stays, empty), at 10 all are back.
      expect(await host.handle('settings.set', { minFacePixels: 11 })).toEqual({ strictness: 'normal', minFacePixels: 11 });
      expect(((await host.handle('people.list', {})) as { id: number; faceCount: number }[]).map((p) => [p.id, p.faceCount])).toEqual([[anna, 0]]);
      expect(await host.handle('people.unassigned', {})).toEqual([]);
      await host.handle('settings.set', { minFacePixels: 10 });
      expect(((await host.handle('people.list', {})) as { id: number }[]).map((p) => p.id)).toEqual(before.map((p) => p.id));

      const [a, b] = before;
      expect(Array.isArray(await host.handle('people.photosTogether', { personIds: [a!.id, b!.id], only: true }))).toBe(true);
      await expect(host.handle('people.photosTogether', { personIds: [a!.id, 999_999] })).rejects.toMatchObject({ code: 'not-found' });
      await expect(host.handle('people.correct', { kind: 'birthday', personId: anna, birthDate: '2021-02-30' })).rejects.toMatchObject({ code: 'bad-request' });
      await host.handle('people.correct', { kind: 'birthday', personId: anna, birthDate: '2020-06-01' });
      expect(((await host.handle('people.get', { id: anna })) as { birthDate: string }).birthDate).toBe('2020-06-01');
      const face = (await host.handle('people.faces', { id: anna, limit: 1 })) as { photoId: number }[];
      const photo = (await host.handle('people.photo', { id: face[0]!.photoId })) as { date: string; faces: { personBirthDate: string | null }[] };
      expect(photo.date).toBe('2021-03-04');
      expect(photo.faces.some((f) => f.personBirthDate === '2020-06-01')).toBe(true);
      expect(((await host.handle('people.undo', undefined)) as { kind: string }).kind).toBe('birthday');
      expect(((await host.handle('people.get', { id: anna })) as { birthDate: string | null }).birthDate).toBeNull();
    } finally {
      await host.close();
    }
  });
});

describe('the command line', () => {
  it('birthday, hide-small, settings and photos --with, with --json and exit code 2 on bad input', () => {
    const { file, store, svc } = fresh();
    const [a, b] = svc.listPeople();
    store.close();
    open.length = 0;
    const ok = (args: string[]) => {
      const r = runCli([...args, '--db', file, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return r.lastJson();
    };
    const bad = (args: string[], message: RegExp) => {
      const r = runCli([...args, '--db', file, '--json']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    };

    expect(ok(['birthday', '--person', String(anna), '--date', '2020-06-01']).personIds).toEqual([anna]);
    expect(ok(['person', '--person', String(anna)]).birthDate).toBe('2020-06-01');
    expect(ok(['birthday', '--person', String(anna), '--date', 'none']).personIds).toEqual([anna]);
    expect(ok(['person', '--person', String(anna)]).birthDate).toBeNull();
    bad(['birthday', '--person', String(anna), '--date', '2021-02-30'], /not a date/);
    bad(['birthday', '--person', '999999', '--date', '2020-01-01'], /no person 999999/);

    const would = ok(['hide-small', '--max-photos', '2', '--dry-run']).wouldHide as number[];
    expect(ok(['people']).length).toBeGreaterThan(0);
    const hidden = ok(['hide-small', '--max-photos', '2']);
    expect([...hidden.personIds].sort((x: number, y: number) => x - y)).toEqual(would);
    bad(['hide-small', '--max-photos', '0'], /--max-photos/);
    bad(['hide-small'], /--max-photos/);

    expect(ok(['settings'])).toEqual({ strictness: 'normal', minFacePixels: 0 });
    expect(ok(['settings', '--min-face-px', '40'])).toEqual({ strictness: 'normal', minFacePixels: 40 });
    // Every synthetic face is 10 px: only the named person is left, without faces.
    expect(ok(['people']).map((p: { id: number; faceCount: number }) => [p.id, p.faceCount])).toEqual([[anna, 0]]);
    expect(ok(['settings', '--min-face-px', '0']).minFacePixels).toBe(0);
    bad(['settings', '--min-face-px', '-3'], /--min-face-px/);

    const together = ok(['photos', '--with', `${a!.id},${b!.id}`]);
    expect(together).toMatchObject({ with: [a!.id, b!.id], only: false });
    expect(together.count).toBe(together.photos.length);
    expect(ok(['photos', '--with', `${a!.id},${b!.id}`, '--only']).only).toBe(true);
    bad(['photos', '--with', String(a!.id)], /2 to 20 different/);
    bad(['photos', '--with', `${a!.id},x`], /comma-separated/);
    bad(['photos', '--only'], /--only needs --with/);
    bad(['photos', '--with', `${a!.id},999999`], /no person 999999/);
  }, 120_000);
});
