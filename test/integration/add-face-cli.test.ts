/**
 * `visage add-face` and `visage tag-photo` / `untag-photo` on a library the CLI scanned from a real
 * group photo: a drawn face added (JSON), undone and redone from the CLI; bad boxes, unknown
 * photos and people refused with exit 2 and a clear message; the photo edited (half its size) and
 * scanned again: the drawn faces analysed again by the CLI's scan; a drawn face undone before a
 * move to another model and redone: analysed again with the new model.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { GROUP } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-add-face-cli-'));
const db = join(dir, 'lib.db');
const lib = join(dir, 'lib');
let photo: { id: number; width: number; height: number };
/** The faces drawn by the first test: with a person (Anna) and without. */
let drawnIds: number[] = [];
let annaId = 0;

beforeAll(() => {
  mkdirSync(lib);
  symlinkSync(join(GROUP, 'compreface__000_5.jpg'), join(lib, 'group.jpg'));
  const scan = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails']);
  expect(scan.code, scan.stderr).toBe(0);
  const photos = runCli(['photos', '--db', db, '--json']).lastJson();
  const list = (Array.isArray(photos) ? photos : photos.photos) as { id: number; width: number; height: number }[];
  expect(list).toHaveLength(1);
  photo = list[0]!;
}, 300_000);

