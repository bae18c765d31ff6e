/**
 * Image decoding with sharp: EXIF orientation applied, decoded to packed RGB, at a bounded size
 * (JPEG shrink-on-load makes large photos cheap), with a decompression-bomb guard.
 */
import sharp from 'sharp';

/** Packed 8-bit RGB, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedPhoto {
  image: RgbImage;
  /** Oriented size of the full-resolution file. */
  fullWidth: number;
  fullHeight: number;
  /** image pixels per full-resolution pixel (<= 1). */
  scale: number;
  orientation: number;
}

/** Photos are decoded so that their longer side is at most this (faces stay well resolved). */
export const DECODE_MAX_SIDE = 2560;
/**
 * A photo bigger than DECODE_MAX_SIDE is decoded at the smallest JPEG shrink-on-load scale (1/2,
 * 1/4, 1/8 of its side) whose longer side is still at least this, in pixels. Detection runs on
 * the whole image and on tiles that are fractions of it (app/faces/detect.ts), so the smallest
 * face it finds is a fixed fraction of the photo whatever the decode size; what the decode size
 * changes is how many pixels a small face keeps for landmarks and its 150 px chip. 1,600 px is
 * where the 3x3 tiles start (TILE_3X3_MIN_SIDE) and keeps a face of 2 % of the photo's side at 32 px.
 * A 12 MP photo (4000 px) decodes at 1/2 = 2,000 px without a resampling pass, about half the
 * CPU of decoding it in full and resizing to 2,560 (docs/speed.md measures both, and detection
 * recall on the 12 MP set).
 */
export const DECODE_MIN_SIDE = 1600;

/**
 * The longer side a photo whose oriented longer side is `longer` px is decoded at: itself when it
 * is within `maxSide`; else longer / 2^k for the largest k (<= 3, libjpeg's shrink-on-load) that
 * stays >= `minSide`, capped at `maxSide` (a resize after the shrink) when even that is larger.
 */
export function decodeSide(longer: number, maxSide = DECODE_MAX_SIDE, minSide = DECODE_MIN_SIDE): number {
  if (longer <= maxSide) return longer;
  let side = longer;
  for (let k = 1; k <= 3 && Math.ceil(longer / 2 ** k) >= minSide; k++) side = Math.ceil(longer / 2 ** k);
  return Math.min(side, maxSide);
}
/** Refuse images with more pixels than this (decompression bombs); 24k x 10k is still accepted. */
export const MAX_INPUT_PIXELS = 250_000_000;

export class ImageError extends Error {
  constructor(
    readonly code: 'empty-file' | 'decode-failed' | 'too-large' | 'unsupported' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

function classify(e: unknown): ImageError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/pixel limit|exceeds|too large|dimensions/i.test(msg)) return new ImageError('too-large', msg);
  if (/unsupported image format|Input buffer contains unsupported/i.test(msg)) return new ImageError('unsupported', msg);
  if (/ENOENT|EACCES|EISDIR|EPERM/i.test(msg)) return new ImageError('unreadable', msg);
  return new ImageError('decode-failed', msg);
}

/** Decode a file path or an encoded buffer. */
export async function decodePhoto(input: string | Buffer, maxSide = DECODE_MAX_SIDE, minSide = DECODE_MIN_SIDE): Promise<DecodedPhoto> {
  if (Buffer.isBuffer(input) && input.length === 0) throw new ImageError('empty-file', 'empty image buffer');
  try {
    const opts = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const, sequentialRead: true };
    const meta = await sharp(input, opts).metadata();
    if (!meta.width || !meta.height) throw new ImageError('decode-failed', 'image has no dimensions');
    const orientation = meta.orientation ?? 1;
    const swap = orientation >= 5 && orientation <= 8;
    const fullWidth = swap ? meta.height : meta.width;
    const fullHeight = swap ? meta.width : meta.height;
    const longer = Math.max(fullWidth, fullHeight);
    const side = decodeSide(longer, maxSide, minSide);
    let pipeline = sharp(input, opts).rotate();
    if (side < longer) {
      // Asking for exactly longer / 2^k lets libjpeg shrink while decoding, with no resize after it.
      pipeline = pipeline.resize({ width: fullWidth >= fullHeight ? side : undefined, height: fullHeight > fullWidth ? side : undefined });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageError('decode-failed', `unexpected channel count ${info.channels}`);
    return {
      image: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height },
      fullWidth,
      fullHeight,
      scale: info.width / fullWidth,
      orientation,
    };
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw classify(e);
  }
}

