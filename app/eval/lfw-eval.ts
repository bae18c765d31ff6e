/**
 * Runs the full face pipeline on every LFW image a pair names and scores the pairs by the cosine
 * similarity of their 128-byte embeddings, under the standard protocol (app/eval/verification.ts).
 */
import type { FaceRecord } from '../faces/types';
import type { FacePipeline } from '../faces/pipeline';
import { decodePhoto } from '../faces/image';
import { cosineInt8 } from '../faces/quantize';
import { loadLfwPairs } from './lfw-dataset';
import { crossValidatedAccuracy, type ProtocolResult, type ScoredPair } from './verification';

export interface LfwEvalResult extends ProtocolResult {
  pairs: number;
  images: number;
  /** Images where no face was detected near the centre and a default centre box was used. */
  fallbackImages: number;
  bytesPerFace: number;
  model: string;
  provider: string;
  seconds: number;
  msPerImage: number;
  msPerFace: number;
  stageMs: Record<string, number>;
}

/** LFW crops are centred on the face: the detection nearest the centre is the labelled one. */
export function pickCentralFace(faces: FaceRecord[], width: number, height: number): FaceRecord | undefined {
  let best: FaceRecord | undefined;
  let bestD = Infinity;
  for (const f of faces) {
    const cx = f.box.x + f.box.width / 2, cy = f.box.y + f.box.height / 2;
    const d = Math.hypot(cx - width / 2, cy - height / 2) / Math.max(1, Math.sqrt(f.box.width * f.box.height));
    if (d < bestD) {
      bestD = d;
      best = f;
    }
  }
  return best && bestD < 1.0 ? best : undefined;
}

export async function evaluateLfw(
  engine: FacePipeline,
  dataDir: string,
  opts: { maxSets?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<LfwEvalResult> {
  const t0 = performance.now();
  const pairs = loadLfwPairs(dataDir, opts.maxSets);
  const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const emb = new Map<string, Int8Array>();
  let fallback = 0;
  let faces = 0;
  const stage: Record<string, number> = { decode: 0, detect: 0, landmarks: 0, align: 0, embed: 0 };
  for (let i = 0; i < images.length; i++) {
    const file = images[i]!;
    const d0 = performance.now();
    const photo = await decodePhoto(file);
    const a = await engine.analyzeDecoded(photo, performance.now() - d0);
    for (const k of Object.keys(stage)) stage[k]! += a.timings[k as keyof typeof a.timings];
    faces += a.faces.length;
    let face = pickCentralFace(a.faces, a.width, a.height);
    if (!face) {
      // No face found near the centre: use the box where LFW's face sits.
      fallback++;
      const W = photo.image.width, H = photo.image.height;
      const [f] = await engine.facesFromDetections(photo.image, [
        { box: { x: W * 0.3, y: H * 0.27, width: W * 0.4, height: H * 0.48 }, score: 0 },
      ]);
      face = f;
    }
    emb.set(file, face!.embedding);
    if (opts.onProgress && (i % 100 === 99 || i === images.length - 1)) opts.onProgress(i + 1, images.length);
  }
  const scored: ScoredPair[] = pairs.map((p) => ({ set: p.set, same: p.same, score: cosineInt8(emb.get(p.a)!, emb.get(p.b)!) }));
  const protocol = crossValidatedAccuracy(scored);
  const seconds = (performance.now() - t0) / 1000;
  const total = Object.values(stage).reduce((a, b) => a + b, 0);
  const perFaceStages = stage.landmarks! + stage.align! + stage.embed!;
  return {
    ...protocol,
    pairs: pairs.length,
    images: images.length,
    fallbackImages: fallback,
    bytesPerFace: emb.values().next().value!.byteLength,
    model: engine.info.embedder,
    provider: engine.info.provider,
    seconds: Math.round(seconds * 10) / 10,
    msPerImage: Math.round((total / images.length) * 10) / 10,
    msPerFace: Math.round((perFaceStages / Math.max(1, faces + fallback)) * 10) / 10,
    stageMs: Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, Math.round((v / images.length) * 10) / 10])),
  };
}
