/**
 * Shared fixtures for the desktop-app tests: a small photo library assembled from
 * ../shared/datasets (copied into a temp folder, never into the repo), a fast fake analyzer for
 * tests that do not need the real engine, and helpers to wait for engine events.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { zeroStageTimings, type FaceRecord, type PhotoAnalysis } from '../../app/faces/types';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import type { Analyzer } from '../../app/library/analyzer';
import type { EventName } from '../../app/contract/contract';
import type { EngineClient } from '../../app/engine/client';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DATASETS = path.resolve(ROOT, '..', 'shared', 'datasets');
export const BBT = path.join(DATASETS, 'people', 'faceapi-bbt');
export const GROUPS = path.join(DATASETS, 'group-photos', '_group');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The e2e library: `perPerson` photos each of some BBT characters, a couple of group photos and
 * one broken file (to show up in the failed list).
 */
export function assembleLibrary(dir: string, opts: { people?: string[]; perPerson?: number; groups?: string[] } = {}): string {
  const people = opts.people ?? ['amy', 'bernadette', 'howard', 'leonard', 'penny', 'raj', 'sheldon'];
  const per = opts.perPerson ?? 2;
  const lib = path.join(dir, 'Photos');
  fs.mkdirSync(path.join(lib, 'cast'), { recursive: true });
  fs.mkdirSync(path.join(lib, 'groups'), { recursive: true });
  for (const p of people) for (let i = 1; i <= per; i++) fs.copyFileSync(path.join(BBT, p, `${p}${i}.png`), path.join(lib, 'cast', `${p}${i}.png`));
  for (const g of opts.groups ?? ['compreface__010_2.jpg', 'compreface__011_3.jpg']) fs.copyFileSync(path.join(GROUPS, g), path.join(lib, 'groups', g));
  fs.writeFileSync(path.join(lib, 'broken.jpg'), 'this is not a photo');
  return lib;
}

export function datasetsPresent(): boolean {
  return fs.existsSync(BBT) && fs.existsSync(GROUPS);
}

/** One face per photo (the default model id, so the people service clusters it), embedding from the bytes. */
export class FakeAnalyzer implements Analyzer {
  // The default model, as a new library's real analyzer has: the people service of an empty
  // library clusters the default model's faces.
  readonly embedderId = DEFAULT_EMBEDDER;
  readonly info = { provider: 'cpu', embedder: DEFAULT_EMBEDDER, detector: 'rfb320', landmarks: 'faceapi-landmark68' };
  constructor(private readonly delayMs = 0) {}
  async analyzeFile(p: string): Promise<PhotoAnalysis> {
    return this.analyzeBuffer(fs.readFileSync(p));
  }
  async analyzeBuffer(buf: Buffer): Promise<PhotoAnalysis> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const meta = await sharp(buf).metadata();
    const digest = crypto.createHash('sha256').update(buf).digest();
    const w = meta.width!;
    const h = meta.height!;
    const face: FaceRecord = {
      box: { x: Math.floor(w / 4), y: Math.floor(h / 4), width: Math.max(4, Math.floor(w / 2)), height: Math.max(4, Math.floor(h / 2)) },
      score: 0.9,
      landmarks: [[2, 2]],
      quality: { size: 4, sharpness: 1, yaw: 0, pitch: 0, roll: 0, score: 0.9 },
      embedding: Int8Array.from({ length: 128 }, (_, i) => (digest[i % 32]! % 200) - 100),
      modelId: this.embedderId,
    };
    return { width: w, height: h, orientation: 1, faces: [face], timings: zeroStageTimings() };
  }
}

export async function syntheticPhotos(dir: string, n: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const buf = await sharp({ create: { width: 64 + i, height: 48, channels: 3, background: { r: (i * 40) % 255, g: 120, b: 200 - i * 10 } } })
      .jpeg()
      .toBuffer();
    fs.writeFileSync(path.join(dir, `p${i}.jpg`), buf);
  }
}

/** Resolves with the data of the next `event` (optionally matching `pred`). */
export function nextEvent<T = unknown>(engine: EngineClient, event: EventName, timeoutMs = 120_000, pred: (d: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = engine.onEvent((e, d) => {
      if (e === event && pred(d as T)) {
        clearTimeout(timer);
        off();
        resolve(d as T);
      }
    });
  });
}
