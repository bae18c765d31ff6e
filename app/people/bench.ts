/**
 * Clustering benchmark on synthetic 128-byte embeddings (see synthetic.ts for their shape).
 *
 * For N faces (+ held-out faces of the same identities):
 * - full re-cluster of the N faces (kNN graph with HNSW, constrained HAC, attach), timed, with
 *   BCubed/pairwise scores against the synthetic identities; skipped above 200k faces unless
 *   asked (at 1M the library is hydrated from its stored clustering instead, as the app does at
 *   start-up: the synthetic identities stand in for the stored people);
 * - latency to decide one new face (prototype ANN search + constraints) and to index one new face
 *   (addFaces([face]): decide, update the person or the pool, prototypes, pool clustering);
 * - peak RSS (getrusage maxrss) and the largest heap/array-buffer use seen between phases.
 */
import { clusterMetrics } from './metrics';
import { PeopleIndex } from './people-index';
import { recluster } from './recluster';
import { synthesize } from './synthetic';
import type { FaceColumns, FaceId, PersonId } from './types';
import { DIM } from './vector';

export interface BenchOptions {
  faces: number;
  samples?: number;
  seed?: number;
  /** Run the full re-cluster (default: faces <= 200k). */
  recluster?: boolean;
  model?: string;
  log?: (line: string) => void;
}

export interface BenchResult {
  faces: number;
  identities: number;
  model: string;
  reclusterSeconds: number | null;
  reclusterTimings: Record<string, number> | null;
  quality: ReturnType<typeof clusterMetrics> | null;
  hydrateSeconds: number | null;
  /** Building the pool index and seed graph, which load() defers to first use (hydrated runs). */
  poolBuildSeconds: number | null;
  people: number;
  poolFaces: number;
  decideMs: { p50: number; p99: number; mean: number };
  addFaceMs: { p50: number; p99: number; mean: number };
  peakRssMB: number;
  peakHeapMB: number;
  peakArrayBuffersMB: number;
  indexBytesMB: number;
}

/**
 * The synthetic faces are shaped like dlib's vectors (synthetic.ts: cosines ~0.95 within a person,
 * ~0.80 between people), so they are clustered with dlib's thresholds whatever the default model:
 * the benchmark's figures stay comparable with earlier runs (docs/clustering.md).
 */
const SYNTHETIC_MODEL = 'dlib-resnet-v1';

const pct = (a: number[], p: number) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const stats = (a: number[]) => ({ p50: pct(a, 0.5), p99: pct(a, 0.99), mean: a.reduce((x, y) => x + y, 0) / a.length });

