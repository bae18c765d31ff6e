/**
 * The scan's per-stage breakdown (app/library/scan-timings.ts), as `npm run bench:scan` reads it:
 * every stage key is there with a finite, non-negative number, and the face stages the analyzer
 * reports are summed over the photos. (No test times anything: the analyzer's numbers are fixed.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { zeroStageTimings, type PhotoAnalysis, type StageTimings } from '../../app/faces/types';
import type { Analyzer } from '../../app/library/analyzer';
import { SCAN_STAGES } from '../../app/library/scan-timings';
import { Scanner } from '../../app/library/scanner';
import { Store } from '../../app/store/store';
import { ThumbnailCache } from '../../app/library/thumbnails';

/** What the fake analyzer says each photo cost: distinct numbers, so a lost or doubled key shows. */
const PER_PHOTO: StageTimings = { decode: 1, detect: 2, detectWhole: 3, detectTiles: 4, landmarks: 5, landmarks1: 6, landmarks2: 7, align: 8, embed: 9, embedMirror: 10, quality: 11 };

const fake: Analyzer = {
  embedderId: 'fake-v1',
  analyzeFile: () => Promise.reject(new Error('unused')),
  analyzeBuffer: async (buf: Buffer): Promise<PhotoAnalysis> => {
    const meta = await sharp(buf).metadata();
    const face = {
      box: { x: 1, y: 1, width: 8, height: 8 },
      score: 0.9,
      landmarks: [[2, 2] as [number, number]],
      quality: { size: 8, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.5 },
      embedding: new Int8Array(128).fill(1),
      modelId: 'fake-v1',
    };
    return { width: meta.width!, height: meta.height!, orientation: 1, faces: [face, face], timings: { ...PER_PHOTO } };
  },
};

describe('scan timings', () => {
  it('has every scanner and face stage, non-negative, and sums the analyzer-reported face stages over the photos', async () => {
    const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-timings-'));
    for (let i = 0; i < 3; i++) {
      const png = await sharp({ create: { width: 20 + i, height: 16, channels: 3, background: { r: 40 * i, g: 90, b: 160 } } }).png().toBuffer();
      fs.writeFileSync(path.join(lib, `p${i}.png`), png);
    }
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-timings-db-')), 'v.db'));
    const scanner = new Scanner({ store, analyzer: fake, thumbnails: new ThumbnailCache(path.join(lib, '..', `${path.basename(lib)}-thumbs`)) });
    const summary = await scanner.scan([lib]);
    expect(summary.indexed).toBe(3);

    const t = scanner.clock.snapshot();
    expect(t.photos).toBe(3);
    expect(t.faceCount).toBe(6);
    expect(Object.keys(t.scan).sort()).toEqual([...SCAN_STAGES].sort());
    for (const s of SCAN_STAGES) {
      expect(Number.isFinite(t.scan[s]), s).toBe(true);
      expect(t.scan[s], s).toBeGreaterThanOrEqual(0);
    }
    expect(Object.keys(t.faces).sort()).toEqual(Object.keys(zeroStageTimings()).sort());
    for (const [k, v] of Object.entries(PER_PHOTO)) expect(t.faces[k as keyof StageTimings], k).toBe(3 * v);

    // A new scan starts from zero: the same folder again, every photo unchanged, none analysed.
    const rescan = await scanner.scan([lib]);
    store.close();
    expect(rescan.indexed).toBe(0);
    expect(scanner.clock.snapshot().photos).toBe(0);
    expect(scanner.clock.snapshot().faces.detect).toBe(0);
  });

  it('writes the thumbnails an analyzer rendered from its own decode, as they came, and counts the ms it reports for them', async () => {
    const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-thumbs-'));
    fs.writeFileSync(path.join(lib, 'p.png'), await sharp({ create: { width: 24, height: 16, channels: 3, background: '#406080' } }).png().toBuffer());
    const photoJpeg = await sharp({ create: { width: 12, height: 8, channels: 3, background: '#ff0000' } }).jpeg().toBuffer();
    const faceJpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#00ff00' } }).jpeg().toBuffer();
    const asked: (boolean | undefined)[] = [];
    const rendering: Analyzer = {
      ...fake,
      analyzeBuffer: async (buf, opts) => {
        asked.push(opts?.thumbnails);
        const a = await fake.analyzeBuffer!(buf);
        return { ...a, thumbnails: { photo: photoJpeg, faces: [faceJpeg, null] }, thumbnailMs: 250 };
      },
    };
    const cache = new ThumbnailCache(path.join(lib, '..', `${path.basename(lib)}-thumbs`));
    const store = Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-thumbs-db-')), 'v.db'));
    const scanner = new Scanner({ store, analyzer: rendering, thumbnails: cache });
    expect((await scanner.scan([lib])).indexed).toBe(1);
    const hash = store.photos.all()[0]!.hash;
    store.close();
    expect(asked).toEqual([true]);
    expect(fs.readFileSync(cache.photoPath(hash)).equals(photoJpeg)).toBe(true);
    expect(fs.readFileSync(cache.facePath(hash, 0)).equals(faceJpeg)).toBe(true);
    expect(fs.existsSync(cache.facePath(hash, 1))).toBe(false); // a box too small for a thumbnail: none
    expect(scanner.clock.snapshot().scan.thumbnails).toBeGreaterThanOrEqual(250);
  });
});
