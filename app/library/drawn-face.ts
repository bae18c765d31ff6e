/**
 * "Draw a face by hand", the library's part: the photo's file read again (HEIC converted) and the
 * face in the user's box analysed by the face engine (FacePipeline.analyseBox, through the
 * Analyzer), ready for the 'add-face' correction that stores it (app/engine/handlers/faces.ts,
 * app/cli/commands/add-face.ts).
 */
import fs from 'node:fs';
import { InvalidRequestError, NotFoundError } from '../contract/errors';
import type { ManualFace, PhotoId } from '../contract/people';
import type { Box, FaceRecord } from '../faces/types';
import type { Store } from '../store/store';
import { heicToPng } from './heic';

/** What analyses a box of a photo's bytes (Analyzer.analyseBox). */
export type AnalyseBox = (buf: Buffer, box: Box) => Promise<FaceRecord>;

/** The box is inside the photo (full-resolution upright pixels); else InvalidRequestError. */
export function checkBoxInside(box: Box, width: number, height: number): void {
  if (box.x < 0 || box.y < 0 || box.x + box.width > width || box.y + box.height > height) {
    throw new InvalidRequestError(`the box ${box.x},${box.y},${box.width},${box.height} is not inside the ${width}x${height} photo`);
  }
}

/**
 * Most a photo's aspect ratio (width / height) may change, as a fraction, for the faces drawn on
 * its earlier version to be scaled onto it: a resize rounds each side to whole pixels (a half-size
 * copy of a 4001x3001 photo: 0.01 %), a crop or a change of shape moves the content by far more
 * (a 10 % crop: 10 %).
 */
export const MAX_ASPECT_CHANGE = 0.01;

/**
 * A box drawn on a `from`-sized version of a photo (full-resolution upright pixels) on its
 * `to`-sized version: scaled by the new/old size on each axis, to 0.1 px as the detector's boxes
 * are. Null when it cannot be mapped: the aspect ratio changed by more than MAX_ASPECT_CHANGE (a
 * crop, a rotation: the face is elsewhere, or gone, and nothing says where), or nothing of the box
 * is left inside the photo. A box reaching past the edge is clamped to the photo: a box drawn
 * inside the old photo only lands outside the new one by the rounding of the scaling (a fraction
 * of a pixel), which must not cost the face its new analysis (analyseBox takes only boxes inside).
 */
export function mapDrawnBox(box: Box, from: { width: number; height: number }, to: { width: number; height: number }): Box | null {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  if (!(sx > 0 && sy > 0) || Math.abs(sx / sy - 1) > MAX_ASPECT_CHANGE) return null;
  const round = (v: number) => Math.round(v * 10) / 10;
  const x = Math.max(0, round(box.x * sx));
  const y = Math.max(0, round(box.y * sy));
  const width = round(Math.min(to.width, round((box.x + box.width) * sx)) - x);
  const height = round(Math.min(to.height, round((box.y + box.height) * sy)) - y);
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

/** The stored form of an analysed face (the correction log keeps it as JSON). */
export function manualFaceOf(f: FaceRecord): ManualFace {
  return {
    box: f.box,
    score: f.score,
    landmarks: f.landmarks,
    quality: f.quality,
    embedding: Buffer.from(f.embedding.buffer, f.embedding.byteOffset, f.embedding.byteLength).toString('base64'),
    modelId: f.modelId,
  };
}

/**
 * The face in `box` of photo `photoId`: NotFoundError for no such photo or a file that is gone,
 * InvalidRequestError for a box outside the photo or a face of another model than `model`.
 */
export async function analyseDrawnFace(store: Store, analyse: AnalyseBox, photoId: PhotoId, box: Box, model: string): Promise<ManualFace> {
  const photo = store.photos.byId(photoId);
  if (!photo) throw new NotFoundError('photo', `no photo ${photoId}`);
  checkBoxInside(box, photo.width, photo.height);
  let buf: Buffer;
  try {
    buf = await fs.promises.readFile(photo.path);
  } catch (e) {
    throw new NotFoundError('photo', `cannot read photo ${photoId} (${photo.path}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (photo.format === 'heic' || photo.format === 'heif') buf = await heicToPng(buf);
  const face = await analyse(buf, box);
  if (face.modelId !== model) {
    throw new InvalidRequestError(`the face engine embeds with ${face.modelId} but this library's faces are ${model}: run "visage reembed" first`);
  }
  return manualFaceOf(face);
}

/**
 * A face drawer over a face engine loaded only when a face is drawn (an import that draws none
 * never loads it): (photoId, box) -> the face, for app/interop's imports.
 */
export function lazyFaceDrawer(
  store: Store,
  model: string,
  load: () => Promise<AnalyseBox>,
): (photoId: PhotoId, box: Box) => Promise<ManualFace> {
  let analyse: Promise<AnalyseBox> | null = null;
  return async (photoId, box) => analyseDrawnFace(store, await (analyse ??= load()), photoId, box, model);
}
