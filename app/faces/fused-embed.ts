/**
 * The fused embedder (issue 17): dlib's ResNet and MobileFaceNet on the same face, in 128 bytes.
 * One face's 68 landmarks -> a dlib chip (dlib-5, 150) and an ArcFace chip (arcface-5, 112) ->
 * both networks (each batched over the photo's faces, the two run side by side) -> each output
 * L2-normalised (mirror-averaged per part, registry `fusion.flip`) -> concatenated as
 * sqrt(w) * dlib, sqrt(1 - w) * mfn (a unit vector: the cosine of two such vectors is
 * w * cos_dlib + (1 - w) * cos_mfn) -> the mean-centred PCA to 128 -> L2 -> int8.
 * Also the factory the pipeline uses for any embedder (`createEmbedder`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Embedder, project, readProjection, type Projection } from './embed';
import type { RgbImage } from './image';
import { getEmbedder, type EmbedderModel } from './models/registry';
import { createSession, type ProviderChoice, type ProviderName } from './onnx-session';
import { l2normalize, quantize } from './quantize';
import { EMBEDDING_BYTES, type Point } from './types';
import { alignFace } from './align';

export interface FusedOptions {
  batchSize: number;
  /** The pipeline's flip: off turns every part's mirror average off; on applies `fusion.flip`. */
  flip: boolean;
}

/** sqrt(w) * a ++ sqrt(1 - w) * b for unit vectors a, b: a unit vector again. */
export function fuseVectors(a: Float32Array, b: Float32Array, weight: number): Float32Array {
  const out = new Float32Array(a.length + b.length);
  const wa = Math.sqrt(weight), wb = Math.sqrt(1 - weight);
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i]!;
  for (let i = 0; i < b.length; i++) out[a.length + i] = wb * b[i]!;
  return out;
}

export class FusedEmbedder {
  private projection: Projection | null = null;

  constructor(
    readonly model: EmbedderModel,
    readonly parts: [Embedder, Embedder],
    modelsDir: string,
  ) {
    if (!model.fusion || !model.projection) throw new Error(`${model.id} is not a fused embedder`);
    const file = join(modelsDir, model.projection.file);
    // Missing only while the projection is being fitted (visage fit-projection); embed refuses then.
    if (existsSync(file)) this.projection = readProjection(file);
  }

  get hasProjection(): boolean {
    return this.projection !== null;
  }

  /** The fused unit vectors (before the projection): what the PCA is fitted on. */
  async rawFaces(img: RgbImage, landmarks: Point[][], firstChips?: Uint8Array[], timings?: { embedMirror: number }): Promise<Float32Array[]> {
    const [a, b] = this.parts;
    const chipsA = firstChips ?? landmarks.map((l) => alignFace(img, l, a.model).pixels);
    const chipsB = landmarks.map((l) => alignFace(img, l, b.model).pixels);
    const [ua, ub] = await Promise.all([a.unitFloat(chipsA, timings), b.unitFloat(chipsB, timings)]);
    return ua.map((v, i) => fuseVectors(v, ub[i]!, this.model.fusion!.weight));
  }

  async embedFaces(img: RgbImage, landmarks: Point[][], firstChips?: Uint8Array[], timings?: { embedMirror: number }): Promise<Int8Array[]> {
    if (!this.projection) throw new Error(`${this.model.id}: projection ${this.model.projection!.file} not fitted yet (visage fit-projection)`);
    const fused = await this.rawFaces(img, landmarks, firstChips, timings);
    return fused.map((f) => {
      const v = l2normalize(project(this.projection!, f));
      if (v.length !== EMBEDDING_BYTES) throw new Error(`embedder ${this.model.id} gives ${v.length} dims, not ${EMBEDDING_BYTES}`);
      return quantize(v, this.model.quantScale);
    });
  }
}

export type FaceEmbedder = Embedder | FusedEmbedder;

/** The model files an embedder needs (a fused one: its parts'). */
export function embedderFiles(model: EmbedderModel): string[] {
  return model.fusion ? model.fusion.parts.map((p) => getEmbedder(p).file) : [model.file];
}

/** Sessions and the embedder for a model; the first network's session decides the provider. */
export async function createEmbedder(
  dir: string,
  model: EmbedderModel,
  sess: { provider: ProviderChoice; threads?: number },
  opts: FusedOptions,
): Promise<{ embedder: FaceEmbedder; provider: ProviderName; fallbacks: { provider: ProviderName; error: string }[]; release: () => Promise<void> }> {
  if (!model.fusion) {
    const s = await createSession(join(dir, model.file), sess);
    return { embedder: new Embedder(s.session, model, dir, opts), provider: s.provider, fallbacks: s.fallbacks, release: () => s.session.release() };
  }
  const [ma, mb] = model.fusion.parts.map(getEmbedder) as [EmbedderModel, EmbedderModel];
  const sa = await createSession(join(dir, ma.file), sess);
  const sb = await createSession(join(dir, mb.file), { provider: sa.provider, threads: sess.threads });
  const [fa, fb] = model.fusion.flip;
  const parts: [Embedder, Embedder] = [
    new Embedder(sa.session, ma, dir, { batchSize: opts.batchSize, flip: opts.flip && fa }),
    new Embedder(sb.session, mb, dir, { batchSize: opts.batchSize, flip: opts.flip && fb }),
  ];
  return {
    embedder: new FusedEmbedder(model, parts, dir),
    provider: sa.provider,
    fallbacks: sa.fallbacks,
    release: async () => {
      await Promise.all([sa.session.release(), sb.session.release()]);
    },
  };
}
