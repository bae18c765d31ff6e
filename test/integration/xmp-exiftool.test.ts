/**
 * XMP face regions against ExifTool (Debian's libimage-exiftool-perl) as a real client, both
 * directions, on real photos scanned by the real engine through the real CLI:
 * - ExifTool writes MWG regions (a sidecar, and XMP embedded in a JPEG) and Microsoft Photo
 *   regions with a name for one face: `visage xmp-read` names the whole unnamed person it is in;
 * - tags in one person that disagree: only the tagged faces move, the conflict is listed; a name
 *   that belongs to a person already merges the tagged unnamed person into it;
 * - undo puts everything back;
 * - `visage xmp-write` output read by ExifTool has the right names and region geometry;
 * - and for a face drawn by hand, a person on a photo without a face (a whole-photo region marked
 *   visage:NoFace) and birth dates (visage:Drawn, visage:NoFace, visage:BirthDate in
 *   mwg-rs:Extensions): ExifTool reads them; the
 *   sidecar, rewritten by ExifTool, brings them back into a fresh library; a whole-photo region
 *   ExifTool writes is read as a person without a face.
 * The photos are faceapi-bbt's (PNG) re-encoded as JPEG, so that XMP can be embedded in them, and
 * for drawn faces two group photos.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { tagsOn } from '../helpers/library-db';
import { GROUP, PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-xmp-exiftool-'));
const BBT = join(PEOPLE, 'faceapi-bbt');
/** Four people of five photos each: enough for three people of several faces after clustering. */
const WHO = ['amy', 'howard', 'penny', 'leonard'];

interface Face {
  id: number;
  photoPath: string;
  box: { x: number; y: number; width: number; height: number };
  photoWidth: number;
  photoHeight: number;
  source: string | null;
  confirmed: boolean;
}
interface Person {
  id: number;
  name: string | null;
  faceCount: number;
}

