/**
 * The face engine: decode -> detect -> landmarks -> align -> embed -> quantise, producing one
 * FaceRecord per face. Plain Node (no Electron); used by the CLI, the library scanner, the app's
 * engine process, tests and benchmarks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { zeroStageTimings, type Box, type FaceRecord, type PhotoAnalysis, type Point, type StageTimings } from './types';
import { modelsDir as defaultModelsDir } from './models/paths';
import {
  DEFAULT_EMBEDDER,
  DEFAULT_LANDMARKS,
  DETECTOR_RFB320,
  getEmbedder,
  getLandmarkModel,
  type EmbedderModel,
  type LandmarkModel,
} from './models/registry';
import { createSession, type ProviderChoice, type ProviderName } from './onnx-session';
import { alignFace } from './align';
import { FaceDetector, type Detection, type TileMode } from './detect';
import { createEmbedder, embedderFiles, type FaceEmbedder } from './fused-embed';
import { decodePhoto, type DecodedPhoto, type RgbImage } from './image';
import { LandmarkDetector, type RefineMode } from './landmarks';
import { assessQuality } from './quality';
import { DLIB_CHIP_PADDING } from './models/registry';

/**
 * Detector score given to a face the user drew (0..1, like a detection's confidence): the user
 * says it is a face, so it is as sure as a detection gets. It feeds the quality score
 * (app/faces/quality.ts), which stays free to rate a blurred or turned face low.
 */
export const MANUAL_FACE_SCORE = 1;

export interface FacePipelineOptions {
  modelsDir?: string;
  /** Embedder model id (default dlib-resnet-v1). */
  embedder?: string;
  /** Landmark model id (default faceapi-landmark68). */
  landmarks?: string;
  provider?: ProviderChoice;
  /** CPU intra-op threads per session. */
  threads?: number;
  /** Faces per embedder batch (default 8). */
  batchSize?: number;
  /** Average the embedding of the mirrored face too (default true: measured better on LFW). */
  flip?: boolean;
  /** Run the detector on overlapping tiles of large photos (default true). */
  tiles?: boolean;
  /** Longest side photos are decoded at. */
  decodeMaxSide?: number;
  /** Which tiles the detector runs (app/faces/detect.ts TileMode; default 'all'). */
  tileMode?: TileMode;
  /** Landmark passes (app/faces/landmarks.ts RefineMode; default 'always': 'auto' kept LFW at 99.20 % but lowered the people figures, docs/speed.md). */
  landmarkPasses?: RefineMode;
}

export interface EngineInfo {
  provider: ProviderName;
  fallbacks: { provider: ProviderName; error: string }[];
  detector: string;
  landmarks: string;
  embedder: string;
  modelsDir: string;
  threads: number | undefined;
  batchSize: number;
  flip: boolean;
}

export class ModelsMissingError extends Error {
  constructor(readonly dir: string, readonly missing: string[]) {
    super(`face models missing in ${dir}: ${missing.join(', ')} (run "npm run models")`);
    this.name = 'ModelsMissingError';
  }
}

