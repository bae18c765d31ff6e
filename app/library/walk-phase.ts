/**
 * The scan's first phase: every photo file under the roots becomes a pending job, every walk
 * problem (unreadable folder, ...) a failed job with its error, in batches of one transaction. A
 * root that goes away during the walk stops the scan as offline, not as a folder of bad files.
 */
import { folderReachable, makeFault } from '../store/faults';
import type { Store } from '../store/store';
import type { ProgressMeter } from './progress';
import { walk, type WalkEntry, type WalkProblem } from './walker';

const WALK_BATCH = 256;

export interface WalkDeps {
  store: Store;
  meter: ProgressMeter;
  onFileError: (path: string, code: string, message: string) => void;
  shouldStop: () => boolean;
}

export async function walkIntoQueue(d: WalkDeps, scanId: number, roots: string[]): Promise<void> {
  let batch: WalkEntry[] = [];
  let problems: WalkProblem[] = [];
  const flush = () => {
    const entries = batch;
    const probs = problems;
    batch = [];
    problems = [];
    if (probs.length > 0) {
      // A root that went away during the walk is offline, not a folder of bad files.
      const offline = roots.find((r) => !folderReachable(r));
      if (offline) throw makeFault('folder-offline', offline, `${probs[0]!.code}: ${probs[0]!.message}`, 'scan');
    }
    d.store.transaction(() => {
      d.store.jobs.enqueueMany(
        scanId,
        entries.map((e) => ({ path: e.path, size: e.size, mtime_ms: e.mtimeMs })),
      );
      for (const p of probs) {
        d.store.jobs.enqueueFailed(scanId, p.path);
        d.store.errors.record({ path: p.path, code: p.code, message: p.message });
      }
    });
    for (const p of probs) d.onFileError(p.path, p.code, p.message);
    d.meter.found(entries.length);
  };
  for await (const entry of walk(roots, { onProblem: (p) => problems.push(p), shouldStop: d.shouldStop })) {
    batch.push(entry);
    if (batch.length >= WALK_BATCH) flush();
  }
  flush();
}
