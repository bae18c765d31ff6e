/**
 * Before a photo reaches the engine: is it an image at all, is it whole, is it a decompression
 * bomb? Each answer is a recorded error code, so a bad file costs a few milliseconds, not a decode.
 */
import sharp from 'sharp';
import { formatFromExtension, sniffFormat, SNIFF_BYTES, type PhotoFormat } from './formats';
import { integrityOf } from './integrity';

/** Codes recorded in the errors table (besides the engine's own, e.g. 'decode-failed'). */
export type ScanErrorCode =
  | 'empty-file'
  | 'too-large'
  | 'not-an-image'
  | 'truncated'
  | 'corrupt'
  | 'decode-failed'
  | 'unreadable'
  | 'vanished'
  | 'not-a-file'
  | 'permission-denied'
  | 'symlink-loop'
  | 'dangling-symlink'
  | 'unreadable-dir'
  | 'crashed'
  | 'internal';

export class ScanFileError extends Error {
  constructor(
    readonly code: ScanErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ScanFileError';
  }
}

/** Same limit as the engine's decoder: 250 megapixels. */
export const MAX_PIXELS = 250_000_000;

export interface Inspection {
  format: PhotoFormat;
  /** Declared size from the header (not oriented). */
  width: number;
  height: number;
  /** The extension names another format (the bytes win). */
  extensionMismatch: boolean;
}

export async function inspectBytes(file: string, buf: Buffer, maxPixels = MAX_PIXELS): Promise<Inspection> {
  if (buf.length === 0) throw new ScanFileError('empty-file', 'file is empty (0 bytes)');
  const format = sniffFormat(buf.subarray(0, SNIFF_BYTES));
  if (!format) throw new ScanFileError('not-an-image', 'contents are not a JPEG, PNG, WebP, AVIF, TIFF, GIF or HEIC image');
  const integrity = integrityOf(format, buf);
  if (integrity === 'truncated') throw new ScanFileError('truncated', `${format} file is cut off (incomplete structure)`);
  if (integrity === 'corrupt') throw new ScanFileError('corrupt', `${format} file structure is damaged`);
  let width: number | undefined;
  let height: number | undefined;
  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    width = meta.width;
    height = meta.height;
  } catch (e) {
    throw new ScanFileError('decode-failed', `cannot read ${format} header: ${firstLine(e)}`);
  }
  if (!width || !height) throw new ScanFileError('decode-failed', `${format} header has no dimensions`);
  if (width * height > maxPixels) {
    throw new ScanFileError('too-large', `${width}x${height} pixels exceeds the ${Math.round(maxPixels / 1e6)} MP limit (decompression bomb?)`);
  }
  const byExt = formatFromExtension(file);
  return { format, width, height, extensionMismatch: byExt !== null && byExt !== format };
}

/** Decoder messages can run to dozens of lines; the first says what went wrong. */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}
