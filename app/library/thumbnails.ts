/**
 * Photo and face thumbnails, cached on disk beside the database and keyed by content hash (so they
 * survive moves and renames): <dir>/photos/ab/<hash>.jpg and <dir>/faces/ab/<hash>-<n>.jpg, where n
 * is the face's index within its photo. Missing files are regenerated from the photo on request.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Box } from '../faces/types';
import type { RgbImage } from '../faces/image';
import type { Store } from '../store/store';
import { formatFromExtension, sniffFormat } from './formats';
import { heicToPng } from './heic';
import { NotFoundError } from '../contract/errors';

export const PHOTO_THUMB_SIDE = 320;
export const FACE_THUMB_SIDE = 112;
/** Decode once at this size for the photo thumb and all face crops (when the scan's decode is not at hand). */
const WORK_SIDE = 1280;
const LIMIT_PIXELS = 250_000_000;

/** A photo's thumbnails as JPEG bytes, before they are written: the photo's, and one a face (null: box too small). */
export interface RenderedThumbnails {
  photo: Uint8Array;
  faces: (Uint8Array | null)[];
}

/**
 * The thumbnails of a photo from pixels already decoded (upright RGB, as app/faces/image.ts
 * decodes them): the scan makes them in the analyzer's thread from the decode detection used,
 * so a photo is decoded once. `scale` is image pixels per full-resolution pixel; the face boxes
 * are in full-resolution upright pixels.
 */
export async function renderThumbnails(img: RgbImage, scale: number, faces: Box[]): Promise<RenderedThumbnails> {
  // sharp reads the pixels where they are (no copy into libvips).
  const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const raw = { raw: { width: img.width, height: img.height, channels: 3 } } as const;
  const photo = await sharp(data, raw)
    .resize({ width: PHOTO_THUMB_SIDE, height: PHOTO_THUMB_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 80 })
    .toBuffer();
  const out: RenderedThumbnails = { photo, faces: [] };
  for (const box of faces) {
    const crop = cropFor(box, scale, img.width, img.height);
    out.faces.push(
      crop &&
        (await sharp(data, raw)
          .extract(crop)
          .resize({ width: FACE_THUMB_SIDE, height: FACE_THUMB_SIDE, fit: 'cover' })
          .jpeg({ quality: 85 })
          .toBuffer()),
    );
  }
  return out;
}

export class ThumbnailCache {
  constructor(readonly dir: string) {}

  photoPath(hash: string): string {
    return path.join(this.dir, 'photos', hash.slice(0, 2), `${hash}.jpg`);
  }

  facePath(hash: string, index: number): string {
    return path.join(this.dir, 'faces', hash.slice(0, 2), `${hash}-${index}.jpg`);
  }

  /** Writes the photo thumb and one thumb per face box (boxes in oriented full-size pixels), decoding `input`. */
  async write(input: Buffer, hash: string, fullWidth: number, faces: Box[]): Promise<void> {
    const { data, info } = await sharp(input, { limitInputPixels: LIMIT_PIXELS })
      .rotate()
      .resize({ width: WORK_SIDE, height: WORK_SIDE, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const img: RgbImage = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    this.writeRendered(hash, await renderThumbnails(img, info.width / Math.max(1, fullWidth), faces));
  }

  /** Writes thumbnails already rendered (renderThumbnails, in the scan's analyzer thread). */
  writeRendered(hash: string, t: RenderedThumbnails): void {
    writeAtomic(this.photoPath(hash), t.photo);
    t.faces.forEach((face, i) => {
      if (face) writeAtomic(this.facePath(hash, i), face);
    });
  }

  /** Path of the photo's thumbnail, regenerated (with its face thumbs) when missing. */
  async ensurePhoto(store: Store, photoId: number): Promise<string> {
    const photo = store.photos.byId(photoId);
    if (!photo) throw new NotFoundError('photo', `no photo ${photoId}`);
    const file = this.photoPath(photo.hash);
    if (!isSoundJpeg(file)) await this.regenerate(store, photoId);
    return file;
  }

  /** Path of a face's thumbnail, regenerated from its photo when missing. */
  async ensureFace(store: Store, faceId: number): Promise<string> {
    const face = store.faces.byId(faceId);
    if (!face) throw new NotFoundError('face', `no face ${faceId}`);
    const photo = store.photos.byId(face.photo_id)!;
    const index = store.faces.byPhoto(photo.id).findIndex((f) => f.id === faceId);
    const file = this.facePath(photo.hash, index);
    if (!isSoundJpeg(file)) await this.regenerate(store, photo.id);
    return file;
  }

  private async regenerate(store: Store, photoId: number): Promise<void> {
    const photo = store.photos.byId(photoId)!;
    let buf: Buffer = await fs.promises.readFile(photo.path);
    const format = sniffFormat(buf.subarray(0, 64)) ?? formatFromExtension(photo.path);
    if (format === 'heic') buf = await heicToPng(buf);
    const faces = store.faces.byPhoto(photoId).map((f) => ({ x: f.x, y: f.y, width: f.w, height: f.h }));
    await this.write(buf, photo.hash, photo.width, faces);
  }
}

/** Face box plus a margin, scaled to the working image and clamped to it. */
function cropFor(b: Box, scale: number, width: number, height: number) {
  const margin = 0.25;
  const side = Math.max(b.width, b.height) * (1 + 2 * margin) * scale;
  const cx = (b.x + b.width / 2) * scale;
  const cy = (b.y + b.height / 2) * scale;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const right = Math.min(width, Math.round(cx + side / 2));
  const bottom = Math.min(height, Math.round(cy + side / 2));
  if (right - left < 2 || bottom - top < 2) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Present and whole: starts with a JPEG SOI marker and ends with EOI. A thumbnail deleted, cut short
 * (disk full, power cut) or overwritten with garbage is re-created from the photo.
 */
export function isSoundJpeg(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 4) return false;
    const head = Buffer.alloc(2);
    const tail = Buffer.alloc(2);
    fs.readSync(fd, head, 0, 2, 0);
    fs.readSync(fd, tail, 0, 2, size - 2);
    return head[0] === 0xff && head[1] === 0xd8 && tail[0] === 0xff && tail[1] === 0xd9;
  } finally {
    fs.closeSync(fd);
  }
}

function writeAtomic(file: string, data: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // (a full disk leaves no half file behind)
    throw e;
  }
}
