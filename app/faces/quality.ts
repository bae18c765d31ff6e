/**
 * A face's usability for recognition, from its landmarks and its aligned chip: size in source
 * pixels, sharpness (variance of the Laplacian), and pose (yaw, pitch, roll) estimated from the
 * landmark geometry. The summary `score` decides whether a face may seed a new person.
 */
import type { FaceQuality, Point } from './types';
import { meanPoint } from './geometry';

/** Faces smaller than this (full-resolution pixels across the face) score 0 on size. */
export const QUALITY_MIN_SIZE = 24;
/** ... and score 1 from this size on. */
export const QUALITY_GOOD_SIZE = 80;
/** Laplacian variance at which a chip counts as sharp. */
export const QUALITY_SHARP = 150;
/** |yaw| beyond this counts as profile (score 0 on pose). */
export const QUALITY_MAX_YAW = 60;
export const QUALITY_MAX_PITCH = 45;

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
const mean = meanPoint;

export function laplacianVariance(rgb: Uint8Array, size: number): number {
  const g = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) g[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  let s = 0, s2 = 0, n = 0;
  // Central region only (the chip's corners hold background).
  const lo = Math.floor(size * 0.2), hi = Math.ceil(size * 0.8);
  for (let y = Math.max(1, lo); y < Math.min(size - 1, hi); y++) {
    for (let x = Math.max(1, lo); x < Math.min(size - 1, hi); x++) {
      const i = y * size + x;
      const l = g[i - 1]! + g[i + 1]! + g[i - size]! + g[i + size]! - 4 * g[i]!;
      s += l;
      s2 += l * l;
      n++;
    }
  }
  return n ? s2 / n - (s / n) ** 2 : 0;
}

export function poseFromLandmarks(l68: Point[]): { yaw: number; pitch: number; roll: number } {
  const le = mean(l68, [36, 37, 38, 39, 40, 41]);
  const re = mean(l68, [42, 43, 44, 45, 46, 47]);
  const nose = l68[30]!;
  const mouth = mean(l68, [48, 54]);
  const roll = (Math.atan2(re[1] - le[1], re[0] - le[0]) * 180) / Math.PI;
  // Rotate into the eye-line frame.
  const c = Math.cos((-roll * Math.PI) / 180), s = Math.sin((-roll * Math.PI) / 180);
  const rot = (p: Point): Point => [c * p[0] - s * p[1], s * p[0] + c * p[1]];
  const [lx, ly] = rot(le), [rx] = rot(re), [nx, ny] = rot(nose), [, my] = rot(mouth);
  const iod = Math.max(1e-6, rx - lx);
  // Nose tip's offset from the eyes' midpoint, relative to half the eye distance: +-1 ~ profile.
  const off = (nx - (lx + rx) / 2) / (iod / 2);
  const yaw = (Math.asin(Math.max(-1, Math.min(1, off * 0.9))) * 180) / Math.PI;
  // Where the nose tip sits between the eye line and the mouth line; ~0.55 when level.
  const t = (ny - ly) / Math.max(1e-6, my - ly);
  const pitch = (t - 0.55) * 150;
  return { yaw, pitch, roll };
}

export function assessQuality(l68: Point[], chip: Uint8Array, chipSize: number, faceSizePx: number, detScore: number): FaceQuality {
  const pose = poseFromLandmarks(l68);
  const sharpness = laplacianVariance(chip, chipSize);
  const sizeScore = clamp01((faceSizePx - QUALITY_MIN_SIZE) / (QUALITY_GOOD_SIZE - QUALITY_MIN_SIZE));
  const sharpScore = clamp01(sharpness / QUALITY_SHARP);
  const poseScore = clamp01(1 - Math.abs(pose.yaw) / QUALITY_MAX_YAW) * clamp01(1 - Math.abs(pose.pitch) / QUALITY_MAX_PITCH);
  const score = clamp01(Math.sqrt(detScore) * sizeScore * (0.5 + 0.5 * sharpScore) * Math.sqrt(poseScore));
  return {
    size: Math.round(faceSizePx * 10) / 10,
    sharpness: Math.round(sharpness * 10) / 10,
    yaw: Math.round(pose.yaw * 10) / 10,
    pitch: Math.round(pose.pitch * 10) / 10,
    roll: Math.round(pose.roll * 10) / 10,
    score: Math.round(score * 1000) / 1000,
  };
}