function exiftool(args: string[]): string {
  const r = spawnSync('exiftool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`exiftool is needed (apt-get install libimage-exiftool-perl): ${r.error.message}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** A fresh folder of the JPEG photos, scanned (and clustered) into a fresh library by `visage scan`. */
async function scannedLibrary(name: string): Promise<{ db: string; lib: string }> {
  const lib = join(dir, name);
  for (const who of WHO) {
    mkdirSync(join(lib, who), { recursive: true });
    for (const f of readdirSync(join(BBT, who)).filter((f) => f.endsWith('.png')).sort()) {
      await sharp(join(BBT, who, f)).jpeg({ quality: 92 }).toFile(join(lib, who, f.replace(/\.png$/, '.jpg')));
    }
  }
  const db = join(dir, `${name}.db`);
  const r = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails']);
  expect(r.code, r.stderr).toBe(0);
  return { db, lib };
}

const people = (db: string): Person[] => runCli(['people', '--db', db, '--json']).lastJson();
const facesOf = (db: string, id: number): Face[] => runCli(['person', '--db', db, '--person', String(id), '--json']).lastJson().faces;
const byId = (db: string) => new Map(people(db).map((p) => [p.id, p]));

/** The unnamed people with at least `min` faces, largest first. */
function groups(db: string, min: number): Person[] {
  return people(db)
    .filter((p) => p.name === null && p.faceCount >= min)
    .sort((a, b) => b.faceCount - a.faceCount || a.id - b.id);
}

/** A box as an MWG area (centre, normalised; clamped to the image as MWG areas are). */
function boxArea(box: Face['box'], width: number, height: number): { x: number; y: number; w: number; h: number } {
  const c = (v: number) => Math.min(1, Math.max(0, v));
  const x0 = c(box.x / width);
  const x1 = c((box.x + box.width) / width);
  const y0 = c(box.y / height);
  const y1 = c((box.y + box.height) / height);
  return { x: (x0 + x1) / 2, y: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 };
}

/** A face's box as an MWG area. */
const mwgArea = (f: Face) => boxArea(f.box, f.photoWidth, f.photoHeight);

/** ExifTool's struct syntax for one named MWG face region on `f`. */
function mwgRegion(f: Face, name: string): string {
  const a = mwgArea(f);
  return `-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=${f.photoWidth},H=${f.photoHeight},Unit=pixel},RegionList=[{Area={X=${a.x},Y=${a.y},W=${a.w},H=${a.h},Unit=normalized},Name=${name},Type=Face}]}`;
}

/** ExifTool writes a sidecar photo.xmp (the name digiKam's and Lightroom's sidecars have) with `f` named. */
function sidecarTag(f: Face, name: string): void {
  exiftool(['-q', mwgRegion(f, name), f.photoPath.replace(/\.jpg$/, '.xmp')]);
}

const xmpRead = (db: string) => {
  const r = runCli(['xmp-read', '--db', db, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.lastJson();
};

beforeAll(() => {
  // Fails (not skips) without ExifTool: CI installs it (.ci/run).
  expect(exiftool(['-ver']).trim()).toMatch(/^\d+\.\d+/);
});

describe('XMP read from files ExifTool wrote', () => {
  it('a name in an MWG sidecar, in XMP embedded in a JPEG and in Microsoft regions names the whole unnamed person; undo restores', async () => {
    const { db } = await scannedLibrary('a');
    const [p, q, r] = groups(db, 3);
    expect(r, 'three unnamed people of 3+ faces after the scan').toBeDefined();
    const before = people(db);
    const pFaces = facesOf(db, p!.id);
    const qFaces = facesOf(db, q!.id);
    const rFaces = facesOf(db, r!.id);

    // P: a sidecar. Q: XMP embedded in the JPEG itself. R: Microsoft Photo regions (x, y = top-left).
    sidecarTag(pFaces[0]!, 'Amy Farrah Fowler');
    exiftool(['-q', '-overwrite_original', mwgRegion(qFaces[0]!, 'Howard Wolowitz'), qFaces[0]!.photoPath]);
    expect(exiftool(['-s3', '-RegionName', qFaces[0]!.photoPath]).trim()).toBe('Howard Wolowitz');
    const rf = rFaces[0]!;
    const ra = mwgArea(rf);
    exiftool(['-q', `-XMP-MP:RegionInfoMP={Regions=[{PersonDisplayName=Penny,Rectangle=${ra.x - ra.w / 2}|, ${ra.y - ra.h / 2}|, ${ra.w}|, ${ra.h}}]}`, rf.photoPath.replace(/\.jpg$/, '.xmp')]);

    const report = xmpRead(db);
    expect(report.faces).toBe(3);
    expect(report.conflicts).toEqual([]);
    expect(report.merged).toEqual([]);
    expect([...report.named].sort((a: { personId: number }, b: { personId: number }) => a.personId - b.personId)).toEqual(
      [
        { personId: p!.id, name: 'Amy Farrah Fowler' },
        { personId: q!.id, name: 'Howard Wolowitz' },
        { personId: r!.id, name: 'Penny' },
      ].sort((a, b) => a.personId - b.personId),
    );
    const after = byId(db);
    // The whole person is named, every face kept: no one-face person split off.
    expect(after.get(p!.id)).toMatchObject({ name: 'Amy Farrah Fowler', faceCount: p!.faceCount });
    expect(after.get(q!.id)).toMatchObject({ name: 'Howard Wolowitz', faceCount: q!.faceCount });
    expect(after.get(r!.id)).toMatchObject({ name: 'Penny', faceCount: r!.faceCount });
    expect(after.size).toBe(before.length);
    // The tagged faces are confirmed; the others stay the machine's.
    const named = facesOf(db, p!.id);
    expect(named.find((f) => f.id === pFaces[0]!.id)).toMatchObject({ source: 'user', confirmed: true });
    expect(named.filter((f) => f.id !== pFaces[0]!.id).every((f) => f.source === 'machine')).toBe(true);

    // One undoable correction.
    const undo = runCli(['undo', '--db', db, '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(people(db)).toEqual(before);
    expect(facesOf(db, p!.id).map((f) => [f.id, f.source, f.confirmed])).toEqual(pFaces.map((f) => [f.id, f.source, f.confirmed]));
  }, 300_000);

  it('tags that disagree move only the tagged faces and are listed; a name someone has already merges the unnamed person into them; undo restores', async () => {
    const { db } = await scannedLibrary('c');
    const [p, q, r] = groups(db, 3);
    expect(r, 'three unnamed people of 3+ faces after the scan').toBeDefined();
    // Q is Penny already (named in Visage).
    expect(runCli(['name', '--db', db, '--person', String(q!.id), '--name', 'Penny', '--json']).code).toBe(0);
    const before = people(db);
    const pFaces = facesOf(db, p!.id);
    const rFaces = facesOf(db, r!.id);
    // P's faces are tagged "Amy" and "Penny": a conflict. R's one tag says "penny" (any case): R is Penny.
    sidecarTag(pFaces[0]!, 'Amy');
    sidecarTag(pFaces[1]!, 'Penny');
    sidecarTag(rFaces[0]!, 'penny');

    const report = xmpRead(db);
    expect(report.conflicts).toHaveLength(1);
    expect(report.conflicts[0]).toMatchObject({ personId: p!.id, personName: null });
    expect([...report.conflicts[0].names].sort()).toEqual(['Amy', 'Penny']);
    expect([...report.conflicts[0].faceIds].sort((a: number, b: number) => a - b)).toEqual([pFaces[0]!.id, pFaces[1]!.id].sort((a, b) => a - b));
    expect(report.merged).toEqual([{ personId: r!.id, intoId: q!.id, name: expect.stringMatching(/^penny$/i) }]);
    expect(report.named).toEqual([]);

    const after = byId(db);
    // P keeps its untagged faces, unnamed.
    expect(after.get(p!.id)).toMatchObject({ name: null, faceCount: p!.faceCount - 2 });
    expect(facesOf(db, p!.id).map((f) => f.id).sort()).toEqual(pFaces.slice(2).map((f) => f.id).sort());
    // The "Penny" face of P and all of R joined Penny; R is gone (merged); no second Penny.
    expect(after.get(q!.id)).toMatchObject({ name: 'Penny', faceCount: q!.faceCount + 1 + r!.faceCount });
    expect(after.has(r!.id)).toBe(false);
    expect([...after.values()].filter((x) => x.name?.toLowerCase() === 'penny')).toHaveLength(1);
    // The "Amy" face is a new person of its own.
    const amy = [...after.values()].filter((x) => x.name === 'Amy');
    expect(amy).toHaveLength(1);
    expect(facesOf(db, amy[0]!.id).map((f) => f.id)).toEqual([pFaces[0]!.id]);

    // One undoable correction.
    const undo = runCli(['undo', '--db', db, '--json']);
    expect(undo.code, undo.stderr).toBe(0);
    expect(people(db)).toEqual(before);
    expect(facesOf(db, p!.id).map((f) => f.id)).toEqual(pFaces.map((f) => f.id));
    // The CLI says so in words too.
    const words = runCli(['xmp-read', '--db', db]);
    expect(words.code, words.stderr).toBe(0);
    expect(words.stdout).toMatch(new RegExp(`conflict: person ${p!.id} has faces tagged (Amy, Penny|Penny, Amy): 2 tagged face\\(s\\) moved`));
    expect(words.stdout).toMatch(new RegExp(`person ${r!.id} merged into penny \\(person ${q!.id}\\)`, 'i'));
  }, 300_000);
});

describe('XMP written by Visage, read by ExifTool', () => {
  it('ExifTool reads the names and the region geometry of visage xmp-write', async () => {
    const { db } = await scannedLibrary('b');
    const [p] = groups(db, 3);
    expect(runCli(['name', '--db', db, '--person', String(p!.id), '--name', 'Amy Farrah Fowler', '--json']).code).toBe(0);
    const w = runCli(['xmp-write', '--db', db, '--json']);
    expect(w.code, w.stderr).toBe(0);
    const written = w.lastJson();
    const faces = facesOf(db, p!.id);
    expect(written.regions).toBe(faces.length);
    expect(written.sidecars).toHaveLength(faces.length);
    for (const f of faces) {
      const sidecar = written.sidecars.find((s: string) => basename(s).startsWith(basename(f.photoPath, '.jpg')));
      expect(sidecar, f.photoPath).toBeDefined();
      const [info] = JSON.parse(exiftool(['-j', '-struct', '-XMP-mwg-rs:RegionInfo', sidecar])) as {
        RegionInfo: { AppliedToDimensions: { W: number; H: number; Unit: string }; RegionList: { Name: string; Type: string; Area: { X: number; Y: number; W: number; H: number; Unit: string } }[] };
      }[];
      expect(info!.RegionInfo.AppliedToDimensions).toMatchObject({ W: f.photoWidth, H: f.photoHeight, Unit: 'pixel' });
      expect(info!.RegionInfo.RegionList).toHaveLength(1);
      const region = info!.RegionInfo.RegionList[0]!;
      expect(region).toMatchObject({ Name: 'Amy Farrah Fowler', Type: 'Face' });
      expect(region.Area.Unit).toBe('normalized');
      const a = mwgArea(f);
      expect(region.Area.X).toBeCloseTo(a.x, 5);
      expect(region.Area.Y).toBeCloseTo(a.y, 5);
      expect(region.Area.W).toBeCloseTo(a.w, 5);
      expect(region.Area.H).toBeCloseTo(a.h, 5);
      // ExifTool's flattened tag, as digiKam users query it.
      expect(exiftool(['-s3', '-RegionName', sidecar]).trim()).toBe('Amy Farrah Fowler');
    }
  }, 300_000);
});

/** A region as `exiftool -j -struct -XMP-mwg-rs:RegionInfo` prints it. */
interface ExifRegion {
  Name: string;
  Type: string;
  Area: { X: number; Y: number; W: number; H: number; Unit: string };
  Extensions?: Record<string, string | boolean>;
}

/** Two group photos in a folder of their own, scanned into `name`.db (a fresh library each call). */
function groupLibrary(folder: string, name: string): { db: string; group: string; other: string } {
  const lib = join(dir, folder);
  mkdirSync(lib, { recursive: true });
  const group = join(lib, 'group.jpg');
  const other = join(lib, 'other.jpg');
  if (!readdirSync(lib).includes('group.jpg')) {
    copyFileSync(join(GROUP, 'compreface__000_5.jpg'), group);
    copyFileSync(join(GROUP, 'compreface__010_2.jpg'), other);
  }
  const db = join(dir, `${name}.db`);
  const r = runCli(['scan', lib, '--db', db, '--json', '--no-thumbnails']);
  expect(r.code, r.stderr).toBe(0);
  return { db, group, other };
}

interface ListedFace {
  id: number;
  photoId: number;
  path: string;
  box: Face['box'];
}
/** The faces `visage faces` lists on one photo file, by id, and the photo's id and size. */
function facesOn(db: string, file: string): { photo: { id: number; width: number; height: number }; faces: ListedFace[] } {
  const photos = runCli(['photos', '--db', db, '--json']).lastJson().photos as { id: number; path: string; width: number; height: number }[];
  const photo = photos.find((p) => p.path === file)!;
  const faces = (runCli(['faces', '--db', db, '--json']).lastJson().faces as ListedFace[]).filter((f) => f.photoId === photo.id).sort((a, b) => a.id - b.id);
  return { photo, faces };
}

function cli(args: string[]) {
  const r = runCli([...args, '--json']);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.lastJson();
}


describe('drawn faces, people without a face and birth dates through ExifTool', () => {
  /** Set by the first test: the box drawn by hand on group.jpg and the sidecar written. */
  let drawnBox: Face['box'];
  let sidecar: string;

  it('ExifTool reads what visage xmp-write wrote: the drawn face (visage:Drawn), the whole-photo region of a person without a face, the birth dates', () => {
    const { db, group, other } = groupLibrary('drawn', 'drawn-a');
    const g = facesOn(db, group);
    const o = facesOn(db, other);
    expect(g.faces.length).toBeGreaterThanOrEqual(2);
    expect(o.faces.length).toBeGreaterThanOrEqual(1);
    // Anna: a detected face of group.jpg, born 1950-03-04, and a face drawn by hand: a loose box
    // (twice the side of another detected face, centred on it: IoU 0.25, a face of its own).
    const anna = cli(['split', '--db', db, '--faces', String(g.faces[0]!.id), '--name', 'Anna']).personIds[0] as number;
    cli(['birthday', '--db', db, '--person', String(anna), '--date', '1950-03-04']);
    const b = g.faces[1]!.box;
    const x = Math.max(0, Math.round(b.x - b.width / 2));
    const y = Math.max(0, Math.round(b.y - b.height / 2));
    drawnBox = { x, y, width: Math.min(Math.round(b.width * 2), g.photo.width - x), height: Math.min(Math.round(b.height * 2), g.photo.height - y) };
    const drawn = cli(['add-face', '--db', db, '--photo', String(g.photo.id), '--box', [drawnBox.x, drawnBox.y, drawnBox.width, drawnBox.height].join(','), '--person', String(anna)]);
    expect(drawn.face).toMatchObject({ manual: true, personId: anna });
    // Bea: a face of other.jpg, born 1951-12-31, and on group.jpg without a visible face.
    const bea = cli(['split', '--db', db, '--faces', String(o.faces[0]!.id), '--name', 'Bea']).personIds[0] as number;
    cli(['birthday', '--db', db, '--person', String(bea), '--date', '1951-12-31']);
    cli(['tag-photo', '--db', db, '--photo', String(g.photo.id), '--person', String(bea)]);

    const written = cli(['xmp-write', '--db', db]);
    expect(written).toMatchObject({ photos: 2, regions: 4, failed: [] });
    sidecar = written.sidecars.find((f: string) => basename(f) === 'group.jpg.xmp');
    expect(sidecar).toBeDefined();

    const [info] = JSON.parse(exiftool(['-j', '-struct', '-XMP-mwg-rs:RegionInfo', sidecar])) as { RegionInfo: { AppliedToDimensions: { W: number; H: number }; RegionList: ExifRegion[] } }[];
    expect(info!.RegionInfo.AppliedToDimensions).toMatchObject({ W: g.photo.width, H: g.photo.height });
    const list = info!.RegionInfo.RegionList;
    expect(list.map((r) => [r.Name, r.Type])).toEqual([
      ['Anna', 'Face'],
      ['Anna', 'Face'],
      ['Bea', 'Face'],
    ]);
    const closeTo = (r: ExifRegion, a: { x: number; y: number; w: number; h: number }) => {
      expect(r.Area.Unit).toBe('normalized');
      expect(r.Area.X).toBeCloseTo(a.x, 5);
      expect(r.Area.Y).toBeCloseTo(a.y, 5);
      expect(r.Area.W).toBeCloseTo(a.w, 5);
      expect(r.Area.H).toBeCloseTo(a.h, 5);
    };
    // The detected face: its box, the birth date, no Drawn mark.
    closeTo(list[0]!, boxArea(g.faces[0]!.box, g.photo.width, g.photo.height));
    expect(list[0]!.Extensions).toEqual({ 'XMP-visage:Writer': 'Visage', 'XMP-visage:NoFace': false, 'XMP-visage:BirthDate': '1950-03-04' });
    // The drawn face: the box drawn, marked Drawn.
    closeTo(list[1]!, boxArea(drawnBox, g.photo.width, g.photo.height));
    expect(list[1]!.Extensions).toEqual({ 'XMP-visage:Writer': 'Visage', 'XMP-visage:Drawn': true, 'XMP-visage:NoFace': false, 'XMP-visage:BirthDate': '1950-03-04' });
    // The person without a face: the whole photo, as digiKam and Lightroom tag one, marked
    // visage:NoFace (a close-up face covers the whole photo too).
    expect(list[2]!.Area).toEqual({ X: 0.5, Y: 0.5, W: 1, H: 1, Unit: 'normalized' });
    expect(list[2]!.Extensions).toEqual({ 'XMP-visage:Writer': 'Visage', 'XMP-visage:NoFace': true, 'XMP-visage:BirthDate': '1951-12-31' });
    // The flat tags, as `exiftool -a -G1 -XMP:all` lists them (one line per region's extension field).
    const flat = exiftool(['-a', '-G1', '-XMP:all', sidecar]);
    expect(flat).toMatch(/^\[XMP-mwg-rs\]\s+Region Name\s+: Anna, Anna, Bea$/m);
    expect(flat.match(/^\[XMP-mwg-rs\]\s+Region Extensions Birth Date\s+: (.*)$/gm)?.map((l) => l.split(': ').pop())).toEqual(['1950-03-04', '1950-03-04', '1951-12-31']);
    expect(flat.match(/^\[XMP-mwg-rs\]\s+Region Extensions Drawn\s+: (.*)$/gm)?.map((l) => l.split(': ').pop())).toEqual(['True']);
    expect(flat.match(/^\[XMP-mwg-rs\]\s+Region Extensions No Face\s+: (.*)$/gm)?.map((l) => l.split(': ').pop())).toEqual(['False', 'False', 'True']);
    expect(flat).toMatch(/^\[XMP-mwg-rs\]\s+Region Area W\s+: [\d.]+, [\d.]+, 1$/m);
  }, 300_000);

  it('the sidecar, rewritten by ExifTool (a rating added), brings the drawn face, the person without a face and the birth dates into a fresh library', () => {
    expect(sidecar, 'the test before wrote it').toBeDefined();
    exiftool(['-q', '-overwrite_original', '-XMP-xmp:Rating=4', sidecar]);
    // ExifTool wrote the whole packet again (its own layout), the extensions kept.
    expect(exiftool(['-s3', '-XMP-xmp:Rating', sidecar]).trim()).toBe('4');
    expect(exiftool(['-s3', '-XMP-x:XMPToolkit', sidecar]).trim()).toMatch(/^Image::ExifTool/);
    expect(readFileSync(sidecar, 'utf8').match(/<visage:NoFace>(True|False)<\/visage:NoFace>/g)).toEqual([
      '<visage:NoFace>False</visage:NoFace>',
      '<visage:NoFace>False</visage:NoFace>',
      '<visage:NoFace>True</visage:NoFace>',
    ]);

    // Same photos, a new library: only group.jpg's sidecar is left to read (other.jpg's goes).
    const { db, group } = groupLibrary('drawn', 'drawn-b');
    rmSync(join(dir, 'drawn', 'other.jpg.xmp'));
    const before = facesOn(db, group).faces.length;
    const read = cli(['xmp-read', '--db', db]);
    expect(read.unmatched).toEqual([]);
    const after = facesOn(db, group).faces;
    expect(after).toHaveLength(before + 1);
    const people = runCli(['people', '--db', db, '--json']).lastJson() as { id: number; name: string | null; faceCount: number; photoCount: number; birthDate: string | null }[];
    const anna = people.find((p) => p.name === 'Anna')!;
    const bea = people.find((p) => p.name === 'Bea')!;
    expect(anna).toMatchObject({ faceCount: 2, birthDate: '1950-03-04' });
    // Bea's only face was on other.jpg (no sidecar now): here she is on group.jpg without a face.
    expect(bea).toMatchObject({ faceCount: 0, photoCount: 1, birthDate: '1951-12-31' });
    expect(tagsOn(db, group)).toEqual(['Bea']);
    const drawn = (runCli(['person', '--db', db, '--person', String(anna.id), '--json']).lastJson().faces as { manual: boolean; box: Face['box'] }[]).filter((f) => f.manual);
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.box.x).toBeCloseTo(drawnBox.x, 0);
    expect(drawn[0]!.box.y).toBeCloseTo(drawnBox.y, 0);
    expect(drawn[0]!.box.width).toBeCloseTo(drawnBox.width, 0);
    expect(drawn[0]!.box.height).toBeCloseTo(drawnBox.height, 0);
  }, 300_000);

  it('a whole-photo region ExifTool writes is a person on the photo without a face; a named face region beside it names that face', () => {
    const { db, other } = groupLibrary('exiftool-tags', 'exiftool-tags');
    const o = facesOn(db, other);
    const f = o.faces[0]!;
    const a = boxArea(f.box, o.photo.width, o.photo.height);
    exiftool([
      '-q',
      `-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=${o.photo.width},H=${o.photo.height},Unit=pixel},RegionList=[{Area={X=0.5,Y=0.5,W=1,H=1,Unit=normalized},Name=Carl,Type=Face},{Area={X=${a.x},Y=${a.y},W=${a.w},H=${a.h},Unit=normalized},Name=Dora,Type=Face}]}`,
      other.replace(/\.jpg$/, '.xmp'),
    ]);
    const read = cli(['xmp-read', '--db', db]);
    expect(read.unmatched).toEqual([]);
    expect(tagsOn(db, other)).toEqual(['Carl']);
    const people = runCli(['people', '--db', db, '--json']).lastJson() as { id: number; name: string | null; faceCount: number; photoCount: number }[];
    expect(people.find((p) => p.name === 'Carl')).toMatchObject({ faceCount: 0, photoCount: 1 });
    const dora = people.find((p) => p.name === 'Dora')!;
    expect(runCli(['person', '--db', db, '--person', String(dora.id), '--json']).lastJson().faces.map((x: { id: number }) => x.id)).toContain(f.id);
  }, 300_000);
});
