/**
 * Packaging: builds the unpacked `dir` target with electron-builder against a stand-in Electron
 * (Electron's real binary cannot be downloaded here) and checks the layout of what a user would
 * install: the app in resources/app.asar, the models beside it, every native module unpacked,
 * nothing from tests, datasets or docs inside. Linux only (the stand-in is a Linux Electron
 * layout; the other platforms are built on their own machines, see docs/packaging.md).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as asar from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths';

const onLinux = process.platform === 'linux';

/** What electron-builder needs from an unpacked Electron (linux-x64 zip layout), minus Chromium. */
function standInElectron(dir: string): string {
  const dist = path.join(dir, 'electron-dist');
  fs.mkdirSync(path.join(dist, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(dist, 'locales'), { recursive: true });
  // The executable electron-builder renames to linux.executableName.
  fs.writeFileSync(path.join(dist, 'electron'), '#!/bin/sh\necho "stand-in Electron"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dist, 'version'), '41.7.1');
  fs.writeFileSync(path.join(dist, 'LICENSE'), 'stand-in');
  fs.writeFileSync(path.join(dist, 'locales', 'en-US.pak'), '');
  // No resources/default_app.asar: electron-builder hashes every .asar in resources/ for the
  // integrity fuse, and a fake one is not a valid archive.
  return dist;
}

interface AsarEntry {
  path: string;
  unpacked: boolean;
}

/** Every file in the archive with its `unpacked` flag, from the raw header. */
function asarFiles(archive: string): AsarEntry[] {
  const out: AsarEntry[] = [];
  type Node = { files?: Record<string, Node>; unpacked?: boolean; link?: string };
  const walk = (node: Node, prefix: string) => {
    for (const [name, child] of Object.entries(node.files ?? {})) {
      const p = `${prefix}/${name}`;
      if (child.files) walk(child, p);
      else out.push({ path: p.slice(1), unpacked: child.unpacked === true });
    }
  };
  walk(asar.getRawHeader(archive).header as Node, '');
  return out;
}

function listDir(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listDir(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });
}

describe.runIf(onLinux)('packaged app layout (electron-builder --linux dir, stand-in Electron)', () => {
  let tmp: string;
  let appDir: string;
  let resources: string;
  let files: AsarEntry[];
  let names: Set<string>;

  beforeAll(() => {
    for (const f of ['dist/main/main.js', 'dist/app/engine/process.js', 'models/manifest.json']) {
      if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run "npm run build" and "npm run models" first`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-pkg-'));
    const electronDist = standInElectron(tmp);
    const out = path.join(tmp, 'release');
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'),
        '--linux', 'dir', '--x64',
        '--projectDir', ROOT,
        '--publish', 'never',
        `-c.electronDist=${electronDist}`,
        `-c.directories.output=${out}`,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 110_000,
        // The stand-in cannot give Electron builds of better-sqlite3: a layout-only build.
        env: { ...process.env, ELECTRON_BUILDER_CACHE: path.join(tmp, 'cache'), CI: '1', VISAGE_ALLOW_NODE_ABI: '1' },
      },
    );
    if (r.status !== 0) throw new Error(`electron-builder failed (${r.status ?? r.signal}):\n${`${r.stdout}\n${r.stderr}`.slice(-4000)}`);
    appDir = path.join(out, 'linux-unpacked');
    resources = path.join(appDir, 'resources');
    files = asarFiles(path.join(resources, 'app.asar'));
    names = new Set(files.map((f) => f.path));
  }, 120_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('has the executable and the archive, and did not rebuild native modules offline', () => {
    const exe = path.join(appDir, 'visage');
    expect(fs.existsSync(exe)).toBe(true);
    expect(fs.statSync(exe).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(resources, 'app.asar'))).toBe(true);
    // npmRebuild: false: nothing is recompiled while packaging. better-sqlite3 is the Electron
    // build the postinstall made (node_modules/.visage-electron, swapped in by build/after-pack.js)
    // where there is one, else (here, layout-only) the Node build from node_modules.
    const rel = 'better-sqlite3/build/Release/better_sqlite3.node';
    const electronBuild = path.join(ROOT, 'node_modules', '.visage-electron', rel);
    const expected = fs.existsSync(path.join(ROOT, 'node_modules', '.visage-electron', 'manifest.json')) ? electronBuild : path.join(ROOT, 'node_modules', rel);
    const packaged = fs.readFileSync(path.join(resources, 'app.asar.unpacked', 'node_modules', rel));
    expect(packaged.equals(fs.readFileSync(expected))).toBe(true);
  });

  it('app.asar holds package.json, the main process, the engine and its utility-process entry', () => {
    const pkg = JSON.parse(asar.extractFile(path.join(resources, 'app.asar'), 'package.json').toString('utf8'));
    expect(pkg.name).toBe('visage');
    expect(names.has(pkg.main)).toBe(true);
    for (const f of [
      'dist/main/main.js',
      'dist/app/engine/process.js',
      'dist/app/faces/pipeline.js',
      'dist/app/store/database.js',
      'dist/app/faces/models/paths.js',
    ]) {
      expect(names.has(f), f).toBe(true);
    }
  });

  it('app.asar holds every built file of dist/ (main, engine, renderer), without source maps', () => {
    const built = listDir(path.join(ROOT, 'dist')).filter((f) => !f.endsWith('.map'));
    const missing = built.map((f) => `dist/${f}`).filter((f) => !names.has(f));
    expect(missing).toEqual([]);
    if (fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) expect(names.has('dist/renderer/index.html')).toBe(true);
    expect(files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
  });

  it('the models are in resources/models, byte for byte, and not in the archive', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8')) as { models: { file: string }[] };
    expect(manifest.models.length).toBeGreaterThan(0);
    for (const { file } of manifest.models) {
      const packaged = path.join(resources, 'models', file);
      expect(fs.existsSync(packaged), file).toBe(true);
      expect(fs.statSync(packaged).size).toBe(fs.statSync(path.join(ROOT, 'models', file)).size);
    }
    expect(fs.existsSync(path.join(resources, 'models', 'manifest.json'))).toBe(true);
    expect(files.filter((f) => f.path.startsWith('models/'))).toEqual([]);
  });

  it('every native module is unpacked next to the archive, for this platform and arch only', () => {
    const unpackedDir = path.join(resources, 'app.asar.unpacked');
    const nativeInAsar = files.filter((f) => f.path.endsWith('.node'));
    expect(nativeInAsar.length).toBeGreaterThanOrEqual(4);
    for (const f of nativeInAsar) {
      expect(f.unpacked, f.path).toBe(true);
      expect(fs.existsSync(path.join(unpackedDir, f.path)), f.path).toBe(true);
    }
    const unpacked = listDir(unpackedDir);
    const has = (re: RegExp) => unpacked.some((f) => re.test(f));
    expect(has(/^node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/)).toBe(true);
    expect(has(/^node_modules\/hnswlib-node\/build\/Release\/addon\.node$/)).toBe(true);
    expect(has(/^node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/onnxruntime_binding\.node$/)).toBe(true);
    expect(has(/^node_modules\/onnxruntime-node\/bin\/napi-v6\/linux\/x64\/libonnxruntime\.so/)).toBe(true);
    expect(has(/^node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64.*\.node$/)).toBe(true);
    expect(has(/^node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/)).toBe(true);
    // onnxruntime-node's other platforms' binaries (~230 MB) are left out.
    expect(unpacked.filter((f) => /onnxruntime-node\/bin\/napi-v6\/(?!linux\/x64\/)/.test(f))).toEqual([]);
    expect(files.filter((f) => /onnxruntime-node\/bin\/napi-v6\/(?!linux\/x64\/)/.test(f.path))).toEqual([]);
    // Sources of the native modules are not needed at run time.
    expect(files.filter((f) => /^node_modules\/better-sqlite3\/(deps|src)\//.test(f.path))).toEqual([]);
  });

  it('the engine finds its runtime dependencies in the archive', () => {
    for (const dep of ['better-sqlite3', 'onnxruntime-node', 'onnxruntime-common', 'sharp', 'exifr', 'heic-decode', 'libheif-js', 'hnswlib-node', 'zod', 'bindings']) {
      expect(names.has(`node_modules/${dep}/package.json`), dep).toBe(true);
    }
  });

  it('nothing from tests, datasets, docs, sources, the repo or dev tooling leaks in', () => {
    const leaks = [...names].filter(
      (f) =>
        /^(test|tests|docs|scripts|app|main|renderer|build|release|models|datasets|shared|test-results|\.ci|\.git|bin)\//.test(f) ||
        /^(README\.md|tsconfig\.json|electron-builder\.yml|vitest\.config\.mts|vite\.config\.mts|package-lock\.json)$/.test(f) ||
        /(^|\/)datasets\//.test(f) ||
        /\.(test|spec)\.(js|ts)$/.test(f) ||
        /^dist\/.*\.ts$/.test(f) ||
        /\.(svelte|tsx?)$/.test(f) ||
        /^node_modules\/(electron|electron-builder|app-builder-lib|vitest|vite|typescript|svelte|@playwright|playwright-core|jsdom|face-api\.js|faceplugin-face-recognition-js|@vladmandic|onnxruntime-web|jest|eslint|webpack|@babel)\//.test(f),
    );
    expect(leaks).toEqual([]);
    // The archive stays a reasonable size (the models, ~30 MB, are outside it).
    expect(fs.statSync(path.join(resources, 'app.asar')).size).toBeLessThan(120 * 1024 * 1024);
  });
});

describe('build/after-pack.js (Electron builds of the V8-ABI native modules into the package)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const afterPack = require('../../build/after-pack.js').default as (ctx: unknown) => Promise<void>;

  function fixture(manifest: object | null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-afterpack-'));
    const native = path.join(dir, 'project', 'node_modules', '.visage-electron');
    fs.mkdirSync(path.join(native, 'better-sqlite3', 'build', 'Release'), { recursive: true });
    fs.writeFileSync(path.join(native, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'electron build');
    if (manifest) fs.writeFileSync(path.join(native, 'manifest.json'), JSON.stringify(manifest));
    const release = path.join(dir, 'app', 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release');
    fs.mkdirSync(release, { recursive: true });
    fs.writeFileSync(path.join(release, 'better_sqlite3.node'), 'node build');
    const ctx = {
      appOutDir: path.join(dir, 'app'),
      electronPlatformName: 'linux',
      arch: 1, // x64
      packager: { projectDir: path.join(dir, 'project'), config: { electronVersion: '41.7.1' }, info: {}, getResourcesDir: (d: string) => path.join(d, 'resources') },
    };
    return { ctx, packaged: path.join(release, 'better_sqlite3.node') };
  }
  const good = { electron: '41.7.1', platform: 'linux', arch: 'x64', modules: { 'better-sqlite3': { version: '12.6.2', files: ['build/Release/better_sqlite3.node'] } } };

  it('copies the Electron build over the Node build', async () => {
    const { ctx, packaged } = fixture(good);
    await afterPack(ctx);
    expect(fs.readFileSync(packaged, 'utf8')).toBe('electron build');
  });

  it('fails the package when the Electron build is missing or for another Electron/arch, unless allowed', async () => {
    const saved = process.env.VISAGE_ALLOW_NODE_ABI;
    delete process.env.VISAGE_ALLOW_NODE_ABI;
    try {
      await expect(afterPack(fixture(null).ctx)).rejects.toThrow(/no Electron build of the native modules/);
      await expect(afterPack(fixture({ ...good, electron: '40.0.0' }).ctx)).rejects.toThrow(/for Electron 40\.0\.0/);
      await expect(afterPack(fixture({ ...good, arch: 'arm64' }).ctx)).rejects.toThrow(/linux-arm64/);
      process.env.VISAGE_ALLOW_NODE_ABI = '1';
      const { ctx, packaged } = fixture(null);
      await afterPack(ctx);
      expect(fs.readFileSync(packaged, 'utf8')).toBe('node build');
    } finally {
      if (saved === undefined) delete process.env.VISAGE_ALLOW_NODE_ABI;
      else process.env.VISAGE_ALLOW_NODE_ABI = saved;
    }
  });
});
