/**
 * Machine faults in the scanner, in-process with a fast fake analyzer (no root needed, runs
 * anywhere): a database that cannot grow (SQLite's `max_page_count` on the scanner's connection,
 * the same SQLITE_FULL a full disk gives), a photo folder that disappears mid-scan (renamed away:
 * what an unplugged drive or a lost share looks like), and the empty mount point a drive leaves.
 * Each: the scan stops with the fault and phase 'stopped', no photo gets an error, nothing is
 * deleted, integrity_check is ok, and the same scan run again ends equal to a clean run.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { zeroStageTimings, type PhotoAnalysis } from '../../app/faces/types';
import type { Analyzer } from '../../app/library/analyzer';
import { Scanner } from '../../app/library/scanner';
import { Store } from '../../app/store/store';
import { libraryFaultOf } from '../../app/store/faults';
import { isSoundJpeg, ThumbnailCache } from '../../app/library/thumbnails';

class FakeAnalyzer implements Analyzer {
  readonly embedderId = 'fake-v1';
  constructor(private readonly onCall: (n: number) => void = () => {}) {}
  private n = 0;
  async analyzeFile(p: string): Promise<PhotoAnalysis> {
    return this.analyzeBuffer(fs.readFileSync(p));
  }
  async analyzeBuffer(buf: Buffer): Promise<PhotoAnalysis> {
    this.onCall(++this.n);
    await new Promise((r) => setTimeout(r, 2));
    const meta = await sharp(buf).metadata();
    const d = crypto.createHash('sha256').update(buf).digest();
    return {
      width: meta.width!,
      height: meta.height!,
      orientation: 1,
      faces: [
        {
          box: { x: 1, y: 1, width: 8, height: 8 },
          score: 0.9,
          landmarks: Array.from({ length: 68 }, (_, i) => [i, i] as [number, number]),
          quality: { size: 8, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.5 },
          embedding: Int8Array.from({ length: 128 }, (_, i) => d[i % 32]! - 128),
          modelId: this.embedderId,
        },
      ],
      timings: zeroStageTimings(),
    };
  }
}

let images: Buffer[] = [];
beforeAll(async () => {
  images = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sharp({ create: { width: 40 + i, height: 30, channels: 3, background: { r: (i * 37) % 255, g: 90, b: (i * 11) % 255 } } }).jpeg().toBuffer(),
    ),
  );
});

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), `visage-${p}-`));
function library(n: number, dir = tmp('flib')): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(2, '0')}.jpg`), images[i]!);
  return dir;
}

function dump(store: Store) {
  const photos = store.db.prepare('SELECT path, hash, size, width, height FROM photos ORDER BY path').all();
  const faces = store.db.prepare('SELECT p.path, hex(f.embedding) e FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY p.path').all();
  const errors = store.db.prepare('SELECT path, code FROM errors ORDER BY path').all();
  return { photos, faces, errors };
}
const integrity = (s: Store) => (s.db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check;

async function cleanRun(lib: string) {
  const store = Store.open(path.join(tmp('fclean'), 'v.db'));
  const s = await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib]);
  expect(s.fault).toBeNull();
  const d = dump(store);
  store.close();
  return d;
}

describe('scanner: machine faults', () => {
  it('a database that cannot grow (SQLITE_FULL) stops the scan; no photo error; more room and the same scan ends equal to a clean run', async () => {
    const lib = library(40);
    const clean = await cleanRun(lib);
    const dbFile = path.join(tmp('ffull'), 'v.db');
    const store = Store.open(dbFile);
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 8}`); // a few pages of room: the "disk" fills mid-scan
    const faults: unknown[] = [];
    const scanner = new Scanner({ store, analyzer: new FakeAnalyzer(), concurrency: 2 });
    scanner.on('fault', (f) => faults.push(f));
    const s = await scanner.scan([lib]);
    expect(s.fault?.kind).toBe('disk-full');
    expect(s.phase).toBe('stopped');
    expect(s.fault?.message).toMatch(/is full: free some space and run the scan again; nothing was lost/);
    expect(faults).toHaveLength(1);
    store.db.pragma('max_page_count = 1073741823');
    const partial = dump(store);
    expect(partial.photos.length).toBeGreaterThan(0);
    expect(partial.photos.length).toBeLessThan(40);
    expect(partial.errors).toEqual([]); // the machine's fault was blamed on no photo
    expect(integrity(store)).toBe('ok');
    const attempts = store.db.prepare("SELECT max(attempts) AS a FROM jobs WHERE state = 'pending'").get() as { a: number };
    expect(attempts.a).toBe(0); // the try a fault ended does not count against the file
    const again = await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib]);
    expect(again.fault).toBeNull();
    expect(again.resumed).toBe(true);
    expect(dump(store)).toEqual(clean);
    expect(integrity(store)).toBe('ok');
    store.close();
  });

  it('classifies SQLite and system errors: full, busy, read-only; a photo error is not a machine fault', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(libraryFaultOf(err('SQLITE_FULL'), '/x/v.db')?.kind).toBe('disk-full');
    expect(libraryFaultOf(err('ENOSPC'), '/x/v.db')?.kind).toBe('disk-full');
    expect(libraryFaultOf(err('SQLITE_BUSY'), '/x/v.db')?.kind).toBe('locked');
    expect(libraryFaultOf(err('SQLITE_READONLY'), os.tmpdir() + '/v.db')?.kind).toBe('read-only');
    expect(libraryFaultOf(err('SQLITE_IOERR'), '/no/such/dir/v.db')?.kind).toBe('library-offline');
    expect(libraryFaultOf(err('SQLITE_CONSTRAINT'), '/x/v.db')).toBeNull();
    expect(libraryFaultOf(new Error('decode failed'), '/x/v.db')).toBeNull();
  });

  it('a photo folder that disappears mid-scan stops the scan (folder-offline); its photos are kept; back, the scan ends equal to a clean run', async () => {
    const parent = tmp('foff');
    const lib = library(30, path.join(parent, 'drive'));
    const store = Store.open(path.join(tmp('foffdb'), 'v.db'));
    // First a full scan, so that the library holds photos under the folder.
    expect((await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib])).fault).toBeNull();
    // Then the photos are edited (so the next scan re-reads them) and the folder goes away mid-scan.
    for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(lib, `img-${String(i).padStart(2, '0')}.jpg`), images[(i + 10) % 40]!);
    const clean = await cleanRun(lib);
    const away = `${lib}.unplugged`;
    const analyzer = new FakeAnalyzer((n) => {
      if (n === 5) fs.renameSync(lib, away);
    });
    const s = await new Scanner({ store, analyzer, concurrency: 1 }).scan([lib]);
    expect(s.fault?.kind).toBe('folder-offline');
    expect(s.fault?.message).toContain(lib);
    expect(s.fault?.message).toMatch(/went offline.*its photos stay in the library/);
    expect(s.removed).toBe(0);
    expect(dump(store).photos).toHaveLength(30); // nothing deleted, nothing moved
    expect(dump(store).errors).toEqual([]); // and no 'vanished' error for any photo
    expect(integrity(store)).toBe('ok');
    fs.renameSync(away, lib);
    const again = await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib]);
    expect(again.fault).toBeNull();
    const after = dump(store);
    expect(after.photos.map((p) => (p as { path: string }).path)).toEqual(clean.photos.map((p) => (p as { path: string }).path));
    expect(after.faces).toEqual(clean.faces);
    expect(after.errors).toEqual([]);
    store.close();
  });

  it('the empty mount point of an unplugged drive is offline: no photo under it is deleted', async () => {
    const lib = library(6);
    const store = Store.open(path.join(tmp('fmnt'), 'v.db'));
    expect((await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib])).fault).toBeNull();
    const away = tmp('fmnt-away');
    for (const f of fs.readdirSync(lib)) fs.renameSync(path.join(lib, f), path.join(away, f));
    const s = await new Scanner({ store, analyzer: new FakeAnalyzer() }).scan([lib]);
    expect(s.fault?.kind).toBe('folder-offline');
    expect(dump(store).photos).toHaveLength(6);
    store.close();
  });

  it('a deleted or corrupted thumbnail is re-created', async () => {
    const lib = library(2);
    const dir = tmp('fthumb');
    const store = Store.open(path.join(dir, 'v.db'));
    const thumbs = new ThumbnailCache(path.join(dir, 'thumbs'));
    await new Scanner({ store, analyzer: new FakeAnalyzer(), thumbnails: thumbs }).scan([lib]);
    const [a, b] = store.db.prepare('SELECT id FROM photos ORDER BY id').all() as { id: number }[];
    const fa = await thumbs.ensurePhoto(store, a!.id);
    const fb = await thumbs.ensurePhoto(store, b!.id);
    fs.rmSync(fa);
    fs.writeFileSync(fb, Buffer.from('garbage, not a jpeg'));
    expect(isSoundJpeg(fb)).toBe(false);
    await thumbs.ensurePhoto(store, a!.id);
    await thumbs.ensurePhoto(store, b!.id);
    expect(isSoundJpeg(fa)).toBe(true);
    expect(isSoundJpeg(fb)).toBe(true);
    store.close();
  });
});
