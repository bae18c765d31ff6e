/**
 * An Analyzer backed by a pool of worker threads, each running its own FacePipeline: the scanner
 * keeps every core busy (decode, detection and embedding of different photos at once) while the
 * main thread stays free for the database and the app's requests.
 */
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Box, FaceRecord, PhotoAnalysis } from '../faces/types';
import type { FacePipelineOptions } from '../faces/pipeline';
import type { Analyzer, DrawnBoxes, ScanAnalysis } from './analyzer';
import { createPipelineAnalyzer } from './pipeline-analyzer';
import { gpuCandidates } from '../faces/onnx-session';

class AnalyzerError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'AnalyzerError';
  }
}

interface Pending {
  /** A PhotoAnalysis, or a FaceRecord for a job with a box (submit's caller knows which). */
  resolve: (a: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
  /** Set while close() waits for the thread's engine to close. */
  closed?: () => void;
  exited?: boolean;
}

/** How long close() waits for photos in flight, then for the thread's engine to close. */
const CLOSE_DRAIN_MS = 30_000;
const CLOSE_ENGINE_MS = 5_000;

/**
 * Ends one worker thread without killing native code mid-call: terminating a thread while
 * onnxruntime-node (or sharp) runs in it makes the addon throw a C++ `Napi::Error` that nothing
 * catches, and the whole process aborts (`terminate called after throwing an instance of
 * 'Napi::Error'`, exit 134; seen when a scan stopped on a full disk). So: wait for the photos in
 * flight, let the thread close its engine, and terminate only a thread that does not answer.
 */
async function closeSlot(slot: Slot): Promise<void> {
  const until = (ms: number, done: () => boolean) =>
    new Promise<void>((resolve) => {
      const t0 = Date.now();
      const tick = () => (done() || Date.now() - t0 > ms ? resolve() : setTimeout(tick, 10));
      tick();
    });
  await until(CLOSE_DRAIN_MS, () => slot.pending.size === 0 || slot.exited === true);
  let closed = false;
  slot.closed = () => (closed = true);
  slot.worker.postMessage('close');
  await until(CLOSE_ENGINE_MS, () => closed || slot.exited === true);
  await slot.worker.terminate();
}

export interface WorkerAnalyzer extends Analyzer {
  readonly workers: number;
  readonly provider: string;
  /** The first worker engine's EngineInfo, with the worker count. */
  readonly info: Record<string, unknown>;
}

export async function createWorkerAnalyzer(options: FacePipelineOptions & { workers?: number } = {}): Promise<WorkerAnalyzer> {
  const { workers: wanted, ...engineOpts } = options;
  const n = Math.max(1, wanted ?? scanWorkers());
  const entry = join(__dirname, 'analyzer-pool-thread.js');
  let nextId = 1;
  const slots: Slot[] = [];
  let embedderId = '';
  let provider = 'cpu';
  let info: Record<string, unknown> = {};
  await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(entry, { workerData: { provider: 'cpu', threads: 1, ...engineOpts } });
        const slot: Slot = { worker, busy: 0, pending: new Map() };
        worker.on('message', (m: { closed?: boolean; ready?: boolean; embedderId?: string; provider?: string; info?: Record<string, unknown>; fatal?: string; id?: number; result?: unknown; error?: { message: string; code?: string } }) => {
          if (m.closed) slot.closed?.();
          else if (m.ready) {
            embedderId = m.embedderId!;
            provider = m.provider!;
            info = { ...m.info, workers: n };
            slots.push(slot);
            resolve();
          } else if (m.fatal) reject(new Error(m.fatal));
          else if (m.id !== undefined) {
            const p = slot.pending.get(m.id);
            if (!p) return;
            slot.pending.delete(m.id);
            slot.busy--;
            if (m.error) p.reject(new AnalyzerError(m.error.message, m.error.code));
            else p.resolve(m.result);
          }
        });
        worker.on('exit', () => {
          slot.exited = true;
          for (const p of slot.pending.values()) p.reject(new AnalyzerError('the analyzer thread stopped'));
          slot.pending.clear();
        });
        worker.on('error', (e) => {
          for (const p of slot.pending.values()) p.reject(e);
          slot.pending.clear();
          reject(e);
        });
      }),
    ),
  );

  // A reply is a PhotoAnalysis, or a FaceRecord for a job with a box: T says which.
  const submit = <T>(job: { path?: string; buffer?: Uint8Array; box?: Box; thumbnails?: boolean; drawn?: DrawnBoxes }): Promise<T> => {
    const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = nextId++;
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: (a) => resolve(a as T), reject });
      slot.worker.postMessage({ id, ...job });
    });
  };

  return {
    workers: n,
    get provider() {
      return provider;
    },
    get embedderId() {
      return embedderId;
    },
    get info() {
      return info;
    },
    analyzeFile: (path) => submit<PhotoAnalysis>({ path }),
    analyzeBuffer: (buf, o) => submit<ScanAnalysis>({ buffer: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), thumbnails: o?.thumbnails, drawn: o?.drawn }),
    analyseBox: (buf, box) => submit<FaceRecord>({ buffer: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), box }),
    close: () => Promise.all(slots.map((s) => closeSlot(s))).then(() => undefined),
  };
}

