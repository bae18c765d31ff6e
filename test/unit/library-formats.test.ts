/** Extension filter, content sniffing, truncation checks, HEIC decoding and EXIF metadata. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatFromExtension, hasPhotoExtension, sniffFormat } from '../../app/library/formats';
import { decodeHeic, heicToPng } from '../../app/library/heic';
import { jpegIntegrity, pngIntegrity, webpIntegrity } from '../../app/library/integrity';
import { normaliseExifDate, readPhotoMetadata } from '../../app/library/photo-metadata';
import { HEIC_B64 } from '../integration/scan-helpers';

const img = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a6' } });

describe('formats', () => {
  it('filters by extension, case-insensitively', () => {
    for (const f of ['a.jpg', 'b.JPEG', 'c.png', 'd.webp', 'e.avif', 'f.tif', 'g.TIFF', 'h.gif', 'i.HEIC', 'j.heif']) expect(hasPhotoExtension(f)).toBe(true);
    for (const f of ['a.txt', 'b.mp4', 'c.jpg.part', 'noext', 'd.raw', '.jpg/']) expect(hasPhotoExtension(f)).toBe(false);
    expect(formatFromExtension('x.HEIF')).toBe('heic');
  });

  it('sniffs the real format from the bytes', async () => {
    expect(sniffFormat(await img().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await img().png().toBuffer())).toBe('png');
    expect(sniffFormat(await img().webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await img().gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await img().tiff().toBuffer())).toBe('tiff');
    expect(sniffFormat(await img().avif({ effort: 0 }).toBuffer())).toBe('avif');
    expect(sniffFormat(Buffer.from(HEIC_B64, 'base64'))).toBe('heic');
    expect(sniffFormat(Buffer.from('%PDF-1.4'))).toBeNull();
    expect(sniffFormat(Buffer.alloc(0))).toBeNull();
    expect(sniffFormat(Buffer.from([0, 0, 0, 20, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]))).toBeNull(); // mp4
  });

  it('tells whole, truncated and damaged files apart', async () => {
    const jpg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123' } }).jpeg({ progressive: true }).toBuffer();
    expect(jpegIntegrity(jpg)).toBe('ok');
    expect(jpegIntegrity(Buffer.concat([jpg, Buffer.from('trailing video')]))).toBe('ok');
    expect(jpegIntegrity(jpg.subarray(0, jpg.length - 2))).toBe('truncated');
    expect(jpegIntegrity(jpg.subarray(0, 30))).toBe('truncated');
    expect(jpegIntegrity(Buffer.concat([jpg.subarray(0, 2), Buffer.alloc(50, 1)]))).toBe('corrupt');
    const png = await img().png().toBuffer();
    expect(pngIntegrity(png)).toBe('ok');
    expect(pngIntegrity(png.subarray(0, png.length - 5))).toBe('truncated');
    const webp = await img().webp().toBuffer();
    expect(webpIntegrity(webp)).toBe('ok');
    expect(webpIntegrity(webp.subarray(0, webp.length - 1))).toBe('truncated');
  });
});

describe('HEIC', () => {
  it('sharp alone cannot decode HEVC HEIC (why heic-decode is needed)', async () => {
    await expect(sharp(Buffer.from(HEIC_B64, 'base64')).raw().toBuffer()).rejects.toThrow();
  });

  it('decodes HEVC HEIC to pixels and to a PNG sharp reads', async () => {
    const { width, height, rgba } = await decodeHeic(Buffer.from(HEIC_B64, 'base64'));
    expect([width, height, rgba.length]).toEqual([96, 64, 96 * 64 * 4]);
    // The fixture is a gradient: red grows with x, green with y.
    const px = (x: number, y: number) => [rgba[(y * 96 + x) * 4]!, rgba[(y * 96 + x) * 4 + 1]!];
    expect(px(90, 10)[0]).toBeGreaterThan(px(5, 10)[0]! + 100);
    expect(px(10, 60)[1]).toBeGreaterThan(px(10, 5)[1]! + 100);
    const meta = await sharp(await heicToPng(Buffer.from(HEIC_B64, 'base64'))).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 96, 64]);
  });

  it('fails cleanly on a damaged HEIC', async () => {
    const bad = Buffer.from(HEIC_B64, 'base64').subarray(0, 200);
    await expect(decodeHeic(bad)).rejects.toMatchObject({ code: 'decode-failed' });
  });
});

describe('photo metadata', () => {
  it('reads date taken, camera and GPS from EXIF', async () => {
    const jpg = await img()
      .jpeg()
      .withExif({
        IFD0: { Make: 'Canon', Model: 'EOS 5D' },
        IFD2: { DateTimeOriginal: '2021:06:01 10:11:12', OffsetTimeOriginal: '+02:00' },
        IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 52/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '151/1 12/1 36/1' },
      })
      .toBuffer();
    const m = await readPhotoMetadata(jpg);
    expect(m).toMatchObject({ cameraMake: 'Canon', cameraModel: 'EOS 5D', takenAt: '2021-06-01T10:11:12+02:00' });
    expect(m.gpsLat).toBeCloseTo(-33.8667, 3);
    expect(m.gpsLon).toBeCloseTo(151.21, 2);
  });

  it('returns nulls, never throws, without or with broken metadata', async () => {
    expect(await readPhotoMetadata(await img().png().toBuffer())).toMatchObject({ takenAt: null, gpsLat: null, cameraMake: null });
    expect(await readPhotoMetadata(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10, 0x45, 0x78, 0x69, 0x66, 0, 0, 1, 2, 3]))).toMatchObject({ takenAt: null });
    expect(normaliseExifDate('0000:00:00 00:00:00')).toBeNull();
    expect(normaliseExifDate('2016-09-04T23:58:54.104481')).toBe('2016-09-04T23:58:54');
  });
});
