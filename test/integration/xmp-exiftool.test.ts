/**
 * XMP face regions against ExifTool (Debian's libimage-exiftool-perl) as a real client, both
 * directions, on real photos scanned by the real engine through the real CLI:
 * - ExifTool writes MWG regions (a sidecar, and XMP embedded in a JPEG) and Microsoft Photo
 *   regions with a name for one face: `visage xmp-read` names the whole unnamed person it is in;
 * - tags in one person that disagree: only the tagged faces move, the conflict is listed; a name
 *   that belongs to a person already merges the tagged unnamed person into it;
 * - undo puts everything back;
 * - `visage xmp-write` output read by ExifTool has the right names and region geometry.
 * The photos are faceapi-bbt's (PNG) re-encoded as JPEG, so that XMP can be embedded in them.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';

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

/** A face's box as an MWG area (centre, normalised; clamped to the image as MWG areas are). */
function mwgArea(f: Face): { x: number; y: number; w: number; h: number } {
  const c = (v: number) => Math.min(1, Math.max(0, v));
  const x0 = c(f.box.x / f.photoWidth);
  const x1 = c((f.box.x + f.box.width) / f.photoWidth);
  const y0 = c(f.box.y / f.photoHeight);
  const y1 = c((f.box.y + f.box.height) / f.photoHeight);
  return { x: (x0 + x1) / 2, y: (y0 + y1) / 2, w: x1 - x0, h: y1 - y0 };
}

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
