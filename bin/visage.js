#!/usr/bin/env node
'use strict';
// Runs the compiled CLI (built by `npm install` / `npm run build` into dist/).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'app', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('visage: the engine is not built yet; run "npm run build" (npm install does it)\n');
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
