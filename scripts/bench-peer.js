#!/usr/bin/env node
'use strict';
/**
 * The peer in the same run: `npm run bench:peer -- DIR [--workers N] [--peer-max-side PX] [--no-visage] [--no-peer]`
 *
 * Runs the photos of DIR through @vladmandic/face-api (detection with SSD MobileNet v1, 68
 * landmarks and the 128-D descriptor; TensorFlow.js WASM backend; one process per worker, each
 * single-threaded; photos decoded by sharp, longest side capped at --peer-max-side, default 2560
 * as Visage decodes them, 0 = full size), then through Visage's scan (`scripts/bench-scan.js DIR
 * --workers N`, thumbnails and database included), one after the other, and prints both and the
 * ratio of photos/s and faces/s (Visage / peer). Model loading is outside both clocks.
 * Human lines on stderr, one JSON object on stdout. Needs the build (npm run build) and the dev
 * dependencies @vladmandic/face-api, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm.
 *
 * If the WASM backend cannot start under this Node, the peer falls back to tfjs's CPU backend
 * (plain JavaScript, much slower) and says why; PEER_BACKEND=cpu forces that.
 */
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'app');

function parse(argv) {
  const o = { dir: '', workers: Math.min(4, os.availableParallelism()), maxSide: 2560, peer: true, visage: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--workers') o.workers = Number(argv[++i]);
    else if (a === '--peer-max-side') o.maxSide = Number(argv[++i]);
    else if (a === '--no-visage') o.visage = false;
    else if (a === '--no-peer') o.peer = false;
    else if (a.startsWith('--') || o.dir) throw new Error(`unexpected argument ${a}`);
    else o.dir = a;
  }
  if (!o.dir) throw new Error('usage: npm run bench:peer -- DIR [--workers N] [--peer-max-side PX] [--no-visage] [--no-peer]');
  if (!(o.workers >= 1)) throw new Error('--workers must be at least 1');
  return o;
}

/** The photo files Visage's scan would take (its own walker), so both see the same list. */
async function photoFiles(dir) {
  const { walk } = require(path.join(dist, 'library', 'walker.js'));
  const files = [];
  for await (const e of walk([dir])) files.push(e.path);
  return files;
}

async function runPeer(files, o) {
  const env = { ...process.env, PEER_MAX_SIDE: String(o.maxSide) };
  const procs = Array.from({ length: o.workers }, () => fork(path.join(__dirname, 'bench-peer-worker.js'), [], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
  const stderr = procs.map(() => []);
  procs.forEach((p, i) => p.stderr.on('data', (d) => stderr[i].push(d)));
  const ready = await Promise.all(
    procs.map(
      (p, i) =>
        new Promise((resolve, reject) => {
          p.once('exit', (code) => reject(new Error(`peer process exited (${code}) before it was ready: ${Buffer.concat(stderr[i]).toString().slice(-2000)}`)));
          p.on('message', function first(m) {
            if (m.fatal) reject(new Error(`peer process failed: ${m.fatal}`));
            else if (m.ready) {
              p.off('message', first);
              p.removeAllListeners('exit');
              resolve(m);
            }
          });
        }),
    ),
  );
  const info = ready[0].info;
  if (info.fallback) process.stderr.write(`bench:peer: the peer runs on tfjs's ${info.backend} backend: ${info.fallback}\n`);
  let next = 0;
  let faces = 0;
  const errors = [];
  const cpu0 = ready.reduce((a, m) => a + m.cpuUs, 0);
  const t0 = performance.now();
  await Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve, reject) => {
          const give = () => (next < files.length ? p.send({ file: files[next++] }) : resolve());
          p.on('message', (m) => {
            if (m.file === undefined) return;
            if (m.error) errors.push({ file: m.file, error: m.error });
            else faces += m.faces;
            give();
          });
          p.once('exit', (code) => reject(new Error(`peer process exited (${code}) mid-run`)));
          give();
        }),
    ),
  );
  const wallMs = performance.now() - t0;
  const closed = await Promise.all(
    procs.map(
      (p) =>
        new Promise((resolve) => {
          p.removeAllListeners('exit');
          p.on('message', (m) => m.closed && resolve(m));
          p.send({ done: true });
        }),
    ),
  );
  const secs = wallMs / 1000;
  const photos = files.length - errors.length;
  return {
    engine: `@vladmandic/face-api ${info.faceapi} (tfjs ${info.tfjs}, ${info.backend}${info.simd ? ' SIMD' : ''}${info.multithread ? ' threads' : ''}, SSD MobileNet v1 + landmarks 68 + descriptor)`,
    backend: info.backend,
    backendFallback: info.fallback,
    photos,
    faces,
    errors: errors.length,
    errorSamples: errors.slice(0, 3),
    seconds: r2(secs),
    photosPerSec: r2(photos / secs),
    facesPerSec: r2(faces / secs),
    cpuCoresBusy: r2((closed.reduce((a, m) => a + m.cpuUs, 0) - cpu0) / 1e6 / secs),
    // Each process's own high-water mark, added up (an upper bound of the peak of the whole).
    peakRssMB: Math.round(closed.reduce((a, m) => a + m.maxRssKiB, 0) / 1024),
    workers: o.workers,
    maxSide: o.maxSide,
    initSeconds: r2(Math.max(...ready.map((m) => m.initMs)) / 1000),
  };
}

