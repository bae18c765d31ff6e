/**
 * Face alignment: a least-squares similarity transform from the face's landmarks to the
 * embedder's template, then a warp of the face into the embedder's input chip.
 *
 * dlib-5: dlib's own convention (get_face_chip_details, padding 0.25, 150x150): eye corners and
 * nose base (iBUG points 45, 42, 36, 39, 33) onto dlib's mean face.
 * arcface-5: eye centres, nose tip and mouth corners onto the ArcFace 112x112 template.
 */
import type { Point } from './types';
import { ARCFACE_TEMPLATE_112, DLIB_TEMPLATE_LANDMARKS, dlibTemplate, type EmbedderModel } from './models/registry';
import { fitSimilarity, invertSimilarity, meanPoint, similarityScale, type Similarity } from './geometry';
import { warpAffine, type RgbImage } from './image';

const mean = meanPoint;

/** The five ArcFace points (image-left eye centre, image-right eye centre, nose tip, mouth corners) from 68 landmarks. */
export function arcfacePoints(l68: Point[]): Point[] {
  return [mean(l68, [37, 38, 40, 41]), mean(l68, [43, 44, 46, 47]), l68[30]!, mean(l68, [48, 60]), mean(l68, [54, 64])];
}

/** dlib's five points (outer/inner eye corners, nose base) from 68 landmarks. */
export function dlibPoints(l68: Point[]): Point[] {
  return DLIB_TEMPLATE_LANDMARKS.map((i) => l68[i]!);
}

export interface AlignedChip {
  /** Packed RGB, size x size. */
  pixels: Uint8Array;
  size: number;
  /** Image -> chip transform. */
  transform: Similarity;
  /** Image pixels per chip pixel. */
  sourceScale: number;
}

export function alignmentTransform(l68: Point[], model: EmbedderModel): Similarity {
  if (model.alignment === 'dlib-5') return fitSimilarity(dlibPoints(l68), dlibTemplate(model.inputSize));
  const k = model.inputSize / 112;
  return fitSimilarity(arcfacePoints(l68), ARCFACE_TEMPLATE_112.map(([x, y]) => [x * k, y * k] as Point));
}

export function alignFace(img: RgbImage, l68: Point[], model: EmbedderModel): AlignedChip {
  const t = alignmentTransform(l68, model);
  const inv = invertSimilarity(t);
  const m = [inv.a, -inv.b, inv.tx, inv.b, inv.a, inv.ty];
  const size = model.inputSize;
  return { pixels: warpAffine(img, m, size, size), size, transform: t, sourceScale: 1 / similarityScale(t) };
}

/** Horizontal mirror of a packed RGB chip. */
export function mirrorChip(px: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(px.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const s = (y * size + x) * 3, d = (y * size + (size - 1 - x)) * 3;
      out[d] = px[s]!;
      out[d + 1] = px[s + 1]!;
      out[d + 2] = px[s + 2]!;
    }
  }
  return out;
}
