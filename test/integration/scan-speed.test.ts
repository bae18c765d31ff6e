/**
 * What issue 19's speed work changed, on real photos: the decode size chosen for big photos
 * (JPEG shrink-on-load), the thumbnails made from the analyzer's own decode, landmarks run as a
 * batch, and the optional cheaper modes (one landmark pass where it suffices, guided tiles).
 * No timing here: docs/speed.md has the figures (npm run bench:scan -- DIR --cpu-clock).
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacePipeline } from '../../app/faces/pipeline';
import { DECODE_MAX_SIDE, decodePhoto, decodeSide } from '../../app/faces/image';
import { iou } from '../../app/faces/geometry';
import { LandmarkDetector } from '../../app/faces/landmarks';
import { FACE_THUMB_SIDE, PHOTO_THUMB_SIDE, renderThumbnails } from '../../app/library/thumbnails';
import { GROUP, requireDatasets } from '../helpers/paths';

let engine: FacePipeline;
/** A group photo (3 annotated faces) as a 12 MP camera would save it: 4000x3000 q90, padded grey. */
let camera: Buffer;
const PHOTO = join(GROUP, 'dlib__2008_002506.jpg');

beforeAll(async () => {
  requireDatasets();
  engine = await FacePipeline.create({ provider: 'cpu', threads: 1 });
  camera = await sharp(PHOTO).rotate().resize({ width: 4000, height: 3000, fit: 'contain', background: '#808080', kernel: 'lanczos3' }).jpeg({ quality: 90 }).toBuffer();
});
afterAll(async () => {
  await engine?.close();
});

/** The engine's private parts a test may look at (the landmark net, the detector). */
const parts = (e: FacePipeline) => e as unknown as { landmarker: LandmarkDetector };

describe('decode size', () => {
  it('decodes a photo at 1/2, 1/4 or 1/8 on load when that still leaves 1,600 px, never above the cap, and small photos as they are', () => {
    expect(decodeSide(4000)).toBe(2000); // 12 MP: shrink by 2 on load, no resize after it
    expect(decodeSide(8000)).toBe(2000); // 48 MP: by 4
    expect(decodeSide(16000)).toBe(2000); // by 8
    expect(decodeSide(6000)).toBe(DECODE_MAX_SIDE); // 1/2 is 3,000: shrink by 2, then the cap
    expect(decodeSide(3000)).toBe(DECODE_MAX_SIDE); // 1/2 would be 1,500 < 1,600: decoded in full, resized
    expect(decodeSide(2280)).toBe(2280); // within the cap: as it is
    expect(decodeSide(640)).toBe(640);
  });

  it('decodes a 12 MP JPEG at 2000x1500 and finds the same faces, at the same full-size places, as a 2,560 px decode', async () => {
    const half = await decodePhoto(camera);
    expect([half.image.width, half.image.height, half.scale, half.fullWidth]).toEqual([2000, 1500, 0.5, 4000]);
    const capped = await decodePhoto(camera, DECODE_MAX_SIDE, Number.POSITIVE_INFINITY); // the old rule
    expect(capped.image.width).toBe(2560);
    const a = await engine.analyzeDecoded(half);
    const b = await engine.analyzeDecoded(capped);
    expect(a.faces).toHaveLength(3);
    expect(b.faces).toHaveLength(3);
    for (const f of a.faces) expect(Math.max(...b.faces.map((g) => iou(f.box, g.box)))).toBeGreaterThan(0.8);
  });
});

