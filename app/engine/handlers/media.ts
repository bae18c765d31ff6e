/**
 * media.resolve: where a face thumbnail, a photo thumbnail or a photo (as a browser can show it)
 * lives, checked to be inside the library folders or the thumbnail cache (app/platform/media-guard).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ContractError, type MediaLocation } from '../../contract/contract';
import { NotFoundError } from '../../contract/errors';
import { formatFromExtension, sniffFormat } from '../../library/formats';
import { heicToPng } from '../../library/heic';
import type { ThumbnailCache } from '../../library/thumbnails';
import { contentTypeOf, resolveInside } from '../../platform/media-guard';
import type { Store } from '../../store/store';
import type { HandlersFor } from './types';

const PREVIEW_SIDE = 2048;
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif']);

export interface MediaDeps {
  store: Store;
  thumbs: ThumbnailCache;
  thumbsDir: string;
  /** Library folders plus the thumbnail cache: the only places media are served from. */
  allowedRoots: () => string[];
}

export function mediaHandlers(d: MediaDeps): HandlersFor<'media.resolve'> {
  return {
    'media.resolve': (p) => resolveMedia(d, p.kind, p.id),
  };
}

async function resolveMedia(d: MediaDeps, kind: 'face' | 'photo' | 'thumb', id: number): Promise<MediaLocation & { allowedRoots: string[] }> {
  let file: string;
  try {
    if (kind === 'face') file = await d.thumbs.ensureFace(d.store, id);
    else if (kind === 'thumb') file = await d.thumbs.ensurePhoto(d.store, id);
    else file = await photoForBrowser(d, id);
  } catch (e) {
    if (e instanceof NotFoundError) throw new ContractError(e.code, e.message);
    throw new ContractError('not-found', `cannot read ${kind} ${id}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const roots = d.allowedRoots();
  const real = resolveInside(file, roots);
  if (!real) throw new ContractError('not-found', `${kind} ${id} is not inside the library`);
  return { file: real, contentType: contentTypeOf(real), allowedRoots: roots };
}

/** The original when a browser can show it, else a cached JPEG preview (HEIC, TIFF). */
async function photoForBrowser(d: MediaDeps, id: number): Promise<string> {
  const photo = d.store.photos.byId(id);
  if (!photo) throw new NotFoundError('photo', `no photo ${id}`);
  const format = photo.format ?? formatFromExtension(photo.path);
  if (format && BROWSER_FORMATS.has(format)) return photo.path;
  const out = path.join(d.thumbsDir, 'previews', photo.hash.slice(0, 2), `${photo.hash}.jpg`);
  if (!fs.existsSync(out)) {
    let buf: Buffer = await fs.promises.readFile(photo.path);
    if ((sniffFormat(buf.subarray(0, 64)) ?? format) === 'heic') buf = await heicToPng(buf);
    const jpg = await sharp(buf, { limitInputPixels: 250_000_000 })
      .rotate()
      .resize({ width: PREVIEW_SIDE, height: PREVIEW_SIDE, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, jpg);
    fs.renameSync(tmp, out);
  }
  return out;
}
