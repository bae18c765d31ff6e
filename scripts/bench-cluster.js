#!/usr/bin/env node
// npm run bench:cluster -- --faces 100000   (thin wrapper; the logic is app/people/bench.ts)
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'app', 'people', 'bench.js');
if (!fs.existsSync(compiled)) {
  console.error('dist/app/people/bench.js is missing: run `npm run build` first');
  process.exit(2);
}
require(compiled).benchMain(process.argv.slice(2));
