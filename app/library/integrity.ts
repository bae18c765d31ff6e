/**
 * Cheap structural checks that catch truncated files before decoding: decoders often "succeed" on
 * a cut-off JPEG by painting the missing part grey. Trailing data after the image (motion-photo
 * video, maker trailers) is fine: only the image's own structure is followed.
 */
import type { PhotoFormat } from './formats';

export type Integrity = 'ok' | 'truncated' | 'corrupt';

/** Follows JPEG markers (and the entropy-coded data after each SOS) to the EOI marker. */
export function jpegIntegrity(b: Buffer): Integrity {
  const len = b.length;
  let i = 2;
  while (i + 1 < len) {
    if (b[i] !== 0xff) return 'corrupt';
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd9) return 'ok';
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (i + 3 >= len) return 'truncated';
    const segLen = b.readUInt16BE(i + 2);
    if (segLen < 2) return 'corrupt';
    if (i + 2 + segLen > len) return 'truncated';
    i += 2 + segLen;
    if (marker !== 0xda) continue;
    // Entropy-coded data: runs until an 0xFF that is not stuffing (FF 00) nor a restart marker.
    for (;;) {
      const j = b.indexOf(0xff, i);
      if (j < 0 || j + 1 >= len) return 'truncated';
      const next = b[j + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) {
        i = j + 1;
        continue;
      }
      i = j;
      break;
    }
  }
  return 'truncated';
}

/** Walks PNG chunks to IEND. */
export function pngIntegrity(b: Buffer): Integrity {
  let i = 8;
  while (i + 12 <= b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) return 'corrupt';
    if (i + 12 + len > b.length) return 'truncated';
    if (type === 'IEND') return 'ok';
    i += 12 + len;
  }
  return 'truncated';
}

/** WebP: the RIFF header states the file size. */
export function webpIntegrity(b: Buffer): Integrity {
  return b.length >= 12 && b.readUInt32LE(4) + 8 <= b.length ? 'ok' : 'truncated';
}

export function integrityOf(format: PhotoFormat, b: Buffer): Integrity {
  switch (format) {
    case 'jpeg':
      return jpegIntegrity(b);
    case 'png':
      return pngIntegrity(b);
    case 'webp':
      return webpIntegrity(b);
    default:
      return 'ok'; // left to the decoder
  }
}
