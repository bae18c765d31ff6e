import fs from 'node:fs';
import path from 'node:path';

/** Visage's version (package.json's), '0.0.0' when it cannot be read. */
export function versionOf(): string {
  try {
    // dist/app/engine/version.js -> the package root
    const v = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
