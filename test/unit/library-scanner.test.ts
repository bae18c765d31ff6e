/**
 * Scanner queue logic with a fast fake analyzer (the real engine is exercised by the integration
 * tests): pause/resume/cancel, progress events, resuming a cancelled scan, concurrency, jobs that
 * keep killing the process, analyzer errors.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { zeroStageTimings, type FaceRecord, type PhotoAnalysis } from '../../app/faces/types';
import type { Analyzer } from '../../app/library/analyzer';
import { ScanInputError } from '../../app/library/roots';
import { Scanner, type FileError } from '../../app/library/scanner';
import type { ScanProgress } from '../../app/library/progress';
import { Store } from '../../app/store/store';

/** Deterministic fake: one face per photo, embedding derived from the bytes; optional delay. */
class FakeAnalyzer implements Analyzer {
  readonly embedderId = 'fake-v1';
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly delayMs = 0,
    private readonly failOn: (buf: Buffer) => string | null = () => null,
  ) {}
  async analyzeFile(p: string): Promise<PhotoAnalysis> {
    return this.analyzeBuffer(fs.readFileSync(p));
  }
  async analyzeBuffer(buf: Buffer): Promise<PhotoAnalysis> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const code = this.failOn(buf);
      if (code) throw Object.assign(new Error(`fake failure ${code}`), { code });
      const meta = await sharp(buf).metadata();
      const digest = crypto.createHash('sha256').update(buf).digest();
      const face: FaceRecord = {
        box: { x: 1, y: 1, width: 4, height: 4 },
        score: 0.9,
        landmarks: [[2, 2]],
        quality: { size: 4, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.5 },
        embedding: Int8Array.from({ length: 128 }, (_, i) => digest[i % 32]! - 128),
        modelId: this.embedderId,
      };
      return { width: meta.width!, height: meta.height!, orientation: 1, faces: [face], timings: zeroStageTimings() };
    } finally {
      this.inFlight--;
    }
  }
}

let images: Buffer[] = [];
beforeAll(async () => {
  images = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      sharp({ create: { width: 16 + i, height: 12, channels: 3, background: { r: i * 20, g: 100, b: 200 - i * 10 } } }).png().toBuffer(),
    ),
  );
});

function library(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-scanner-'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(2, '0')}.png`), images[i]!);
  return dir;
}
const freshStore = () => Store.open(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'visage-scdb-')), 'v.db'));

