#!/usr/bin/env node
'use strict';
/**
 * Scan benchmark: `npm run bench:scan -- DIR [--workers N] [--concurrency N] [--threads N] [--limit N] [--no-thumbnails] [--cpu-clock] [--tile-mode all|guided] [--landmark-passes always|auto|never] [--model ID]`
 * --workers N: analyse photos in N worker threads (one engine each; 0 = in the main thread).
 * Scans DIR into a fresh temporary database with the real face engine and prints photos/s,
 * faces/s, CPU cores busy (process CPU time, every thread, / wall time), peak RSS and where the
 * time went per stage (app/library/scan-timings.ts): a table and a human line on stderr, one JSON
 * object on stdout (`stages`: ms in all, per photo, per face). --limit N scans only the
 * first N photo files (a temp folder of symlinks), for big sets such as the LFW dev images.
 * --cpu-clock: the stage figures in CPU ms instead of wall ms, so that they hold on a loaded
 * machine: one photo at a time in this thread (workers 0, concurrency 1, one ONNX thread, one
 * sharp thread), and the stages' clock (performance.now) reads the process's CPU time, which then
 * is the stage's own (nothing else runs meanwhile). Photos/s are then those of one core.
 * Needs the build (npm run build).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'app');
const { Store } = require(path.join(dist, 'store', 'store.js'));
const { Scanner } = require(path.join(dist, 'library', 'scanner.js'));
const { ThumbnailCache } = require(path.join(dist, 'library', 'thumbnails.js'));
const { createPipelineAnalyzer } = require(path.join(dist, 'library', 'pipeline-analyzer.js'));
const { createWorkerAnalyzer } = require(path.join(dist, 'library', 'analyzer-pool.js'));
const { walk } = require(path.join(dist, 'library', 'walker.js'));

function parse(argv) {
  const o = { dirs: [], concurrency: 0, threads: 1, limit: 0, thumbnails: true, workers: Math.min(4, os.availableParallelism()), engine: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--limit') o.limit = Number(argv[++i]);
    else if (a === '--no-thumbnails') o.thumbnails = false;
    else if (a === '--cpu-clock') o.cpuClock = true;
    else if (a === '--tile-mode') o.engine.tileMode = argv[++i];
    else if (a === '--landmark-passes') o.engine.landmarkPasses = argv[++i];
    else if (a === '--model') o.engine.embedder = argv[++i];
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else o.dirs.push(a);
  }
  if (o.dirs.length === 0) throw new Error('usage: npm run bench:scan -- DIR... [--workers N] [--concurrency N] [--threads N] [--limit N] [--no-thumbnails]');
  if (o.cpuClock) Object.assign(o, { workers: 0, concurrency: 1, threads: 1 });
  if (!o.concurrency) o.concurrency = Math.max(2, 2 * o.workers);
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.cpuClock) useCpuClock();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-bench-'));
  let roots = o.dirs;
  if (o.limit > 0) {
    const sub = path.join(work, 'subset');
    fs.mkdirSync(sub);
    let n = 0;
    for await (const e of walk(o.dirs)) {
      fs.symlinkSync(path.resolve(e.path), path.join(sub, `${String(n).padStart(6, '0')}-${path.basename(e.path)}`));
      if (++n >= o.limit) break;
    }
    roots = [sub];
  }
  const db = path.join(work, 'bench.db');
  const store = Store.open(db);
  const analyzer = o.workers > 0 ? await createWorkerAnalyzer({ ...o.engine, threads: o.threads, workers: o.workers }) : await createPipelineAnalyzer({ ...o.engine, threads: o.threads });
  const scanner = new Scanner({
    store,
    analyzer,
    concurrency: o.concurrency,
    thumbnails: o.thumbnails ? new ThumbnailCache(path.join(work, 'thumbs')) : null,
  });
  let peakRss = process.memoryUsage().rss;
  const rssSamples = [];
  const timer = setInterval(() => {
    const r = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, r);
    rssSamples.push(r);
  }, 100);
  const cpu0 = process.cpuUsage();
  const t0Perf = wallNow();
  const t0 = Date.now();
  const s = await scanner.scan(roots);
  const secs = (Date.now() - t0) / 1000;
  const wallMs = wallNow() - t0Perf;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  // maxRSS: the kernel's high-water mark for the process (KiB), so no peak between samples is missed.
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const stages = stageTable(scanner.clock.snapshot(), wallMs, s.indexed, s.faces);
  const mid = rssSamples.length ? rssSamples[Math.floor(rssSamples.length / 2)] : peakRss;
  const result = {
    dirs: o.dirs,
    photos: s.indexed,
    faces: s.faces,
    errors: s.errors,
    seconds: Math.round(secs * 100) / 100,
    photosPerSec: Math.round((s.indexed / secs) * 100) / 100,
    facesPerSec: Math.round((s.faces / secs) * 100) / 100,
    peakRssMB: Math.round(peakRss / 2 ** 20),
    midRssMB: Math.round(mid / 2 ** 20),
    cpuCoresBusy: Math.round(((cpu.user + cpu.system) / 1e6 / secs) * 100) / 100,
    concurrency: o.concurrency,
    threads: o.threads,
    workers: o.workers,
    thumbnails: o.thumbnails,
    stageClock: o.cpuClock ? 'cpu' : 'wall',
    embedder: analyzer.embedderId,
    stages,
  };
  await analyzer.close();
  store.close();
  fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(
    `bench:scan ${result.photos} photos, ${result.faces} faces in ${result.seconds} s: ` +
      `${result.photosPerSec} photos/s, ${result.facesPerSec} faces/s, peak RSS ${result.peakRssMB} MB, ${result.cpuCoresBusy} cores busy\n`,
  );
  process.stderr.write(formatStages(stages, result));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const realNow = performance.now.bind(performance);
const wallNow = () => realNow();

/** --cpu-clock: every stage timer (performance.now) reads this process's CPU time in ms. */
function useCpuClock() {
  require('sharp').concurrency(1);
  performance.now = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
}

