/**
 * Runs the pure full re-cluster (recluster.ts: similarity graph, constrained HAC, attach) in a
 * worker thread, so that a re-cluster of a large library never blocks the engine's event loop
 * (100k faces: ~45 s of computation). No database here: PeopleService.reclusterInWorker reads
 * the inputs on the main thread and persists the result there.
 *
 * Inputs and output travel as packed typed arrays whose buffers are transferred (no structured
 * clone of 100k objects or Map entries). People the re-cluster creates get placeholder ids
 * (PLACEHOLDER_BASE + 1, + 2, ... in the order the pure function asks for them): above every
 * real id, so that they compare with real ids as freshly created rows would (PeopleIndex uses -1
 * as "no person", so negative placeholders are not an option). The main thread creates one row
 * per placeholder, in that order, and maps them.
 *
 * This one file is both the runner (`reclusterInWorker`, used in the main thread) and the worker
 * entry (when loaded by a Worker with workerData.kind === WORKER_KIND), like
 * app/learning/train-worker.ts.
 */
import { workerScript } from '../platform/worker-script';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { recluster } from './recluster';
import type { ModelThresholds } from './thresholds';
import type { FaceColumns, FaceId, PersonId, PersonRecord } from './types';

export const WORKER_KIND = 'visage-recluster';

/** Placeholder ids of people created in the worker start above this (2^40: no real id gets there). */
export const PLACEHOLDER_BASE = 2 ** 40;

/** Everything the pure re-cluster needs, as it crosses to the worker. */
export interface PackedReclusterInput {
  thresholds: ModelThresholds;
  faces: { n: number; ids: Float64Array; photoIds: Float64Array; quality: Float32Array; embeddings: Int8Array };
  persons: PersonRecord[];
  /** User decisions: assigned[i] -> assignedTo[i]; rejection pairs (face, person). */
  assigned: { faces: Float64Array; persons: Float64Array };
  rejected: { faces: Float64Array; persons: Float64Array };
  /** The machine's assignment before (stable ids). */
  previous: { faces: Float64Array; persons: Float64Array };
}

export interface PackedReclusterResult {
  /** face -> person (-1 = unassigned), in the order of the pure function's assignment map. */
  faces: Float64Array;
  persons: Float64Array;
  /** How many placeholder ids the pure function asked for (PLACEHOLDER_BASE + 1 .. + this). */
  placeholders: number;
  /** How many of them ended up with faces (ClusterStats.created). */
  created: number;
  timings: { graphMs: number; hacMs: number; attachMs: number; totalMs: number };
}

type WorkerMessage = { type: 'done'; result: PackedReclusterResult } | { type: 'error'; name: string; message: string };

export interface ReclusterWorkerOptions {
  /** Compiled worker script (default: this module's .js, or dist/app/people/recluster-worker.js from TypeScript sources). */
  workerPath?: string;
  /** Terminates the worker and rejects with an AbortError. */
  signal?: AbortSignal;
}

export function defaultReclusterWorkerPath(): string {
  return workerScript(__dirname, 'recluster-worker.js');
}

/** The error a re-cluster stopped by its signal rejects with. */
export const abortError = (): Error => Object.assign(new Error('re-cluster aborted'), { name: 'AbortError' });

/** Every buffer of the input, to transfer (the caller's arrays are unusable afterwards). */
function buffersOf(input: PackedReclusterInput): ArrayBuffer[] {
  const arrays = [
    input.faces.ids, input.faces.photoIds, input.faces.quality, input.faces.embeddings,
    input.assigned.faces, input.assigned.persons, input.rejected.faces, input.rejected.persons,
    input.previous.faces, input.previous.persons,
  ];
  const set = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer && a.byteLength > 0) set.add(a.buffer);
  return [...set];
}

/** The pure recluster(input) in a worker thread. The input's buffers are transferred. */
export function reclusterInWorker(input: PackedReclusterInput, opts: ReclusterWorkerOptions = {}): Promise<PackedReclusterResult> {
  const { signal } = opts;
  return new Promise<PackedReclusterResult>((resolvePromise, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    let worker: Worker;
    try {
      worker = new Worker(opts.workerPath ?? defaultReclusterWorkerPath(), { workerData: { kind: WORKER_KIND, input }, transferList: buffersOf(input) });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(abortError()));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m?.type === 'done') finish(() => resolvePromise(m.result));
      else if (m?.type === 'error') finish(() => reject(Object.assign(new Error(m.message), { name: m.name })));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`re-cluster worker exited with code ${code}`))));
  });
}

const pairsToMap = (p: { faces: Float64Array; persons: Float64Array }): Map<FaceId, PersonId> => {
  const m = new Map<FaceId, PersonId>();
  for (let i = 0; i < p.faces.length; i++) m.set(p.faces[i]!, p.persons[i]!);
  return m;
};

/** The worker's side: unpack, run the pure re-cluster with placeholder ids, pack the result. */
export function runPacked(input: PackedReclusterInput): PackedReclusterResult {
  const rejected = new Map<FaceId, Set<PersonId>>();
  for (let i = 0; i < input.rejected.faces.length; i++) {
    const f = input.rejected.faces[i]!;
    let s = rejected.get(f);
    if (!s) rejected.set(f, (s = new Set()));
    s.add(input.rejected.persons[i]!);
  }
  let placeholders = 0;
  const faces: FaceColumns = input.faces;
  const res = recluster({
    model: input.thresholds,
    faces,
    persons: input.persons,
    decisions: { assigned: pairsToMap(input.assigned), rejected },
    previous: pairsToMap(input.previous),
    newPersonId: () => PLACEHOLDER_BASE + ++placeholders,
  });
  const outFaces = new Float64Array(res.assignment.size);
  const outPersons = new Float64Array(res.assignment.size);
  let i = 0;
  for (const [f, p] of res.assignment) {
    outFaces[i] = f;
    outPersons[i++] = p ?? -1;
  }
  return { faces: outFaces, persons: outPersons, placeholders, created: res.created.length, timings: res.timings };
}

// ---- worker side ----
if (!isMainThread && parentPort && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const port = parentPort;
  try {
    const result = runPacked((workerData as { input: PackedReclusterInput }).input);
    port.postMessage({ type: 'done', result } satisfies WorkerMessage, [result.faces.buffer as ArrayBuffer, result.persons.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ type: 'error', name: err.name, message: err.message } satisfies WorkerMessage);
  }
  port.close();
}