export function runBench(o: BenchOptions): BenchResult {
  const log = o.log ?? ((l: string) => console.log(l));
  const N = o.faces, S = o.samples ?? 1000, model = o.model ?? SYNTHETIC_MODEL;
  let peakHeap = 0, peakAb = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakAb = Math.max(peakAb, m.arrayBuffers);
  };
  const t0 = performance.now();
  const all = synthesize({ faces: N + S, identities: Math.ceil(N / 40), seed: o.seed ?? 1 });
  const base: FaceColumns = { ...all, n: N, embeddings: all.embeddings.subarray(0, N * DIM) };
  sample();
  log(`synthesized ${N + S} faces, ${Math.ceil(N / 40)} identities (+ strangers) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  let index: PeopleIndex;
  let reclusterSeconds: number | null = null, hydrateSeconds: number | null = null, poolBuildSeconds: number | null = null;
  let reclusterTimings: Record<string, number> | null = null;
  let quality: BenchResult['quality'] = null;
  if (o.recluster ?? N <= 200_000) {
    const t = performance.now();
    const r = recluster({ model, faces: base });
    reclusterSeconds = (performance.now() - t) / 1000;
    reclusterTimings = r.timings;
    sample();
    const pred = Array.from({ length: N }, (_, i) => r.assignment.get(all.ids[i]!) ?? null);
    quality = clusterMetrics(all.truth.subarray(0, N), pred);
    index = r.index;
    log(`full re-cluster of ${N} faces: ${reclusterSeconds.toFixed(1)} s (graph ${(r.timings.graphMs / 1000).toFixed(1)} s, HAC ${(r.timings.hacMs / 1000).toFixed(1)} s, attach ${(r.timings.attachMs / 1000).toFixed(1)} s)`);
    log(`quality vs synthetic identities: BCubed P ${quality.bcubedPrecision.toFixed(3)} R ${quality.bcubedRecall.toFixed(3)} F1 ${quality.bcubedF1.toFixed(3)}, pairwise F1 ${quality.pairwiseF1.toFixed(3)}, unassigned ${(quality.unassigned * 100).toFixed(1)}%`);
  } else {
    // hydrate a stored clustering: identities with >= 3 faces are people, the rest is the pool
    const sizes = new Map<number, number>();
    for (let i = 0; i < N; i++) sizes.set(all.truth[i]!, (sizes.get(all.truth[i]!) ?? 0) + 1);
    const assignment = new Map<FaceId, PersonId | null>();
    const seenPhoto = new Set<string>();
    for (let i = 0; i < N; i++) {
      const t = all.truth[i]!;
      const key = `${all.photoIds[i]}:${t}`;
      const ok = sizes.get(t)! >= 3 && !seenPhoto.has(key);
      seenPhoto.add(key);
      assignment.set(all.ids[i]!, ok ? t + 1 : null);
    }
    seenPhoto.clear();
    const t = performance.now();
    index = new PeopleIndex({ model });
    index.load({ faces: base, assignment });
    hydrateSeconds = (performance.now() - t) / 1000;
    // load() leaves the pool's index and seed graph to the first request that needs them
    const tp = performance.now();
    index.materializePool();
    poolBuildSeconds = (performance.now() - tp) / 1000;
    sample();
    log(
      `hydrated ${N} faces (stored clustering) in ${hydrateSeconds.toFixed(1)} s (ready for decide/suggestPeople), ` +
        `+ ${poolBuildSeconds.toFixed(1)} s to build the pool index on first use; full re-cluster not run at this size (use --recluster)`,
    );
  }
  const people = index.people().length;
  const poolFaces = index.pool().length;
  log(`people: ${people}, unassigned pool: ${poolFaces}`);

  const decide: number[] = [], add: number[] = [];
  const held = (i: number) => ({
    id: all.ids[N + i]!,
    photoId: all.photoIds[N + i]!,
    quality: all.quality[N + i]!,
    embedding: all.embeddings.subarray((N + i) * DIM, (N + i + 1) * DIM),
  });
  for (let i = 0; i < Math.min(S, 50); i++) index.decide(held(i)); // warm-up
  for (let i = 0; i < S; i++) {
    const f = held(i);
    let t = performance.now();
    index.decide(f);
    decide.push(performance.now() - t);
    t = performance.now();
    index.addFaces([f]);
    add.push(performance.now() - t);
  }
  sample();
  const res: BenchResult = {
    faces: N,
    identities: Math.ceil(N / 40),
    model,
    reclusterSeconds,
    reclusterTimings,
    quality,
    hydrateSeconds,
    poolBuildSeconds,
    people,
    poolFaces,
    decideMs: stats(decide),
    addFaceMs: stats(add),
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    peakHeapMB: peakHeap / 2 ** 20,
    peakArrayBuffersMB: peakAb / 2 ** 20,
    indexBytesMB: index.bytes() / 2 ** 20,
  };
  log(`assign one new face (decide): p50 ${res.decideMs.p50.toFixed(3)} ms, p99 ${res.decideMs.p99.toFixed(3)} ms`);
  log(`index one new face (addFaces([f])): p50 ${res.addFaceMs.p50.toFixed(3)} ms, p99 ${res.addFaceMs.p99.toFixed(3)} ms`);
  log(`peak RSS ${res.peakRssMB.toFixed(0)} MB, peak JS heap ${res.peakHeapMB.toFixed(0)} MB, peak array buffers ${res.peakArrayBuffersMB.toFixed(0)} MB`);
  return res;
}

/** CLI: --faces N [--samples S] [--seed K] [--recluster|--no-recluster] [--model ID] */
export function benchMain(argv: string[]): void {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (s: string | undefined, d: number) => {
    if (s === undefined) return d;
    const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s);
    if (!m) throw new Error(`bad number ${s}`);
    return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1e3 : m[2]?.toLowerCase() === 'm' ? 1e6 : 1));
  };
  const faces = num(arg('--faces'), 100_000);
  const res = runBench({
    faces,
    samples: num(arg('--samples'), 1000),
    seed: num(arg('--seed'), 1),
    recluster: argv.includes('--recluster') ? true : argv.includes('--no-recluster') ? false : undefined,
    model: arg('--model'),
  });
  console.log(JSON.stringify(res));
}
