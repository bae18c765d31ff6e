/**
 * Which files are photos: by extension first (cheap, during the walk), then by content sniffing
 * (the first bytes decide the format; the extension may lie).
 */
import path from 'node:path';

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'tiff' | 'gif' | 'heic';

const EXTENSIONS: Record<string, PhotoFormat> = {
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.png': 'png',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.gif': 'gif',
  '.heic': 'heic',
  '.heif': 'heic',
};

export const PHOTO_EXTENSIONS: readonly string[] = Object.keys(EXTENSIONS);

/** Format implied by the file name, or null when it is not a photo extension (case-insensitive). */
export function formatFromExtension(file: string): PhotoFormat | null {
  return EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

export function hasPhotoExtension(file: string): boolean {
  return formatFromExtension(file) !== null;
}

/** How many leading bytes `sniffFormat` needs at most. */
export const SNIFF_BYTES = 64;

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'mif2']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** Format from the file's first bytes, or null when they are no image format Visage reads. */
export function sniffFormat(head: Uint8Array): PhotoFormat | null {
  const b = head;
  const ascii = (from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('latin1');
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 4) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a))) return 'tiff';
  if (b.length >= 12 && ascii(4, 8) === 'ftyp') {
    const boxSize = Math.min(((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0, b.length);
    const brands = [ascii(8, 12)];
    for (let o = 16; o + 4 <= boxSize; o += 4) brands.push(ascii(o, o + 4));
    if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
    if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
  }
  return null;
}
