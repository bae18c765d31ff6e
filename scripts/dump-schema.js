#!/usr/bin/env node
// Writes app/store/schema.sql: the schema of a new library as the migrations build it
// (app/store/schema.ts). Run after `npx tsc -p tsconfig.json`; `--check` exits 1 when the file
// differs instead of writing it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { freshSchemaSql } = require(path.join(root, 'dist', 'app', 'store', 'schema.js'));
const file = path.join(root, 'app', 'store', 'schema.sql');
const sql = freshSchemaSql();
if (process.argv.includes('--check')) {
  const same = fs.existsSync(file) && fs.readFileSync(file, 'utf8') === sql;
  if (!same) console.error('app/store/schema.sql differs from the migrations: run node scripts/dump-schema.js');
  process.exit(same ? 0 : 1);
}
fs.writeFileSync(file, sql);
console.log(`wrote ${path.relative(root, file)}`);
