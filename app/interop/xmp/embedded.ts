/**
 * XMP embedded in the photo itself (JPEG APP1, TIFF/DNG, HEIC, PNG iTXt, WebP), read with exifr as
 * the raw packet and parsed here. Visage never writes into photos: it writes sidecars.
 */
import exifr from 'exifr';
import { parseRegions, type RegionInfo } from './regions';

/** The raw XMP packet of a photo (file path or bytes), or null when it has none. */
export async function readEmbeddedXmp(photo: string | Buffer): Promise<string | null> {
  try {
    const out = (await exifr.parse(photo, {
      tiff: false,
      ifd0: false,
      exif: false,
      gps: false,
      interop: false,
      ifd1: false,
      iptc: false,
      icc: false,
      jfif: false,
      ihdr: false,
      xmp: { parse: false, multiSegment: true },
      mergeOutput: false,
    } as never)) as { xmp?: string | string[] } | undefined;
    const xmp = out?.xmp;
    if (Array.isArray(xmp)) return xmp.find((x) => x.includes('Regions')) ?? xmp[0] ?? null;
    return typeof xmp === 'string' && xmp.trim() !== '' ? xmp : null;
  } catch {
    return null; // unreadable or unsupported file: no embedded regions
  }
}

/** MWG regions embedded in the photo; null when there are none (or the packet is not valid XML). */
export async function readEmbeddedRegions(photo: string | Buffer): Promise<RegionInfo | null> {
  const xmp = await readEmbeddedXmp(photo);
  if (!xmp) return null;
  try {
    return parseRegions(xmp);
  } catch {
    return null;
  }
}
