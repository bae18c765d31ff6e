#!/usr/bin/env node
'use strict';
/**
 * Scan benchmark: `npm run bench:scan -- DIR [--workers N] [--concurrency N] [--threads N] [--limit N] [--no-thumbnails]`
 * --workers N: analyse photos in N worker threads (one engine each; 0 = in the main thread).
 * Scans DIR into a fresh temporary database with the real face engine and prints photos/s,
 * faces/s and peak RSS (human line on stderr, one JSON object on stdout). --limit N scans only the
 * first N photo files (a temp folder of symlinks), for big sets such as the LFW dev images.
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
  const o = { dirs: [], concurrency: 0, threads: 1, limit: 0, thumbnails: true, workers: Math.min(4, os.availableParallelism()) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--limit') o.limit = Number(argv[++i]);
    else if (a === '--no-thumbnails') o.thumbnails = false;
    else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else o.dirs.push(a);
  }
  if (o.dirs.length === 0) throw new Error('usage: npm run bench:scan -- DIR... [--workers N] [--concurrency N] [--threads N] [--limit N] [--no-thumbnails]');
  if (!o.concurrency) o.concurrency = Math.max(2, 2 * o.workers);
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
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
  const analyzer = o.workers > 0 ? await createWorkerAnalyzer({ threads: o.threads, workers: o.workers }) : await createPipelineAnalyzer({ threads: o.threads });
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
  const t0 = Date.now();
  const s = await scanner.scan(roots);
  const secs = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
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
    embedder: analyzer.embedderId,
  };
  await analyzer.close();
  store.close();
  fs.rmSync(work, { recursive: true, force: true });
  process.stderr.write(
    `bench:scan ${result.photos} photos, ${result.faces} faces in ${result.seconds} s: ` +
      `${result.photosPerSec} photos/s, ${result.facesPerSec} faces/s, peak RSS ${result.peakRssMB} MB, ${result.cpuCoresBusy} cores busy\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:scan: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
