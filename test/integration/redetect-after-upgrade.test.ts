/**
 * A library scanned before the detector's aspect fix (photos.detector_rev 0): the next scan
 * analyses again the photos that detector saw stretched (narrower than 4:3) and that have no face
 * at all, and only those. Real photos, real models, a real SQLite library: att-faces' s17/10.png
 * (92x112) had no face found before the fix and has one now; a portrait photo with a face and a
 * wide photo without one stay as they are; a second scan analyses nothing again.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTOR_REV, detectsDifferently } from '../../app/faces/detect';
import type { Analyzer } from '../../app/library/analyzer';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { Store } from '../../app/store/store';
import { PEOPLE, requireDatasets } from '../helpers/paths';
import { tempDir } from './scan-helpers';

let dir: string;
let lib: string;
let analyzer: Analyzer;
/** Files the analyzer was given, by base name, in the current scan. */
let analysed: string[] = [];

beforeAll(async () => {
  requireDatasets();
  dir = tempDir('redetect');
  lib = path.join(dir, 'photos');
  fs.mkdirSync(lib);
  fs.copyFileSync(path.join(PEOPLE, 'att-faces', 's17', '10.png'), path.join(lib, 'missed-before.png'));
  fs.copyFileSync(path.join(PEOPLE, 'att-faces', 's1', '1.png'), path.join(lib, 'portrait-face.png'));
  // A wide photo with no face (a grey gradient): the detector runs on it as before the fix.
  const w = 480, h = 200, px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.fill(Math.round((255 * x) / w), (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(lib, 'wide-no-face.png'));
  const real = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  analyzer = {
    embedderId: real.embedderId,
    analyzeFile: async (file: string) => {
      analysed.push(path.basename(file));
      return real.analyzeFile(file);
    },
    close: async () => {
      await real.close?.();
    },
  };
}, 120_000);

afterAll(async () => {
  await analyzer?.close?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const scan = async (store: Store) => {
  analysed = [];
  await new Scanner({ store, analyzer, thumbnails: null, concurrency: 1 }).scan([lib]);
  return [...analysed].sort();
};

describe('re-detection of a library scanned before the detector\'s aspect fix', () => {
  it('knows which shapes the fix changed', () => {
    expect(DETECTOR_REV).toBe(1);
    expect(detectsDifferently(0, 92, 112)).toBe(true); // portrait
    expect(detectsDifferently(0, 300, 300)).toBe(true); // square
    expect(detectsDifferently(0, 4000, 3000)).toBe(false); // 4:3 as before
    expect(detectsDifferently(0, 480, 200)).toBe(false); // wider
    expect(detectsDifferently(1, 92, 112)).toBe(false); // found by today's detector
  });

  it('analyses again only the faceless photos the fix changes, once, and finds the face the old detector missed', async () => {
    const store = Store.open(path.join(dir, 'v.db'));
    try {
      expect(await scan(store)).toEqual(['missed-before.png', 'portrait-face.png', 'wide-no-face.png']);
      const rows = () =>
        new Map(
          (store.db.prepare('SELECT p.id, p.path, p.detector_rev, p.indexed_at, (SELECT count(*) FROM faces f WHERE f.photo_id = p.id) AS faces FROM photos p').all() as {
            id: number; path: string; detector_rev: number; indexed_at: string; faces: number;
          }[]).map((r) => [path.basename(r.path), r]),
        );
      const fresh = rows();
      expect([...fresh.values()].map((r) => [path.basename(r.path), r.detector_rev, r.faces]).sort()).toEqual([
        ['missed-before.png', 1, 1],
        ['portrait-face.png', 1, 1],
        ['wide-no-face.png', 1, 0],
      ]);
      // As the library was before the fix: revision 0, and no face found on the photo it missed.
      store.db.prepare('DELETE FROM faces WHERE photo_id = ?').run(fresh.get('missed-before.png')!.id);
      store.db.prepare('UPDATE photos SET detector_rev = 0').run();
      const old = rows();

      expect(await scan(store)).toEqual(['missed-before.png']);
      const after = rows();
      expect(after.get('missed-before.png')).toMatchObject({ id: old.get('missed-before.png')!.id, detector_rev: 1, faces: 1 });
      expect(after.get('portrait-face.png')).toEqual(old.get('portrait-face.png')); // it has a face: kept as it is
      expect(after.get('wide-no-face.png')).toEqual(old.get('wide-no-face.png')); // the fix does not change it

      expect(await scan(store)).toEqual([]);
      expect(rows()).toEqual(after);
    } finally {
      store.close();
    }
  }, 120_000);
});
