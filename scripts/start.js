#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed; otherwise the same app in the
// browser (visage start: a local server on 127.0.0.1 with a per-launch token).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pathFile = path.join(root, 'node_modules', 'electron', 'path.txt');
const exe = fs.existsSync(pathFile) ? path.join(root, 'node_modules', 'electron', 'dist', fs.readFileSync(pathFile, 'utf8').trim()) : null;

if (!fs.existsSync(path.join(root, 'dist', 'app', 'cli', 'main.js'))) {
  process.stderr.write('visage: not built yet; run "npm install" (or "npm run build")\n');
  process.exit(1);
}

if (exe && fs.existsSync(exe) && !process.argv.includes('--browser')) {
  const child = spawn(exe, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const browserArgs = process.argv.slice(2).filter((a) => a !== '--browser');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'visage.js'), 'start', ...browserArgs], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
