#!/usr/bin/env node
// node scripts/bench-nested-migration.js [--photos N] [--dir DIR]   (after `npm run build`)
// What migration v10 (app/store/nested-faces.ts: parts of close-up faces deleted) costs a big
// library, once: writes a v9 library of N photos with 5 detector faces each, side by side, and on
// every 50th photo a part inside its first face, then opens it with this build and prints the time,
// the faces left and the peak RSS. Benchmarks print figures; nothing here is a test.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dist = path.join(__dirname, '..', 'dist', 'app', 'store', 'database.js');
if (!fs.existsSync(dist)) {
  console.error('dist/app/store/database.js is missing: run `npm run build` first');
  process.exit(2);
}
const { openDatabase } = require(dist);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const photos = Number(arg('--photos', 200000));
if (!Number.isInteger(photos) || photos < 1) {
  console.error('--photos must be a positive integer');
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(arg('--dir', os.tmpdir()), 'visage-bench-v10-'));
const file = path.join(dir, 'visage.db');
try {
  const db = openDatabase(file, { targetVersion: 9 });
  const photo = db.prepare("INSERT INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, 'h', 1, 1, 4000, 3000, '2024-01-01')");
  const face = db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id) VALUES (?, ?, ?, ?, ?, ?, '[]', ?, 'mobilefacenet-192')");
  const e = Buffer.alloc(128, 1);
  let faces = 0, parts = 0;
  db.transaction(() => {
    for (let p = 1; p <= photos; p++) {
      photo.run(p, `/p/${p}.jpg`);
      for (let k = 0; k < 5; k++, faces++) face.run(p, k * 300, 100, 200, 240, 0.9, e);
      if (p % 50 === 0) {
        face.run(p, 60, 190, 80, 60, 0.8, e);
        faces++;
        parts++;
      }
    }
  })();
  db.close();
  const t0 = process.hrtime.bigint();
  const opened = openDatabase(file);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const left = opened.prepare('SELECT COUNT(*) AS n FROM faces').get().n;
  opened.close();
  const out = { photos, faces, parts, left, migrationMs: Math.round(ms), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), loadAvg: os.loadavg()[0] };
  process.stderr.write(`${faces} faces (${parts} parts) on ${photos} photos: opened and migrated in ${(ms / 1000).toFixed(1)} s, ${left} faces left, peak RSS ${out.peakRssMb} MB (load ${out.loadAvg.toFixed(1)})\n`);
  process.stdout.write(`${JSON.stringify({ benchNestedMigration: out })}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