describe('visage add-face', () => {
  it('adds a drawn face (manual, in the person given), undoable and redoable from the CLI', () => {
    const solo = runCli(['faces', '--db', db, '--json']).lastJson().faces as { id: number; box: { x: number; y: number; width: number; height: number } }[];
    expect(solo.length).toBe(5);
    expect(runCli(['cluster', '--db', db, '--json']).code).toBe(0);
    const split = runCli(['split', '--db', db, '--faces', String(solo[0]!.id), '--name', 'Anna', '--json']).lastJson();
    const anna = split.personIds[0] as number;
    const b = solo[1]!.box;
    const box = [b.x - 10, b.y - 10, b.width + 20, b.height + 20].map((v) => Math.round(v)).join(',');
    const r = runCli(['add-face', '--db', db, '--photo', String(photo.id), '--box', box, '--person', String(anna), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    expect(out.face).toMatchObject({ manual: true, personId: anna, personName: 'Anna', photoId: photo.id });
    expect(out.face.box.x).toBe(Math.round(b.x - 10));
    expect(runCli(['faces', '--db', db, '--json']).lastJson().count).toBe(6);
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('add-face');
    expect(runCli(['faces', '--db', db, '--json']).lastJson().count).toBe(5);
    expect(runCli(['redo', '--db', db, '--json']).lastJson().kind).toBe('add-face');
    const person = runCli(['person', '--db', db, '--person', String(anna), '--json']).lastJson();
    expect(person.faces.map((f: { id: number }) => f.id)).toContain(out.face.id);

    // Without a person: the face is unassigned, and who it may be is listed (Anna's own face is most like it).
    const plain = runCli(['add-face', '--db', db, '--photo', String(photo.id), '--box', box, '--json']).lastJson();
    expect(plain.face.personId).toBeNull();
    expect(Array.isArray(plain.suggestions)).toBe(true);
    drawnIds = [out.face.id, plain.face.id];
    annaId = anna;
  }, 180_000);

  it('refuses a bad box, an unknown photo or person with exit code 2 and says why', () => {
    const cases: [string[], RegExp][] = [
      [['--photo', String(photo.id), '--box', `${photo.width - 10},0,40,40`], /not inside the \d+x\d+ photo/],
      [['--photo', String(photo.id), '--box', '0,0,10,10'], /at least 16 px/],
      [['--photo', String(photo.id), '--box', '1,2,3'], /four numbers/],
      [['--photo', String(photo.id), '--box', '-5,0,40,40'], /four numbers/],
      [['--photo', String(photo.id)], /--box/],
      [['--photo', '99999', '--box', '0,0,40,40'], /no photo 99999/],
      [['--photo', String(photo.id), '--box', '0,0,40,40', '--person', '99999'], /no person 99999/],
      [['--box', '0,0,40,40'], /--photo/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(['add-face', '--db', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);

  it('tags a person without a face on a photo and removes the tag (undoable)', () => {
    const person = (runCli(['people', '--db', db, '--json']).lastJson() as { id: number; name: string | null }[]).find((p) => p.name === 'Anna')!.id;
    const t = runCli(['tag-photo', '--db', db, '--photo', String(photo.id), '--person', String(person), '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.lastJson().personIds).toEqual([person]);
    expect(runCli(['tag-photo', '--db', db, '--photo', String(photo.id), '--person', String(person)]).code).toBe(2);
    expect(runCli(['untag-photo', '--db', db, '--photo', String(photo.id), '--person', String(person), '--json']).code).toBe(0);
    expect(runCli(['untag-photo', '--db', db, '--photo', String(photo.id), '--person', String(person)]).stderr).toMatch(/not on photo/);
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('untag-photo');
    const history = runCli(['history', '--db', db, '--limit', '3', '--json']).lastJson();
    expect(history.map((h: { kind: string; undone: boolean }) => [h.kind, h.undone])).toEqual([
      ['untag-photo', true],
      ['tag-photo', false],
      ['add-face', false],
    ]);
  }, 120_000);

  it('a scan of the photo edited to half its size analyses the drawn faces again (in the scan\'s worker threads): boxes and landmarks scaled, person kept', async () => {
    type Face = { id: number; box: { x: number; y: number; width: number; height: number }; landmarks: [number, number][]; embedding: string };
    const drawn = () => (runCli(['faces', '--db', db, '--json']).lastJson().faces as Face[]).filter((f) => drawnIds.includes(f.id));
    const before = drawn();
    expect(before.map((f) => f.id)).toEqual(drawnIds);
    const file = join(lib, 'group.jpg');
    const half = await sharp(join(GROUP, 'compreface__000_5.jpg')).resize({ width: Math.round(photo.width / 2) }).jpeg({ quality: 92 }).toBuffer();
    rmSync(file); // (a link to the dataset: never written through)
    writeFileSync(file, half);
    const scan = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails']);
    expect(scan.code, scan.stderr).toBe(0);
    const { width, height } = (runCli(['photos', '--db', db, '--json']).lastJson().photos as { width: number; height: number }[])[0]!;
    const [sx, sy] = [width / photo.width, height / photo.height];
    expect(sx).toBeCloseTo(0.5, 2);
    const after = drawn();
    expect(after.map((f) => f.id)).toEqual(drawnIds);
    for (const [i, f] of after.entries()) {
      const b = before[i]!;
      expect(f.box.x).toBeCloseTo(b.box.x * sx, 0);
      expect(f.box.y).toBeCloseTo(b.box.y * sy, 0);
      expect(f.box.width).toBeCloseTo(b.box.width * sx, 0);
      expect(f.box.height).toBeCloseTo(b.box.height * sy, 0);
      const drift = f.landmarks.reduce((s, [x, y], k) => s + Math.hypot(x - b.landmarks[k]![0] * sx, y - b.landmarks[k]![1] * sy), 0) / f.landmarks.length;
      expect(drift).toBeLessThan(3);
      expect(f.embedding).not.toBe(b.embedding);
    }
    const person = runCli(['person', '--db', db, '--person', String(annaId), '--json']).lastJson();
    expect(person.faces.map((f: { id: number }) => f.id)).toContain(drawnIds[0]);
  }, 300_000);

  it('visage redo of a face drawn, then undone, before `visage reembed --model` analyses it again with the new model (as the re-scan left its box)', () => {
    type Face = { id: number; box: { x: number; y: number; width: number; height: number }; modelId: string };
    const faces = () => runCli(['faces', '--db', db, '--json']).lastJson().faces as Face[];
    const before = faces().find((f) => f.id === drawnIds[1])!;
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('tag-photo');
    expect(runCli(['undo', '--db', db, '--json']).lastJson().kind).toBe('add-face');
    const OTHER = 'faceplugin-512-pca128';
    expect(before.modelId).not.toBe(OTHER);
    const move = runCli(['reembed', '--db', db, '--model', OTHER, '--json']);
    expect(move.code, move.stderr).toBe(0);
    const r = runCli(['redo', '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lastJson().kind).toBe('add-face');
    const back = faces().find((f) => f.id === drawnIds[1])!;
    expect(back).toMatchObject({ modelId: OTHER, box: before.box });
    expect([...new Set(faces().map((f) => f.modelId))]).toEqual([OTHER]);
  }, 300_000);
});