/**
 * Most scan workers a machine gets. Unit: workers; range >= 1. One per core up to here: each photo
 * is independent work and one ONNX Runtime thread a worker beat intra-op threads on 2 cores
 * (below); above 8, the main thread's reading, hashing and database writes, and sharp's own
 * threads, are expected to be what limits (not measured: no machine with more than 2 cores here).
 */
export const MAX_SCAN_WORKERS = 8;
/**
 * Peak memory a scan worker adds. Unit: MB. Measured: `npm run bench:scan -- <12 MP set> --workers
 * 1` then `--workers 2`, MobileFaceNet: peak RSS 616 -> 887 MB (+271), rounded up.
 */
export const SCAN_WORKER_MB = 300;
/** The share of the machine's memory a scan may take for its workers. Unit: fraction; range 0..1. */
export const SCAN_MEMORY_SHARE = 0.5;

/**
 * How many worker engines a CPU scan runs: one a core, at most MAX_SCAN_WORKERS, and no more than
 * SCAN_MEMORY_SHARE of the memory holds at SCAN_WORKER_MB each (a 4 GB machine with 8 cores: 6).
 */
export function scanWorkers(cores = availableParallelism(), memoryBytes = totalmem()): number {
  const byMemory = Math.floor((SCAN_MEMORY_SHARE * memoryBytes) / 2 ** 20 / SCAN_WORKER_MB);
  return Math.max(1, Math.min(cores, MAX_SCAN_WORKERS, byMemory));
}

/**
 * The analyzer a library scan should use: on a GPU provider one engine in this thread (the GPU
 * is the bottleneck); on CPU a pool of worker engines, scanWorkers() of them (measured on 2 cores:
 * 13.4 photos/s with 2 workers vs 9.6 in one thread; one engine with 2 intra-op threads: 7.1).
 */
export async function createLibraryAnalyzer(
  options: FacePipelineOptions & { workers?: number } = {},
): Promise<Analyzer & { info: Record<string, unknown> }> {
  const cores = options.workers ?? scanWorkers();
  const wantCpu = options.provider === 'cpu' || ((options.provider ?? 'auto') === 'auto' && gpuCandidates().length === 0);
  if (wantCpu && cores > 1) return createWorkerAnalyzer({ ...options, provider: 'cpu', threads: 1, workers: cores });
  // A GPU may be there: one engine here; if its provider turns out to be the CPU, a worker pool.
  const single = await createPipelineAnalyzer({ provider: 'auto', ...options });
  if (single.pipeline.provider !== 'cpu' || cores <= 1) {
    return Object.assign(single, { info: single.pipeline.info as unknown as Record<string, unknown> });
  }
  await single.close?.();
  return createWorkerAnalyzer({ ...options, provider: 'cpu', threads: 1, workers: cores });
}
