/**
 * The face engine's data types: what one analysed photo yields. Shared by the pipeline, the
 * store, clustering, the CLI and the app's contract.
 */

export type { Box, Point } from '../contract/geometry';
import type { Box, Point } from '../contract/geometry';

/** Bytes of a stored face embedding: 128 dimensions, one int8 each (the FaceNet paper's 128 bytes a face). */
export const EMBEDDING_BYTES = 128;

/** How usable a face is for recognition. All angles in degrees. */
export interface FaceQuality {
  /** Inter-ocular-based face size in pixels (the side of the aligned crop in source pixels). */
  size: number;
  /** Variance of the Laplacian on the aligned grey chip; higher is sharper. */
  sharpness: number;
  /** Estimated yaw (left/right turn) from landmark asymmetry; 0 = frontal. */
  yaw: number;
  /** Estimated pitch (up/down) from landmark geometry; 0 = level. */
  pitch: number;
  /** In-plane rotation of the eye line. */
  roll: number;
  /** 0..1 summary used to decide whether a face may seed a person. */
  score: number;
}

export interface FaceRecord {
  box: Box;
  /** Detector confidence 0..1. */
  score: number;
  /** 68 landmarks (iBUG 300-W order) in image pixels. */
  landmarks: Point[];
  quality: FaceQuality;
  /** Exactly 128 bytes: the L2-normalised embedding quantised to int8 (see app/faces/quantize.ts). */
  embedding: Int8Array;
  /** Registry id of the model that produced the embedding, e.g. "dlib-resnet-v1". */
  modelId: string;
}

export interface PhotoAnalysis {
  /** Oriented (upright) size of the full-resolution image. */
  width: number;
  height: number;
  /** EXIF orientation tag as read (1..8), 1 when absent. */
  orientation: number;
  faces: FaceRecord[];
  /** Milliseconds spent per stage, for benchmarks. */
  timings: StageTimings;
}

/**
 * Milliseconds (performance.now wall time on the thread that ran the photo) per stage of one
 * photo, for benchmarks (`npm run bench:scan`). `detect`, `landmarks` and `embed` are the totals;
 * the other keys split them: the detector on the whole image and on its tiles, the two landmark
 * passes, and the part of the embedding spent on the mirrored faces (mirroring the chips plus half
 * the network time, since originals and mirrors run through the net in the same batches).
 */
export interface StageTimings {
  decode: number;
  detect: number;
  detectWhole: number;
  detectTiles: number;
  landmarks: number;
  landmarks1: number;
  landmarks2: number;
  align: number;
  embed: number;
  embedMirror: number;
  quality: number;
}

/** Every key of StageTimings at 0. */
export function zeroStageTimings(): StageTimings {
  return { decode: 0, detect: 0, detectWhole: 0, detectTiles: 0, landmarks: 0, landmarks1: 0, landmarks2: 0, align: 0, embed: 0, embedMirror: 0, quality: 0 };
}
