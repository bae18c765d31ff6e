/**
 * Date taken, camera and GPS from EXIF/XMP (exifr). Never throws: a photo with broken metadata
 * is still a photo.
 */
import exifr from 'exifr';

export interface PhotoMetadata {
  /** Local time as written by the camera, ISO-like ("2016-09-04T23:58:54"), with offset when known. */
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  gpsLat: number | null;
  gpsLon: number | null;
  orientation: number | null;
}

const EMPTY: PhotoMetadata = { takenAt: null, cameraMake: null, cameraModel: null, gpsLat: null, gpsLon: null, orientation: null };

type Raw = Record<string, unknown>;

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.replace(/\0+$/, '').trim();
  return t.length > 0 ? t.slice(0, 200) : null;
}

/** "2016:09:04 23:58:54" (EXIF) or "2016-09-04T23:58:54.104" (XMP) -> "2016-09-04T23:58:54". */
export function normaliseExifDate(v: unknown, offset?: unknown): string | null {
  const s = text(v);
  if (!s) return null;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s);
  if (!m || m[1] === '0000') return null;
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  const off = text(offset) ?? /([+-]\d{2}:\d{2}|Z)$/.exec(s)?.[1] ?? null;
  return off && /^([+-]\d{2}:\d{2}|Z)$/.test(off) ? base + off : base;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export async function readPhotoMetadata(input: Buffer): Promise<PhotoMetadata> {
  let raw: Raw | undefined;
  try {
    raw = (await exifr.parse(input, {
      tiff: true,
      exif: true,
      gps: true,
      xmp: true,
      ifd1: false,
      interop: false,
      icc: false,
      iptc: false,
      reviveValues: false,
      translateValues: false,
      translateKeys: true,
      mergeOutput: true,
    })) as Raw | undefined;
  } catch {
    return { ...EMPTY };
  }
  if (!raw) return { ...EMPTY };
  const takenAt =
    normaliseExifDate(raw.DateTimeOriginal, raw.OffsetTimeOriginal) ??
    normaliseExifDate(raw.CreateDate, raw.OffsetTimeDigitized) ??
    normaliseExifDate(raw.DateCreated) ??
    null;
  let gpsLat = finite(raw.latitude);
  let gpsLon = finite(raw.longitude);
  if (gpsLat === null || gpsLon === null || Math.abs(gpsLat) > 90 || Math.abs(gpsLon) > 180 || (gpsLat === 0 && gpsLon === 0)) {
    gpsLat = null;
    gpsLon = null;
  }
  const orientation = finite(raw.Orientation);
  return {
    takenAt,
    cameraMake: text(raw.Make),
    cameraModel: text(raw.Model),
    gpsLat,
    gpsLon,
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
  };
}