describe('thumbnails from the analyzer decode', () => {
  it('renders a 320 px photo thumbnail of the right aspect and one 112 px thumbnail per face from the decoded pixels', async () => {
    const photo = await engine.decode(camera);
    const a = await engine.analyzeDecoded(photo);
    const t = await renderThumbnails(photo.image, photo.scale, a.faces.map((f) => f.box));
    const meta = await sharp(t.photo).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', PHOTO_THUMB_SIDE, 240]);
    expect(t.faces).toHaveLength(3);
    for (const f of t.faces) {
      const m = await sharp(f!).metadata();
      expect([m.width, m.height]).toEqual([FACE_THUMB_SIDE, FACE_THUMB_SIDE]);
    }
  });

  it('honours EXIF orientation: a file saved sideways with orientation 6 gives the upright thumbnail', async () => {
    // The photo turned 90 degrees anticlockwise in its pixels, with orientation 6 (turn clockwise to view).
    const sideways = await sharp(camera).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const upright = await engine.decode(camera);
    const turned = await engine.decode(sideways);
    expect([turned.image.width, turned.image.height, turned.orientation]).toEqual([2000, 1500, 6]);
    const a = await renderThumbnails(upright.image, upright.scale, []);
    const b = await renderThumbnails(turned.image, turned.scale, []);
    const pa = await sharp(a.photo).raw().toBuffer({ resolveWithObject: true });
    const pb = await sharp(b.photo).raw().toBuffer({ resolveWithObject: true });
    expect([pb.info.width, pb.info.height]).toEqual([pa.info.width, pa.info.height]);
    let diff = 0;
    for (let i = 0; i < pa.data.length; i++) diff += Math.abs(pa.data[i]! - pb.data[i]!);
    // Same picture up to JPEG noise (the sideways file was re-encoded once more); turned wrong it would differ by tens of levels.
    expect(diff / pa.data.length).toBeLessThan(4);
  });
});

describe('landmarks', () => {
  it('gives the same points for a photo\'s faces run as one batch as run one at a time', async () => {
    const photo = await decodePhoto(PHOTO);
    const boxes = (await engine.detect(photo.image)).map((d) => d.box);
    expect(boxes.length).toBe(3);
    const lm = parts(engine).landmarker;
    const batch = await lm.detect(photo.image, boxes);
    for (let i = 0; i < boxes.length; i++) {
      const [one] = await lm.detect(photo.image, [boxes[i]!]);
      for (let k = 0; k < 68; k++) {
        expect(Math.abs(one![k]![0] - batch[i]![k]![0])).toBeLessThan(0.01);
        expect(Math.abs(one![k]![1] - batch[i]![k]![1])).toBeLessThan(0.01);
      }
    }
  });

  it("'auto' passes put the points within 5 % of the eye distance of two passes' on a group photo's faces", async () => {
    const photo = await decodePhoto(join(GROUP, 'human__group-3.jpg'));
    const boxes = (await engine.detect(photo.image)).map((d) => d.box);
    expect(boxes.length).toBeGreaterThan(3);
    const lm = parts(engine).landmarker;
    const always = await lm.detect(photo.image, boxes, 'always');
    const auto = await lm.detect(photo.image, boxes, 'auto');
    const dev = always.map((pts, i) => {
      const eyes = Math.hypot(pts[36]![0] - pts[45]![0], pts[36]![1] - pts[45]![1]);
      return pts.reduce((s, [x, y], k) => s + Math.hypot(x - auto[i]![k]![0], y - auto[i]![k]![1]), 0) / 68 / eyes;
    });
    dev.sort((a, b) => a - b);
    expect(dev[dev.length >> 1]!).toBeLessThan(0.05);
  });
});

describe('guided tiles', () => {
  it('keeps only faces the full tiling finds too (a subset, never a new face)', async () => {
    const photo = await decodePhoto(join(GROUP, 'human__solvay1927.jpg'));
    const guided = await FacePipeline.create({ provider: 'cpu', threads: 1, tileMode: 'guided' });
    const g = await guided.detect(photo.image);
    await guided.close();
    const all = await engine.detect(photo.image);
    expect(g.length).toBeGreaterThan(0);
    expect(g.length).toBeLessThanOrEqual(all.length);
    for (const d of g) expect(Math.max(...all.map((a) => iou(d.box, a.box)))).toBeGreaterThan(0.5);
  });
});
