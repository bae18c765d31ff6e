/**
 * The fused embedder (app/faces/fused-embed.ts) on real faces: its 320-D vector is dlib's and
 * MobileFaceNet's unit vectors weighted by sqrt(w), sqrt(1 - w) (so its cosine is w * cos_dlib +
 * (1 - w) * cos_mfn), its 128 bytes are the committed PCA's projection of that vector, and two
 * photos of one person score above two photos of two people.
 */
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../app/faces/onnx-session';
import { Embedder, project, readProjection } from '../../app/faces/embed';
import { FusedEmbedder } from '../../app/faces/fused-embed';
import { EMBEDDER_DLIB, EMBEDDER_FUSED, EMBEDDER_MOBILEFACENET } from '../../app/faces/models/registry';
import { decodePhoto, type RgbImage } from '../../app/faces/image';
import { FacePipeline } from '../../app/faces/pipeline';
import { alignFace } from '../../app/faces/align';
import { cosine, cosineInt8, l2normalize, quantize } from '../../app/faces/quantize';
import type { Point } from '../../app/faces/types';
import { MODELS_DIR, PEOPLE, ROOT, requireDatasets } from '../helpers/paths';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let fused: FusedEmbedder;
let parts: [Embedder, Embedder];
const closers: (() => Promise<void>)[] = [];
/** Two photos of John_Salley, one of John_Savage: the largest face of each. */
const faces: { image: RgbImage; l68: Point[] }[] = [];

beforeAll(async () => {
  requireDatasets();
  // The committed projection (what `npm run models` copies into the models folder), read from a
  // folder of its own so that the test does not depend on the models folder having it yet.
  const projDir = mkdtempSync(join(tmpdir(), 'visage-fused-'));
  copyFileSync(join(ROOT, 'app/faces/models/data', EMBEDDER_FUSED.projection!.file), join(projDir, EMBEDDER_FUSED.projection!.file));
  const sd = await createSession(join(MODELS_DIR, EMBEDDER_DLIB.file), { provider: 'cpu', threads: 1 });
  const sm = await createSession(join(MODELS_DIR, EMBEDDER_MOBILEFACENET.file), { provider: 'cpu', threads: 1 });
  closers.push(() => sd.session.release(), () => sm.session.release());
  parts = [
    new Embedder(sd.session, EMBEDDER_DLIB, MODELS_DIR, { batchSize: 8, flip: EMBEDDER_FUSED.fusion!.flip[0] }),
    new Embedder(sm.session, EMBEDDER_MOBILEFACENET, MODELS_DIR, { batchSize: 8, flip: EMBEDDER_FUSED.fusion!.flip[1] }),
  ];
  fused = new FusedEmbedder(EMBEDDER_FUSED, parts, projDir);
  const front = await FacePipeline.create({ provider: 'cpu', threads: 1 });
  const pick = async (who: string, k: number) => {
    const dir = join(PEOPLE, 'dlib-johns', who);
    const photo = await decodePhoto(join(dir, readdirSync(dir).sort()[k]!));
    const dets = await front.detect(photo.image);
    const largest = dets.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
    const [l68] = await front.landmarksFor(photo.image, [largest]);
    faces.push({ image: photo.image, l68: l68! });
  };
  await pick('John_Salley', 0);
  await pick('John_Salley', 1);
  await pick('John_Savage', 0);
  await front.close();
}, 120_000);

afterAll(async () => {
  for (const c of closers) await c();
});

describe('fused dlib + MobileFaceNet embedder', () => {
  it('concatenates the two unit vectors weighted by sqrt(w), sqrt(1 - w): a unit vector whose cosine is w cos_dlib + (1 - w) cos_mfn', async () => {
    const w = EMBEDDER_FUSED.fusion!.weight;
    const raw = await Promise.all(faces.map((f) => fused.rawFaces(f.image, [f.l68]).then((r) => r[0]!)));
    const unit = async (e: Embedder, f: (typeof faces)[number]) => (await e.unitFloat([alignFace(f.image, f.l68, e.model).pixels]))[0]!;
    for (const r of raw) {
      expect(r.length).toBe(EMBEDDER_FUSED.outputDims);
      expect(dot(r, r)).toBeCloseTo(1, 5);
    }
    const d = await Promise.all(faces.map((f) => unit(parts[0], f)));
    const m = await Promise.all(faces.map((f) => unit(parts[1], f)));
    for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
      expect(dot(raw[i]!, raw[j]!)).toBeCloseTo(w * cosine(d[i]!, d[j]!) + (1 - w) * cosine(m[i]!, m[j]!), 5);
    }
  }, 60_000);

  it('stores 128 bytes: the committed PCA of the fused vector, L2-normalised, int8 at the registry scale; one person scores above two', async () => {
    const proj = readProjection(join(ROOT, 'app/faces/models/data', EMBEDDER_FUSED.projection!.file));
    expect([proj.from, proj.to]).toEqual([EMBEDDER_FUSED.outputDims, 128]);
    const bytes: Int8Array[] = [];
    for (const f of faces) {
      const [q] = await fused.embedFaces(f.image, [f.l68]);
      const [r] = await fused.rawFaces(f.image, [f.l68]);
      expect(q!.length).toBe(128);
      expect(Array.from(q!)).toEqual(Array.from(quantize(l2normalize(project(proj, r!)), EMBEDDER_FUSED.quantScale)));
      bytes.push(q!);
    }
    expect(cosineInt8(bytes[0]!, bytes[1]!)).toBeGreaterThan(cosineInt8(bytes[0]!, bytes[2]!));
    expect(cosineInt8(bytes[0]!, bytes[1]!)).toBeGreaterThan(cosineInt8(bytes[1]!, bytes[2]!));
  }, 60_000);
});
