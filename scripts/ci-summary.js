#!/usr/bin/env node
// Prints the one-line summary CI reads ("N passed, N failed[, N skipped]") from vitest's JSON report.
'use strict';
const fs = require('node:fs');
const file = process.argv[2] || 'test-results/vitest.json';
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed');
  console.error(`ci-summary: no test report at ${file}`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const passed = r.numPassedTests ?? 0;
const failed = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0 ? 0 : 0);
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
const suitesFailed = r.numFailedTestSuites ?? 0;
console.log(`${passed} passed, ${failed + (failed === 0 && suitesFailed > 0 ? suitesFailed : 0)} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed || suitesFailed ? 1 : 0);