/** Downscale an RGB image by an integer-ish factor with sharp (antialiased). */
export async function downscale(img: RgbImage, factor: number): Promise<RgbImage> {
  const width = Math.max(1, Math.round(img.width / factor));
  const height = Math.max(1, Math.round(img.height / factor));
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * Sample a `w` x `h` patch of `img` through an affine map from patch coordinates to image
 * coordinates: x = m[0]*u + m[1]*v + m[2], y = m[3]*u + m[4]*v + m[5] (pixel centres at integer
 * coordinates). Bilinear; when the map shrinks the image by more than 1.5x, each output pixel
 * averages k x k bilinear samples (k = ceil(scale)) so that the patch is not aliased.
 * Outside pixels are black.
 */
export function warpAffine(img: RgbImage, m: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const { data, width, height } = img;
  const [m0, m1, m2, m3, m4, m5] = m as [number, number, number, number, number, number];
  const scale = Math.sqrt(Math.abs(m0 * m4 - m1 * m3));
  const k = scale > 1.5 ? Math.min(8, Math.ceil(scale)) : 1;
  const inv = 1 / (k * k);
  const row = width * 3;
  // Sub-sample offsets, and the arithmetic below, in exactly the order of the plain loop (one
  // bilinear tap at a time, bounds-checked): the fast path only skips the checks when all four
  // taps are inside, so the patch is bit-identical (a test compares it with the plain loop).
  const off = Float64Array.from({ length: k }, (_, i) => (i + 0.5) / k);
  if (m1 === 0 && m3 === 0) return warpAxisAligned(img, m0, m2, m4, m5, w, h, k, off, out);
  // The products of the map with a sample's column and row, worked out once each (the sums below
  // are the plain loop's, (m0 * uu + m1 * vv) + m2, so the values are the same).
  const xu = new Float64Array(w * k), yu = new Float64Array(w * k);
  for (let u = 0; u < w; u++) {
    for (let sx = 0; sx < k; sx++) {
      const uu = u + off[sx]! - 0.5;
      xu[u * k + sx] = m0 * uu;
      yu[u * k + sx] = m3 * uu;
    }
  }
  const xv = new Float64Array(h * k), yv = new Float64Array(h * k);
  for (let v = 0; v < h; v++) {
    for (let sy = 0; sy < k; sy++) {
      const vv = v + off[sy]! - 0.5;
      xv[v * k + sy] = m1 * vv;
      yv[v * k + sy] = m4 * vv;
    }
  }
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      let a0 = 0, a1 = 0, a2 = 0;
      for (let sy = 0; sy < k; sy++) {
        const bx = xv[v * k + sy]!, by = yv[v * k + sy]!;
        for (let sx = 0; sx < k; sx++) {
          const x = xu[u * k + sx]! + bx + m2;
          const y = yu[u * k + sx]! + by + m5;
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const fx = x - x0, fy = y - y0;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < width && y0 + 1 < height) {
            const gx = 1 - fx, gy = 1 - fy;
            const w00 = gx * gy, w01 = fx * gy, w10 = gx * fy, w11 = fx * fy;
            const p = y0 * row + x0 * 3, q = p + row;
            a0 += data[p]! * w00; a1 += data[p + 1]! * w00; a2 += data[p + 2]! * w00;
            a0 += data[p + 3]! * w01; a1 += data[p + 4]! * w01; a2 += data[p + 5]! * w01;
            a0 += data[q]! * w10; a1 += data[q + 1]! * w10; a2 += data[q + 2]! * w10;
            a0 += data[q + 3]! * w11; a1 += data[q + 4]! * w11; a2 += data[q + 5]! * w11;
            continue;
          }
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= height) continue;
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= width) continue;
              const wgt = (dx ? fx : 1 - fx) * wy;
              const p = (yy * width + xx) * 3;
              a0 += data[p]! * wgt;
              a1 += data[p + 1]! * wgt;
              a2 += data[p + 2]! * wgt;
            }
          }
        }
      }
      const o = (v * w + u) * 3;
      out[o] = Math.round(a0 * inv);
      out[o + 1] = Math.round(a1 * inv);
      out[o + 2] = Math.round(a2 * inv);
    }
  }
  return out;
}

