/** The "Export people" file format: round trip, validation, face matching on import. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PEOPLE_FILE_VERSION,
  PeopleFileError,
  emptyPeopleFile,
  matchFace,
  parsePeopleFile,
  readPeopleFile,
  serializePeopleFile,
  validatePeopleFile,
  writePeopleFile,
  type PeopleFile,
} from '../../app/interop/people-file';

const sha = (c: string) => c.repeat(40).slice(0, 40);

function sample(): PeopleFile {
  const f = emptyPeopleFile('0.1.0', new Date('2026-05-01T10:00:00Z'));
  f.persons = [
    { id: 1, name: 'Zoë "Z" O\'Brien & <Co> 🙂', hidden: false, cover: 11, createdAt: '2026-04-01T09:00:00.000Z' },
    { id: 2, name: null, hidden: true, cover: null },
    { id: 7, name: '李小龍\nsecond line', hidden: false, cover: null },
  ];
  const photo = { path: '/home/ana/Pictures/2024/Beach Day/IMG_0001.JPG', hash: sha('a'), width: 4000, height: 3000 };
  f.faces = [
    { id: 11, photo, box: { x: 100.5, y: 200, width: 300, height: 380.25 }, person: 1, source: 'user', confirmed: true, model: 'dlib-resnet-v1' },
    { id: 12, photo, box: { x: 1500, y: 220, width: 280, height: 350 }, person: 2, source: 'machine', confirmed: false },
    { id: 13, photo: { path: 'C:\\Users\\Ana\\Pictures\\ü.jpg', hash: sha('b'), width: 3000, height: 4000 }, box: { x: 10, y: 10, width: 50, height: 60 }, person: null, source: null, confirmed: false, notAFace: true },
    { id: 14, photo: { ...photo, hash: sha('c') }, box: { x: -5, y: 0, width: 90, height: 100 }, person: 7, source: 'machine', confirmed: true },
  ];
  f.corrections = [
    { id: 1, at: '2026-04-02T08:00:00.000Z', correction: { kind: 'name', personId: 1, name: 'Zoë' }, undone: false },
    { id: 2, at: '2026-04-02T08:01:00.000Z', correction: { kind: 'merge', targetId: 1, sourceIds: [3, 4] }, undone: false },
    { id: 3, at: '2026-04-02T08:02:00.000Z', correction: { kind: 'split', faceIds: [11], name: null }, undone: true },
    { id: 4, at: '2026-04-02T08:03:00+02:00', correction: { kind: 'move', faceIds: [11, 99], personId: 1 }, undone: false },
    { id: 5, at: '2026-04-02T08:04:00.000Z', correction: { kind: 'reject', faceIds: [12], personId: 1 }, undone: false },
    { id: 6, at: '2026-04-02T08:05:00.000Z', correction: { kind: 'confirm', faceIds: [14], personId: 7 }, undone: false },
    { id: 7, at: '2026-04-02T08:06:00.000Z', correction: { kind: 'hide', personId: 2, hidden: true }, undone: false },
    { id: 8, at: '2026-04-02T08:07:00.000Z', correction: { kind: 'cover', personId: 1, faceId: 11 }, undone: false },
    { id: 9, at: '2026-04-02T08:08:00.000Z', correction: { kind: 'not-a-face', faceIds: [13] }, undone: false },
  ];
  return f;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case breaks the file in its own way
function expectInvalid(mutate: (f: any) => void, issue: RegExp): void {
  const f = JSON.parse(JSON.stringify(sample()));
  mutate(f);
  let err: unknown;
  try {
    validatePeopleFile(f);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PeopleFileError);
  expect((err as Error).message).toMatch(issue);
}

describe('people file', () => {
  it('round-trips through text and through a file, unchanged and stable', () => {
    const data = sample();
    const text = serializePeopleFile(data);
    expect(parsePeopleFile(text)).toEqual(data);
    expect(serializePeopleFile(parsePeopleFile(text))).toBe(text);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-people-')), 'sub', 'people.visage-people.json');
    writePeopleFile(file, data);
    expect(readPeopleFile(file)).toEqual(data);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['people.visage-people.json']);
    // A byte-order mark (Windows editors) is accepted.
    expect(parsePeopleFile(`\uFEFF${text}`)).toEqual(data);
  });

  it('says what is wrong: format, newer version, JSON, structure, references', () => {
    expect(() => parsePeopleFile('{"format":"something-else","version":1}')).toThrow(/not a Visage people file/);
    expect(() => parsePeopleFile(JSON.stringify({ ...sample(), version: PEOPLE_FILE_VERSION + 1 }))).toThrow(/newer Visage/);
    expect(() => parsePeopleFile('{"format": "visage-people", ')).toThrow(/not JSON/);
    expect(() => parsePeopleFile('[]')).toThrow(/not a Visage people file/);
    expectInvalid((f) => (f.faces[0].photo.hash = 'xyz'), /faces\.0\.photo\.hash: a sha1 hex digest/);
    expectInvalid((f) => (f.faces[1].person = 42), /faces\.1\.person: unknown person 42/);
    expectInvalid((f) => (f.persons[0].cover = 12), /persons\.0\.cover: face 12 is not one of this person's faces/);
    expectInvalid((f) => (f.persons[1].cover = 999), /persons\.1\.cover: unknown face 999/);
    expectInvalid((f) => f.persons.push({ id: 1, name: 'twin', hidden: false, cover: null }), /duplicate person id 1/);
    expectInvalid((f) => (f.faces[2].id = 11), /duplicate face id 11/);
    expectInvalid((f) => (f.faces[0].box.width = 0), /faces\.0\.box\.width/);
    expectInvalid((f) => (f.faces[0].box.x = 5000), /faces\.0\.box: outside its 4000x3000 photo/);
    expectInvalid((f) => (f.faces[0].source = null), /faces\.0\.source: a face in a person needs a source/);
    expectInvalid((f) => (f.faces[2].person = 1), /not a face/);
    expectInvalid((f) => (f.corrections[0].correction = { kind: 'rename', personId: 1 }), /corrections\.0\.correction/);
    expectInvalid((f) => (f.corrections[1].correction.sourceIds = []), /corrections\.1\.correction\.sourceIds/);
    expectInvalid((f) => (f.corrections[0].at = 'yesterday'), /corrections\.0\.at/);
    expectInvalid((f) => delete f.faces[0].confirmed, /faces\.0\.confirmed/);
    expect(() => serializePeopleFile({ ...sample(), persons: [{ id: 0, name: null, hidden: false, cover: null }] } as PeopleFile)).toThrow(PeopleFileError);
  });

  it('an empty library exports and imports too', () => {
    const empty = emptyPeopleFile('0.1.0');
    expect(parsePeopleFile(serializePeopleFile(empty))).toEqual(empty);
  });

  it('matchFace finds the library face by box overlap, across a different decode size', () => {
    const [face] = sample().faces;
    const lib = [
      { id: 501, box: { x: 1500, y: 220, width: 280, height: 350 }, photoWidth: 4000, photoHeight: 3000 },
      { id: 502, box: { x: 104, y: 198, width: 296, height: 384 }, photoWidth: 4000, photoHeight: 3000 },
    ];
    expect(matchFace(face!, lib)).toBe(502);
    // The same photo indexed at half size (e.g. a re-saved copy): boxes scale with it.
    const half = lib.map((c) => ({ ...c, box: { x: c.box.x / 2, y: c.box.y / 2, width: c.box.width / 2, height: c.box.height / 2 }, photoWidth: 2000, photoHeight: 1500 }));
    expect(matchFace(face!, half)).toBe(502);
    expect(matchFace(face!, [lib[0]!])).toBeNull();
    expect(matchFace(face!, [])).toBeNull();
  });
});
