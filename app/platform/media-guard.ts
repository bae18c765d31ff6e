/**
 * The one rule for serving files to the UI: a file is served only when its real path (symlinks
 * resolved) lies inside one of the allowed roots (the library folders and the thumbnail cache),
 * and only from the fixed URL shapes below. Used by the browser-mode HTTP server and by the
 * Electron `visage://` protocol handler.
 */
import fs from 'node:fs';
import path from 'node:path';

export type MediaKind = 'face' | 'thumb' | 'photo';

/** `/media/<kind>/<id>` (optionally `.jpg`): nothing else is a media URL. */
const MEDIA_PATH = /^\/media\/(face|thumb|photo)\/([1-9][0-9]{0,14})(?:\.jpg)?$/;

export function parseMediaPath(pathname: string): { kind: MediaKind; id: number } | null {
  const m = MEDIA_PATH.exec(pathname);
  if (!m) return null;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return null;
  return { kind: m[1] as MediaKind, id };
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return null;
  }
}

export function isInside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel);
}

/**
 * The real path of `file` when it is a regular file inside one of `roots` (compared after both
 * are resolved through symlinks), else null.
 */
export function resolveInside(file: string, roots: readonly string[]): string | null {
  if (typeof file !== 'string' || file.includes('\0') || !path.isAbsolute(file)) return null;
  const real = realOrNull(file);
  if (!real) return null;
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  for (const r of roots) {
    if (!path.isAbsolute(r)) continue;
    const realRoot = realOrNull(r);
    if (realRoot && isInside(realRoot, real)) return real;
  }
  return null;
}

/** Static files of the built renderer: `/assets/x.js` etc., never outside `dir`. */
export function resolveStatic(dir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  if (rel.split('/').some((seg) => seg === '..' || seg === '.')) return null;
  return resolveInside(path.join(dir, rel), [dir]);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The Content-Security-Policy of every UI page (Electron and browser mode). */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
