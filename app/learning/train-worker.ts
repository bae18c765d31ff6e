/**
 * Runs trainHead in a worker thread, so that training never blocks the engine's event loop (the
 * UI's requests keep being answered). Progress arrives as messages; cancelling posts a message
 * the worker's trainHead sees between batches (it yields to its event loop every ~50 ms).
 *
 * This one file is both the runner (`trainHeadInWorker`, used in the main thread) and the worker
 * entry (when loaded by a Worker with workerData.kind === WORKER_KIND).
 */
import { workerScript } from '../platform/worker-script';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { EvalMetrics } from './evaluate';
import { trainHead, TrainingAbortedError, type EpochRecord, type TrainInput, type TrainResult } from './train';

export const WORKER_KIND = 'visage-train-head';

export type WorkerMessage =
  | { type: 'progress'; epoch: number; loss: number; val: EvalMetrics; record: EpochRecord }
  | { type: 'done'; result: TrainResult }
  | { type: 'error'; name: string; message: string };

export type ParentMessage = { type: 'cancel' };

export interface WorkerRunOptions {
  /** Compiled worker script (default: this module's .js, or dist/app/learning/train-worker.js when running from TypeScript sources). */
  workerPath?: string;
  /** After a cancel, terminate the worker if it has not stopped within this many ms (default 5000). */
  cancelGraceMs?: number;
}

export function defaultWorkerPath(): string {
  return workerScript(__dirname, 'train-worker.js');
}

/** trainHead(input) in a worker thread; input.onProgress and input.signal work as in trainHead. */
export function trainHeadInWorker(input: TrainInput, opts: WorkerRunOptions = {}): Promise<TrainResult> {
  const { onProgress, signal, ...data } = input;
  return new Promise<TrainResult>((resolvePromise, reject) => {
    if (signal?.aborted) {
      reject(new TrainingAbortedError());
      return;
    }
    const worker = new Worker(opts.workerPath ?? defaultWorkerPath(), { workerData: { kind: WORKER_KIND, input: data } });
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      fn();
      void worker.terminate();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies ParentMessage);
      killTimer = setTimeout(() => finish(() => reject(new TrainingAbortedError())), opts.cancelGraceMs ?? 5000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.epoch, m.loss, m.val, m.record);
      else if (m.type === 'done') finish(() => resolvePromise(m.result));
      else if (m.type === 'error') {
        finish(() => {
          if (m.name === 'AbortError') reject(new TrainingAbortedError());
          else {
            const e = new Error(m.message);
            e.name = m.name;
            reject(e);
          }
        });
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`training worker exited with code ${code}`))));
  });
}

// ---- worker side ----
if (!isMainThread && parentPort && (workerData as { kind?: string } | null)?.kind === WORKER_KIND) {
  const port = parentPort;
  const controller = new AbortController();
  port.on('message', (m: ParentMessage) => {
    if (m?.type === 'cancel') controller.abort();
  });
  const input = (workerData as { input: TrainInput }).input;
  trainHead({
    ...input,
    signal: controller.signal,
    onProgress: (epoch, loss, val, record) => port.postMessage({ type: 'progress', epoch, loss, val, record } satisfies WorkerMessage),
  })
    .then((result) => port.postMessage({ type: 'done', result } satisfies WorkerMessage))
    .catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ type: 'error', name: err.name, message: err.message } satisfies WorkerMessage);
    })
    .finally(() => port.close());
}