/**
 * warpAffine for a map without rotation or shear (every landmark crop: regionMap): a sample's x
 * depends on its column only and its y on its row only, so the taps' positions and weights are
 * worked out once a column and once a row instead of once a tap: ~30 % less CPU for a landmark
 * crop (2.9 -> 2.1 ms, docs/speed.md). The same arithmetic in the same order (m1 = m3 = 0 adds only a signed zero), so
 * the patch is the general loop's bit for bit (test/unit/resample.test.ts). The tap code repeats
 * warpAffine's on purpose: one loop with a branch on the map's kind, or the taps in a shared
 * function, ran the landmark crops 25-70 % slower than these two loops (V8 neither hoists the
 * branch nor keeps a shared function's sums in registers; measured).
 */
function warpAxisAligned(
  img: RgbImage,
  m0: number,
  m2: number,
  m4: number,
  m5: number,
  w: number,
  h: number,
  k: number,
  off: Float64Array,
  out: Uint8Array,
): Uint8Array {
  const { data, width, height } = img;
  const inv = 1 / (k * k);
  const row = width * 3;
  const axis = (n: number, m: number, t: number, size: number) => {
    const base = new Int32Array(n * k);
    const f = new Float64Array(n * k);
    const ok = new Uint8Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < k; s++) {
        const c = m * (i + off[s]! - 0.5) + t;
        const c0 = Math.floor(c);
        base[i * k + s] = c0;
        f[i * k + s] = c - c0;
        ok[i * k + s] = c0 >= 0 && c0 + 1 < size ? 1 : 0;
      }
    }
    return { base, f, ok };
  };
  const X = axis(w, m0, m2, width);
  const Y = axis(h, m4, m5, height);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) {
      let a0 = 0, a1 = 0, a2 = 0;
      for (let sy = 0; sy < k; sy++) {
        const yi = v * k + sy;
        const y0 = Y.base[yi]!, fy = Y.f[yi]!, yOk = Y.ok[yi]!;
        for (let sx = 0; sx < k; sx++) {
          const xi = u * k + sx;
          const x0 = X.base[xi]!, fx = X.f[xi]!;
          if (yOk && X.ok[xi]) {
            const gx = 1 - fx, gy = 1 - fy;
            const w00 = gx * gy, w01 = fx * gy, w10 = gx * fy, w11 = fx * fy;
            const p = y0 * row + x0 * 3, q = p + row;
            a0 += data[p]! * w00; a1 += data[p + 1]! * w00; a2 += data[p + 2]! * w00;
            a0 += data[p + 3]! * w01; a1 += data[p + 4]! * w01; a2 += data[p + 5]! * w01;
            a0 += data[q]! * w10; a1 += data[q + 1]! * w10; a2 += data[q + 2]! * w10;
            a0 += data[q + 3]! * w11; a1 += data[q + 4]! * w11; a2 += data[q + 5]! * w11;
            continue;
          }
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= height) continue;
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= width) continue;
              const wgt = (dx ? fx : 1 - fx) * wy;
              const p = (yy * width + xx) * 3;
              a0 += data[p]! * wgt;
              a1 += data[p + 1]! * wgt;
              a2 += data[p + 2]! * wgt;
            }
          }
        }
      }
      const o = (v * w + u) * 3;
      out[o] = Math.round(a0 * inv);
      out[o + 1] = Math.round(a1 * inv);
      out[o + 2] = Math.round(a2 * inv);
    }
  }
  return out;
}

/** Affine map (for warpAffine) that samples the square/rect `region` into a `size` x `size` patch. */
export function regionMap(region: { x: number; y: number; width: number; height: number }, w: number, h: number): number[] {
  const sx = region.width / w;
  const sy = region.height / h;
  return [sx, 0, region.x + 0.5 * sx - 0.5, 0, sy, region.y + 0.5 * sy - 0.5];
}

/** Packed RGB patch (HWC) to planar float32 (CHW) in 0..255, appended at `offset` of `dst`. */
export function hwcToChw(src: Uint8Array, w: number, h: number, dst: Float32Array, offset: number): void {
  const plane = w * h;
  for (let i = 0; i < plane; i++) {
    dst[offset + i] = src[i * 3]!;
    dst[offset + plane + i] = src[i * 3 + 1]!;
    dst[offset + 2 * plane + i] = src[i * 3 + 2]!;
  }
}
