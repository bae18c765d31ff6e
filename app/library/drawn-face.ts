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
