/**
 * HEIC/HEIF (iPhone photos). sharp's prebuilt libvips reads HEIF containers but carries no HEVC
 * decoder (it decodes AVIF only), so HEVC images are decoded with heic-decode (libheif compiled
 * to WebAssembly) and handed on as a lossless PNG the engine and thumbnails can read.
 */
import sharp from 'sharp';

interface HeicImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

type HeicDecode = (input: { buffer: Uint8Array }) => Promise<HeicImage>;

let decoder: HeicDecode | undefined;

function loadDecoder(): HeicDecode {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  decoder ??= require('heic-decode') as HeicDecode;
  return decoder;
}

export class HeicError extends Error {
  readonly code = 'decode-failed';
}

/**
 * libheif-js reports decode problems with console.log, i.e. on stdout, where the CLI's results go.
 * While a decode runs, console.log is sent to stderr instead (the CLI itself never uses console.log).
 */
let redirects = 0;
let savedLog: typeof console.log | undefined;
async function withStdoutGuard<T>(fn: () => Promise<T>): Promise<T> {
  if (redirects++ === 0) {
    savedLog = console.log;
    console.log = (...args: unknown[]) => console.error(...args);
  }
  try {
    return await fn();
  } finally {
    if (--redirects === 0 && savedLog) console.log = savedLog;
  }
}

/** Decode the primary image of a HEIC/HEIF file (orientation transforms applied by libheif). */
export async function decodeHeic(buf: Buffer): Promise<{ width: number; height: number; rgba: Buffer }> {
  let img: HeicImage;
  try {
    img = await withStdoutGuard(() => loadDecoder()({ buffer: new Uint8Array(buf.buffer, buf.byteOffset, buf.length) }));
  } catch (e) {
    throw new HeicError(`HEIC decode failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!img.width || !img.height || img.data.length !== img.width * img.height * 4) {
    throw new HeicError('HEIC decode produced no image');
  }
  return { width: img.width, height: img.height, rgba: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length) };
}

/** HEIC bytes -> PNG bytes (uncompressed deflate: fast; the buffer lives only for one photo). */
export async function heicToPng(buf: Buffer): Promise<Buffer> {
  const { width, height, rgba } = await decodeHeic(buf);
  return sharp(rgba, { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .png({ compressionLevel: 0 })
    .toBuffer();
}
