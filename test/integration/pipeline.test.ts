import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FacePipeline } from '../../app/faces/pipeline';
import { ImageError } from '../../app/faces/image';
import { cosineInt8 } from '../../app/faces/quantize';
import { zeroStageTimings } from '../../app/faces/types';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { MODEL_THRESHOLDS } from '../../app/people/thresholds';
import { GROUP, LFW, requireDatasets } from '../helpers/paths';
import { pngBomb } from '../helpers/png-bomb';

let engine: FacePipeline;
const tmp = mkdtempSync(join(tmpdir(), 'visage-pipeline-'));

beforeAll(async () => {
  requireDatasets();
  engine = await FacePipeline.create({ provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await engine?.close();
});

const lfw = (name: string, i: number) => join(LFW, 'images', name, `${name}_${String(i).padStart(4, '0')}.jpg`);

describe('face engine on real photos', () => {
  it('finds every annotated face in a group photo, with landmarks inside the box, 128-byte vectors and every stage in its timings', async () => {
    const a = await engine.analyzeFile(join(GROUP, 'dlib__2008_002506.jpg'));
    expect(a.faces).toHaveLength(3);
    for (const f of a.faces) {
      expect(f.embedding.byteLength).toBe(128);
      expect(f.modelId).toBe(DEFAULT_EMBEDDER);
      expect(f.landmarks).toHaveLength(68);
      const [nx, ny] = f.landmarks[30]!; // nose tip
      expect(nx).toBeGreaterThan(f.box.x);
      expect(nx).toBeLessThan(f.box.x + f.box.width);
      expect(ny).toBeGreaterThan(f.box.y);
      expect(ny).toBeLessThan(f.box.y + f.box.height);
      expect(f.quality.score).toBeGreaterThan(0);
      expect(f.quality.score).toBeLessThanOrEqual(1);
    }
    // The per-stage breakdown bench:scan reads: every stage there, none negative (not timed here).
    expect(Object.keys(a.timings).sort()).toEqual(Object.keys(zeroStageTimings()).sort());
    for (const [k, v] of Object.entries(a.timings)) expect(Number.isFinite(v) && v >= 0, k).toBe(true);
  });

  it('tiling finds small faces that a single whole-image pass misses', async () => {
    const file = join(GROUP, 'human__solvay1927.jpg');
    const tiled = await engine.analyzeFile(file);
    const whole = await FacePipeline.create({ provider: 'cpu', threads: 1, tiles: false });
    const single = await whole.analyzeFile(file);
    await whole.close();
    expect(tiled.faces.length).toBeGreaterThanOrEqual(25); // 29 people in the photo
    expect(tiled.faces.length).toBeGreaterThan(single.faces.length);
  });

  it('finds no face in a blank image', async () => {
    const blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    expect((await engine.analyzeBuffer(blank)).faces).toHaveLength(0);
  });

  it('finds no face in photos made of random noise (three seeds)', async () => {
    for (const seed of [1, 2, 3]) {
      // xorshift32: the same noise on every run.
      let x = (seed * 2654435761) >>> 0;
      const px = Buffer.alloc(640 * 480 * 3);
      for (let i = 0; i < px.length; i++) {
        x ^= x << 13;
        x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        px[i] = x & 255;
      }
      const noise = await sharp(px, { raw: { width: 640, height: 480, channels: 3 } }).jpeg().toBuffer();
      expect((await engine.analyzeBuffer(noise)).faces, `seed ${seed}`).toHaveLength(0);
    }
  });

  it('same person is closer than different people (LFW images)', async () => {
    const emb = async (file: string) => {
      const a = await engine.analyzeFile(file);
      const f = a.faces.sort((x, y) => y.box.width * y.box.height - x.box.width * x.box.height)[0]!;
      return f.embedding;
    };
    const a1 = await emb(lfw('Abel_Pacheco', 1));
    const a4 = await emb(lfw('Abel_Pacheco', 4));
    const other = await emb(lfw('Zico', 2));
    const same = cosineInt8(a1, a4);
    const diff = cosineInt8(a1, other);
    // On the default model's own scale: its LFW verification threshold (thresholds.ts).
    const verify = MODEL_THRESHOLDS[DEFAULT_EMBEDDER]!.verify;
    expect(same).toBeGreaterThan(verify);
    expect(diff).toBeLessThan(verify);
    expect(same - diff).toBeGreaterThan(0.05);
  });

  it('applies EXIF orientation: a rotated file with orientation 6 gives the same faces upright', async () => {
    const file = join(GROUP, 'dlib__2008_001322.jpg');
    const upright = await engine.analyzeFile(file);
    expect(upright.faces.length).toBeGreaterThan(0);
    // Store the pixels rotated 90° counter-clockwise with EXIF orientation 6 (display: rotate 90° CW).
    const rotated = await sharp(file).rotate().rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    const out = join(tmp, 'rotated.jpg');
    writeFileSync(out, rotated);
    const a = await engine.analyzeFile(out);
    expect(a.orientation).toBe(6);
    expect(a.width).toBe(upright.width);
    expect(a.height).toBe(upright.height);
    expect(a.faces.length).toBe(upright.faces.length);
    const big = (x: typeof a) => x.faces.sort((p, q) => q.box.width - p.box.width)[0]!;
    expect(Math.abs(big(a).box.x - big(upright).box.x)).toBeLessThan(big(upright).box.width * 0.1);
    expect(cosineInt8(big(a).embedding, big(upright).embedding)).toBeGreaterThan(0.97);
  });

  it('gives a clear error code for bad input and never crashes', async () => {
    const cases: [string, Buffer | string, string[]][] = [
      ['empty', Buffer.alloc(0), ['empty-file']],
      ['text', Buffer.from('not an image at all'), ['unsupported', 'decode-failed']],
      ['missing', join(tmp, 'does-not-exist.jpg'), ['unreadable', 'decode-failed', 'unsupported']],
    ];
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } }).jpeg().toBuffer();
    cases.push(['truncated', jpeg.subarray(0, jpeg.length >> 1), ['decode-failed', 'unsupported']]);
    for (const [name, input, codes] of cases) {
      const p = typeof input === 'string' ? engine.analyzeFile(input) : engine.analyzeBuffer(input);
      await expect(p, name).rejects.toBeInstanceOf(ImageError);
      const err = await p.catch((e: ImageError) => e);
      expect(codes, `${name}: ${(err as ImageError).code}`).toContain((err as ImageError).code);
    }
  });

  it('refuses a decompression bomb without decoding it', async () => {
    // A PNG whose header claims 40000 x 40000 pixels: tiny on disk, 4.8 GB decoded.
    const bomb = pngBomb();
    expect(bomb.length).toBeLessThan(2000);
    const err = await engine.analyzeBuffer(bomb).catch((e: ImageError) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).code).toBe('too-large');
  }, 60_000);
});
