/**
 * Moves and renames are noticed by content hash: the photo row, its faces, their person
 * assignments and the corrections naming them follow the file. Deleted photos leave the library,
 * but corrections (an append-only log) are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../app/store/store';
import { assertBuilt, groupImages, johnImages, lastJson, makeLibrary, runCli, tempDir } from './scan-helpers';

interface Summary {
  indexed: number;
  unchanged: number;
  moved: number;
  copied: number;
  removed: number;
  errors: number;
}

describe('scan: rename, move, copy, delete', () => {
  let lib: string;
  let db: string;
  const scan = () => {
    const r = runCli(['scan', lib, '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return lastJson<Summary>(r.stdout);
  };

  beforeAll(() => {
    assertBuilt();
    lib = makeLibrary([...johnImages(4), ...groupImages(['face_recognition__two_people.jpg'])]);
    db = path.join(tempDir('rename-db'), 'v.db');
  });

  it('keeps the photo, its faces, assignments and corrections through a rename and a move', () => {
    const first = scan();
    expect(first.indexed).toBe(5);
    const group = path.join(lib, 'face_recognition__two_people.jpg');

    let store = Store.open(db);
    const before = store.photos.byPath(group)!;
    const faces = store.faces.byPhoto(before.id);
    expect(faces.length).toBeGreaterThanOrEqual(2);
    const person = store.people.addPerson('Alice', faces[0]!.id);
    store.people.assign(faces[0]!.id, person, 'user', true);
    store.people.logCorrection('assign', { faceId: faces[0]!.id, personId: person });
    const thumbDir = path.join(path.dirname(db), 'v.thumbs');
    expect(fs.existsSync(path.join(thumbDir, 'photos', before.hash.slice(0, 2), `${before.hash}.jpg`))).toBe(true);
    store.close();

    // Rename within the folder, then move into a new subfolder (two scans).
    const renamed = path.join(lib, 'party.jpg');
    fs.renameSync(group, renamed);
    const second = scan();
    expect(second).toMatchObject({ indexed: 0, moved: 1, removed: 0, unchanged: 4 });

    fs.mkdirSync(path.join(lib, '2024', 'summer'), { recursive: true });
    const moved = path.join(lib, '2024', 'summer', 'party.jpg');
    fs.renameSync(renamed, moved);
    const third = scan();
    expect(third).toMatchObject({ indexed: 0, moved: 1, removed: 0 });

    store = Store.open(db);
    expect(store.photos.byPath(group)).toBeUndefined();
    expect(store.photos.byPath(renamed)).toBeUndefined();
    const after = store.photos.byPath(moved)!;
    expect(after.id).toBe(before.id);
    expect(after.hash).toBe(before.hash);
    expect(store.faces.byPhoto(after.id).map((f) => f.id)).toEqual(faces.map((f) => f.id));
    expect(store.people.assignmentOf(faces[0]!.id)).toMatchObject({ person_id: person, source: 'user', confirmed: 1 });
    // (the scan put the faces into people too: Alice is found by her id)
    expect(store.people.persons().find((p) => p.id === person)!.cover_face_id).toBe(faces[0]!.id);
    expect(store.people.corrections().length).toBe(1);
    expect(store.photos.count()).toBe(5);
    store.close();
  });

  it('reuses the analysis of a copy and removes deleted photos, keeping corrections', () => {
    const john = johnImages(1)[0]!;
    fs.copyFileSync(path.join(lib, path.basename(john)), path.join(lib, 'copy-of-john.jpg'));
    const s = scan();
    expect(s).toMatchObject({ indexed: 0, copied: 1, moved: 0 });
    let store = Store.open(db);
    const orig = store.photos.byPath(path.join(lib, path.basename(john)))!;
    const copy = store.photos.byPath(path.join(lib, 'copy-of-john.jpg'))!;
    expect(copy.id).not.toBe(orig.id);
    expect(copy.hash).toBe(orig.hash);
    const embOf = (id: number) => store.faces.byPhoto(id).map((f) => f.embedding.toString('hex'));
    expect(embOf(copy.id)).toEqual(embOf(orig.id));
    expect(embOf(copy.id).length).toBe(1);
    // A correction about a face of the photo that will be deleted, and one about another photo.
    const doomedFace = store.faces.byPhoto(orig.id)[0]!.id;
    store.people.logCorrection('reject', { faceId: doomedFace });
    const nCorrections = store.people.corrections().length;
    const facesBefore = store.faces.count();
    store.close();

    fs.rmSync(path.join(lib, path.basename(john)));
    const d = scan();
    expect(d).toMatchObject({ removed: 1, indexed: 0, moved: 0 });
    store = Store.open(db);
    expect(store.photos.byPath(path.join(lib, path.basename(john)))).toBeUndefined();
    expect(store.faces.byId(doomedFace)).toBeUndefined();
    expect(store.faces.count()).toBe(facesBefore - 1);
    expect(store.people.corrections().length).toBe(nCorrections);
    expect(store.photos.byPath(path.join(lib, 'copy-of-john.jpg'))).toBeDefined();
    store.close();
  });
});