function runVisage(o) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'bench-scan.js'), o.dir, '--workers', String(o.workers)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench:scan exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(e);
      }
    });
  });
}

const r2 = (x) => Math.round(x * 100) / 100;

/**
 * The CPU, as far as this machine tells: the ratio depends on it (on the 12 MP set, 8.8x on one
 * 2-core VM whose CPU was not recorded, 4.2x on an AMD Zen 4 one; docs/speed.md "On another CPU").
 */
function cpuModel() {
  const model = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    const flags = new Set((field('flags') ?? '').split(/\s+/));
    const isa = ['avx2', 'avx512f', 'avx512_vnni'].filter((f) => flags.has(f));
    return `${model}, family ${field('cpu family')} model ${field('model')}, ${isa.join(' ') || 'no AVX2'}`;
  } catch {
    return model; // not Linux
  }
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (!fs.existsSync(o.dir)) throw new Error(`no folder ${o.dir}`);
  const files = await photoFiles(o.dir);
  process.stderr.write(`bench:peer ${files.length} photos in ${o.dir}, ${o.workers} workers each side, ${os.availableParallelism()} cores (${cpuModel()}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  const result = { dir: o.dir, files: files.length, workers: o.workers, cores: os.availableParallelism(), cpu: cpuModel(), loadAverageAtStart: os.loadavg().map(r2) };
  if (o.peer) {
    result.peer = await runPeer(files, o);
    const p = result.peer;
    process.stderr.write(`peer   ${p.engine}: ${p.photos} photos, ${p.faces} faces in ${p.seconds} s: ${p.photosPerSec} photos/s, ${p.facesPerSec} faces/s, ${p.cpuCoresBusy} cores busy, peak RSS ${p.peakRssMB} MB (sum of processes)\n`);
  }
  if (o.visage) {
    const v = await runVisage(o);
    result.visage = v;
    process.stderr.write(`visage ${v.embedder}: ${v.photos} photos, ${v.faces} faces in ${v.seconds} s: ${v.photosPerSec} photos/s, ${v.facesPerSec} faces/s, ${v.cpuCoresBusy} cores busy, peak RSS ${v.peakRssMB} MB\n`);
  }
  if (result.peer && result.visage) {
    // Per CPU-second as well: on a machine other work shares, the side with more threads (Visage's
    // sharp pool) gets more of the CPU, so wall-clock rates flatter it; CPU time does not.
    const perCpu = (x) => x.photos / Math.max(1e-9, x.cpuCoresBusy * x.seconds);
    result.ratio = {
      photosPerSec: r2(result.visage.photosPerSec / result.peer.photosPerSec),
      facesPerSec: r2(result.visage.facesPerSec / result.peer.facesPerSec),
      photosPerCpuSecond: r2(perCpu(result.visage) / perCpu(result.peer)),
    };
    process.stderr.write(
      `ratio  Visage / peer: ${result.ratio.photosPerSec}x photos/s, ${result.ratio.facesPerSec}x faces/s, ` +
        `${result.ratio.photosPerCpuSecond}x photos per CPU-second (${perCpu(result.visage).toFixed(2)} vs ${perCpu(result.peer).toFixed(2)})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:peer: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