describe('scanner (fake analyzer)', () => {
  it('indexes every photo and reports progress with counts, rate and ETA', async () => {
    const lib = library(8);
    const store = freshStore();
    const fake = new FakeAnalyzer(5);
    const scanner = new Scanner({ store, analyzer: fake, progressIntervalMs: 0 });
    const events: ScanProgress[] = [];
    scanner.on('progress', (p: ScanProgress) => events.push(p));
    const s = await scanner.scan([lib]);
    expect(s).toMatchObject({ phase: 'done', found: 8, done: 8, indexed: 8, faces: 8, errors: 0, cancelled: false });
    expect(store.photos.count()).toBe(8);
    expect(fake.maxInFlight).toBe(2); // two photos in flight: decode of one overlaps the other's work
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['walking', 'indexing', 'cleaning', 'done']);
    const mid = events.find((e) => e.phase === 'indexing' && e.done > 0 && e.done < 8)!;
    expect(mid.rate).toBeGreaterThan(0);
    expect(mid.etaSeconds).toBeGreaterThan(0);
    expect(mid.current).toMatch(/img-\d\d\.png$/);
    expect(events.map((e) => e.done)).toEqual([...events.map((e) => e.done)].sort((a, b) => a - b));
    store.close();
  });

  it('pauses, resumes, and cancels; a cancelled scan resumes to the same result', async () => {
    const lib = library(12);
    const store = freshStore();
    const fake = new FakeAnalyzer(20);
    const scanner = new Scanner({ store, analyzer: fake, concurrency: 1, progressIntervalMs: 0 });
    let pausedAt = -1;
    scanner.on('progress', (p: ScanProgress) => {
      if (p.phase === 'indexing' && p.done === 3 && pausedAt < 0) {
        scanner.pause();
        pausedAt = p.done;
        setTimeout(() => {
          // Nothing moves while paused.
          expect(store.photos.count()).toBe(3);
          expect(scanner.paused).toBe(true);
          scanner.resume();
        }, 150);
      }
      if (p.phase === 'indexing' && p.done === 7) scanner.cancel();
    });
    const first = await scanner.scan([lib]);
    expect(pausedAt).toBe(3);
    expect(first).toMatchObject({ cancelled: true, phase: 'cancelled', done: 7 });
    expect(store.photos.count()).toBe(7);

    const again = new Scanner({ store, analyzer: fake });
    const second = await again.scan([lib]);
    expect(second).toMatchObject({ resumed: true, cancelled: false, found: 12, done: 12, indexed: 5, unchanged: 0 });
    expect(fake.calls).toBe(12); // nothing analysed twice
    expect(store.photos.count()).toBe(12);
    expect(store.faces.count()).toBe(12);
    expect(store.db.prepare('SELECT count(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    store.close();
  });

  it('gives up on a photo that keeps killing the process, and records analyzer errors', async () => {
    const lib = library(3);
    const store = freshStore();
    // Simulate two earlier runs that died on img-01 (attempts were counted before the work).
    const { scan } = store.scans.openOrResume([lib]);
    store.jobs.enqueueMany(
      scan.id,
      fs.readdirSync(lib).map((f) => {
        const st = fs.statSync(path.join(lib, f));
        return { path: path.join(lib, f), size: st.size, mtime_ms: Math.floor(st.mtimeMs) };
      }),
    );
    store.scans.markWalkDone(scan.id);
    const killer = store.jobs.nextPending(scan.id, 0, 10).find((j) => j.path.endsWith('img-01.png'))!;
    for (let i = 0; i < 3; i++) store.jobs.attempt(killer.id);

    const fake = new FakeAnalyzer(0, (buf) => (buf.equals(images[2]!) ? 'decode-failed' : null));
    const errors: FileError[] = [];
    const scanner = new Scanner({ store, analyzer: fake });
    scanner.on('file-error', (e: FileError) => errors.push(e));
    const s = await scanner.scan([lib]);
    expect(s).toMatchObject({ resumed: true, indexed: 1, errors: 2 });
    expect(fake.calls).toBe(2); // img-01 was never handed to the analyzer again
    expect(Object.fromEntries(store.errors.all().map((e) => [path.basename(e.path), e.code]))).toEqual({
      'img-01.png': 'crashed',
      'img-02.png': 'decode-failed',
    });
    expect(errors.map((e) => e.code).sort()).toEqual(['crashed', 'decode-failed']);

    // Known-bad files are not retried while unchanged; fixed files are.
    const s2 = await new Scanner({ store, analyzer: fake }).scan([lib]);
    expect(s2).toMatchObject({ indexed: 0, unchanged: 1 });
    expect(fake.calls).toBe(2);
    fs.writeFileSync(path.join(lib, 'img-02.png'), images[5]!);
    const s3 = await new Scanner({ store, analyzer: fake }).scan([lib]);
    expect(s3).toMatchObject({ indexed: 1 });
    expect(store.errors.byPath(path.join(lib, 'img-02.png'))).toBeUndefined();
    store.close();
  });

  it('detects a move even across roots scanned separately, and refuses missing roots', async () => {
    const a = library(2);
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-scanner-b-'));
    const store = freshStore();
    const fake = new FakeAnalyzer();
    await new Scanner({ store, analyzer: fake }).scan([a]);
    const before = store.photos.byPath(path.join(a, 'img-00.png'))!;
    fs.renameSync(path.join(a, 'img-00.png'), path.join(b, 'moved.png'));
    const s = await new Scanner({ store, analyzer: fake }).scan([b]);
    expect(s).toMatchObject({ moved: 1, indexed: 0 });
    expect(store.photos.byPath(path.join(b, 'moved.png'))!.id).toBe(before.id);
    expect(fake.calls).toBe(2);
    await expect(new Scanner({ store, analyzer: fake }).scan([path.join(b, 'nope')])).rejects.toBeInstanceOf(ScanInputError);
    store.close();
  });
});
