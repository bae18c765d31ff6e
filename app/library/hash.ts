/** Content identity of a photo file: sha1 of its bytes (hex). Used to notice moves and copies. */
import crypto from 'node:crypto';

export function sha1(buf: Uint8Array): string {
  return crypto.createHash('sha1').update(buf).digest('hex');
}