/**
 * Rows of the per-stage breakdown: [key, label, ms in all]. The face stages are wall time on the
 * analyzer's threads (summed over photos, so with N workers they add up to about N x the scan's
 * wall time); the scanner's stages run on the main thread and in sharp's/libuv's pool.
 */
function stageRows(c) {
  const f = c.faces;
  const sc = c.scan;
  return [
    ['read', 'read file', sc.read],
    ['hash', 'hash (SHA-1)', sc.hash],
    ['inspect', 'inspect (format, size)', sc.inspect],
    ['exif', 'EXIF', sc.exif],
    ['heic', 'HEIC to PNG', sc.heic],
    ['decode', 'decode (sharp, in worker)', f.decode],
    ['detectWhole', 'detect: whole image', f.detectWhole],
    ['detectTiles', 'detect: tiles', f.detectTiles],
    ['landmarks1', 'landmarks: pass 1', f.landmarks1],
    ['landmarks2', 'landmarks: pass 2', f.landmarks2],
    ['align', 'align', f.align],
    ['embedOwn', 'embed: the face', f.embed - f.embedMirror],
    ['embedMirror', 'embed: its mirror', f.embedMirror],
    ['quality', 'quality', f.quality],
    ['thumbnails', 'thumbnails', sc.thumbnails],
    ['database', 'database', sc.database],
  ];
}

function stageTable(clock, wallMs, photos, faces) {
  const rows = stageRows(clock);
  const sum = rows.reduce((a, r) => a + r[2], 0);
  const r1 = (x) => Math.round(x * 10) / 10;
  const out = {};
  for (const [key, label, ms] of rows) {
    out[key] = { label, ms: Math.round(ms), msPerPhoto: r1(ms / Math.max(1, photos)), msPerFace: r1(ms / Math.max(1, faces)), share: Math.round((ms / Math.max(1e-9, sum)) * 1000) / 10 };
  }
  // Not a stage of its own: the scanner's wait for the analyzer (queue and transfer included),
  // and the sum of the stages, to set against the scan's wall time x threads at work.
  out.analyzeWait = { label: 'scanner waits for the analyzer', ms: Math.round(clock.scan.analyze), msPerPhoto: r1(clock.scan.analyze / Math.max(1, photos)), msPerFace: r1(clock.scan.analyze / Math.max(1, faces)) };
  out.total = { label: 'sum of the stages', ms: Math.round(sum), msPerPhoto: r1(sum / Math.max(1, photos)), msPerFace: r1(sum / Math.max(1, faces)), share: 100 };
  out.wall = { label: 'scan wall time', ms: Math.round(wallMs), msPerPhoto: r1(wallMs / Math.max(1, photos)), msPerFace: r1(wallMs / Math.max(1, faces)) };
  return out;
}

function formatStages(stages, r) {
  const pad = (x, n) => String(x).padStart(n);
  const lines = [`${`stage (${r.stageClock} ms)`.padEnd(33)}ms/photo   ms/face   share   (${r.photos} photos, ${r.faces} faces, ${r.workers} workers, ${r.cpuCoresBusy} cores busy, peak RSS ${r.peakRssMB} MB)`];
  for (const [key, v] of Object.entries(stages)) {
    if (key === 'total') lines.push('-'.repeat(64));
    lines.push(`${v.label.padEnd(32)} ${pad(v.msPerPhoto.toFixed(1), 8)} ${pad(v.msPerFace.toFixed(1), 9)} ${v.share === undefined ? '        ' : pad(`${v.share.toFixed(1)}%`, 7)}`);
  }
  return `${lines.join('\n')}\n`;
}

main().catch((e) => {
  process.stderr.write(`bench:scan: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