export class FacePipeline {
  private constructor(
    private readonly detector: FaceDetector,
    private readonly landmarker: LandmarkDetector,
    readonly embedderNet: FaceEmbedder,
    private readonly opts: Required<Pick<FacePipelineOptions, 'batchSize' | 'flip' | 'tiles'>> & FacePipelineOptions,
    readonly info: EngineInfo,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  static async create(options: FacePipelineOptions = {}): Promise<FacePipeline> {
    const dir = options.modelsDir ?? defaultModelsDir();
    const embedderModel: EmbedderModel = getEmbedder(options.embedder ?? DEFAULT_EMBEDDER);
    const landmarkModel: LandmarkModel = getLandmarkModel(options.landmarks ?? DEFAULT_LANDMARKS);
    const files = [DETECTOR_RFB320.file, landmarkModel.file, ...embedderFiles(embedderModel)];
    const missing = files.filter((f) => !existsSync(join(dir, f)));
    if (missing.length) throw new ModelsMissingError(dir, missing);
    const sessOpts = { provider: options.provider ?? 'auto', threads: options.threads };
    // The embedder decides the provider (it does most of the work); the small detector and
    // landmark nets follow it.
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as FacePipelineOptions;
    const opts = { batchSize: 8, flip: true, tiles: true, ...defined };
    const emb = await createEmbedder(dir, embedderModel, sessOpts, { batchSize: opts.batchSize, flip: opts.flip });
    const follow = { provider: emb.provider, threads: options.threads };
    const det = await createSession(join(dir, DETECTOR_RFB320.file), follow);
    const lm = await createSession(join(dir, landmarkModel.file), follow);
    const info: EngineInfo = {
      provider: emb.provider,
      fallbacks: emb.fallbacks,
      detector: DETECTOR_RFB320.id,
      landmarks: landmarkModel.id,
      embedder: embedderModel.id,
      modelsDir: dir,
      threads: options.threads,
      batchSize: opts.batchSize,
      flip: opts.flip,
    };
    return new FacePipeline(
      new FaceDetector(det.session),
      new LandmarkDetector(lm.session, landmarkModel),
      emb.embedder,
      opts,
      info,
      [emb.release, () => det.session.release(), () => lm.session.release()],
    );
  }

  get embedderId(): string {
    return this.info.embedder;
  }

  get provider(): ProviderName {
    return this.info.provider;
  }

  /**
   * A photo decoded as this engine analyses it (upright, at the size decodeSide chooses): callers
   * that need the pixels too (the scan's thumbnails) decode once with this, then analyzeDecoded.
   */
  decode(input: string | Buffer): Promise<DecodedPhoto> {
    return decodePhoto(input, this.opts.decodeMaxSide);
  }

  async analyzeFile(path: string): Promise<PhotoAnalysis> {
    const t0 = performance.now();
    const photo = await this.decode(path);
    return this.analyzeDecoded(photo, performance.now() - t0);
  }

  async analyzeBuffer(buf: Buffer): Promise<PhotoAnalysis> {
    const t0 = performance.now();
    const photo = await this.decode(buf);
    return this.analyzeDecoded(photo, performance.now() - t0);
  }

  /** Faces of an already decoded photo. */
  async analyzeDecoded(photo: DecodedPhoto, decodeMs = 0): Promise<PhotoAnalysis> {
    const timings = { ...zeroStageTimings(), decode: decodeMs };
    const t = performance.now();
    const detections = await this.detector.detect(photo.image, { tiles: this.opts.tiles, tileMode: this.opts.tileMode, timings });
    timings.detect = performance.now() - t;
    const faces = await this.facesFromDetections(photo.image, detections, photo.scale, timings);
    return { width: photo.fullWidth, height: photo.fullHeight, orientation: photo.orientation, faces, timings };
  }

  /** Landmarks, alignment, embedding and quality for given detections (image coordinates). */
  async facesFromDetections(
    img: RgbImage,
    detections: Detection[],
    scale = 1,
    timings: StageTimings = zeroStageTimings(),
  ): Promise<FaceRecord[]> {
    if (detections.length === 0) return [];
    let t = performance.now();
    const landmarks = await this.landmarker.detect(img, detections.map((d) => d.box), this.opts.landmarkPasses ?? 'always', timings);
    timings.landmarks += performance.now() - t;
    t = performance.now();
    const model = this.embedderNet.model;
    const chips = landmarks.map((l) => alignFace(img, l, model));
    timings.align += performance.now() - t;
    t = performance.now();
    const vectors = await this.embedderNet.embedFaces(img, landmarks, chips.map((c) => c.pixels), timings);
    timings.embed += performance.now() - t;
    t = performance.now();
    const inv = 1 / scale;
    const faces = detections.map((d, i) => {
      const chip = chips[i]!;
      // Side of the face (the template's unpadded square) in full-resolution pixels.
      const pad = model.alignment === 'dlib-5' ? 1 + 2 * DLIB_CHIP_PADDING : 1.6;
      const faceSize = (chip.sourceScale * chip.size * inv) / pad;
      const l = landmarks[i]!.map(([x, y]) => [round1(x * inv), round1(y * inv)] as Point);
      return {
        box: { x: round1(d.box.x * inv), y: round1(d.box.y * inv), width: round1(d.box.width * inv), height: round1(d.box.height * inv) },
        score: Math.round(d.score * 1e4) / 1e4,
        landmarks: l,
        quality: assessQuality(landmarks[i]!, chip.pixels, chip.size, faceSize, d.score),
        embedding: vectors[i]!,
        modelId: model.id,
      };
    });
    timings.quality += performance.now() - t; // (with the boxes and points scaled to full size)
    return faces;
  }

  /**
   * "Analyse this box": the face in a box the user drew around a face the detector missed
   * (profile, small, blurred, masked), in full-resolution upright pixels, put through the same
   * landmarks, alignment, embedding and quality as a detected face. The box is taken as it is (the
   * detector is not asked); the record's box is the user's, its score MANUAL_FACE_SCORE.
   * Knows nothing of storage: the caller stores the record (app/engine/handlers/faces.ts).
   */
  async analyseBox(photo: DecodedPhoto, box: Box): Promise<FaceRecord> {
    if (!(box.width > 0 && box.height > 0) || box.x < 0 || box.y < 0 || box.x + box.width > photo.fullWidth || box.y + box.height > photo.fullHeight) {
      throw new RangeError(`box ${box.x},${box.y},${box.width}x${box.height} is not inside the ${photo.fullWidth}x${photo.fullHeight} photo`);
    }
    const s = photo.scale;
    const det: Detection = { box: { x: box.x * s, y: box.y * s, width: box.width * s, height: box.height * s }, score: MANUAL_FACE_SCORE };
    const [face] = await this.facesFromDetections(photo.image, [det], s);
    return { ...face!, box: { ...box } };
  }

  /** analyseBox on a photo file's bytes (decoded here: EXIF orientation applied). */
  async analyseBoxInBuffer(buf: Buffer, box: Box): Promise<FaceRecord> {
    return this.analyseBox(await this.decode(buf), box);
  }

  /**
   * Embeddings for faces whose 68 landmarks are already known (image coordinates): re-embedding a
   * library with another model keeps every face (and so every user decision about it).
   */
  async embedLandmarks(img: RgbImage, landmarks: Point[][]): Promise<Int8Array[]> {
    return this.embedderNet.embedFaces(img, landmarks);
  }

  /** Landmarks only (for tools and tests). */
  landmarksFor(img: RgbImage, detections: Detection[]): Promise<Point[][]> {
    return this.landmarker.detect(img, detections.map((d) => d.box));
  }

  detect(img: RgbImage): Promise<Detection[]> {
    return this.detector.detect(img, { tiles: this.opts.tiles, tileMode: this.opts.tileMode });
  }

  async close(): Promise<void> {
    await Promise.all(this.closers.map((c) => c().catch(() => undefined)));
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
