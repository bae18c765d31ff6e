/**
 * Scan progress: counts, rate and ETA, emitted at most every `intervalMs` (phase changes and the
 * final state are always emitted).
 */

import type { ScanPhase, ScanProgress } from '../contract/scan';

export type { ScanPhase, ScanProgress };

type Outcome = 'indexed' | 'unchanged' | 'moved' | 'copied' | 'failed' | 'known-bad';

export class ProgressMeter {
  private p!: ScanProgress;
  private started = 0;
  private indexStarted = 0;
  private doneThisRun = 0;
  private lastEmit = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (p: ScanProgress) => void,
  ) {
    this.reset();
  }

  reset(): void {
    this.started = Date.now();
    this.indexStarted = 0;
    this.doneThisRun = 0;
    this.lastEmit = 0;
    this.p = {
      phase: 'starting',
      found: 0,
      done: 0,
      indexed: 0,
      unchanged: 0,
      moved: 0,
      copied: 0,
      removed: 0,
      faces: 0,
      errors: 0,
      rate: 0,
      etaSeconds: null,
      current: null,
      elapsedMs: 0,
    };
  }

  snapshot(): ScanProgress {
    this.p.elapsedMs = Date.now() - this.started;
    return { ...this.p };
  }

  phase(phase: ScanPhase): void {
    this.p.phase = phase;
    if (phase === 'done' || phase === 'cancelled' || phase === 'stopped') this.p.current = null;
    this.push(true);
  }

  startIndexing(found: number, alreadyDone: number): void {
    this.p.found = found;
    this.p.done = alreadyDone;
    this.indexStarted = Date.now();
    this.phase('indexing');
  }

  /** Seconds since the indexing phase began (0 before it). */
  indexingSeconds(): number {
    return this.indexStarted ? (Date.now() - this.indexStarted) / 1000 : 0;
  }

  found(n: number): void {
    this.p.found += n;
    this.push(false);
  }

  current(path: string): void {
    this.p.current = path;
  }

  faces(n: number): void {
    this.p.faces += n;
  }

  error(): void {
    this.p.errors++;
  }

  removed(n: number): void {
    this.p.removed += n;
  }

  jobDone(o: Outcome): void {
    this.p.done++;
    this.doneThisRun++;
    if (o === 'indexed' || o === 'unchanged' || o === 'moved' || o === 'copied') this.p[o]++;
    const secs = (Date.now() - this.indexStarted) / 1000;
    this.p.rate = secs > 0 ? this.doneThisRun / secs : 0;
    const left = Math.max(0, this.p.found - this.p.done);
    this.p.etaSeconds = this.p.rate > 0 ? left / this.p.rate : null;
    this.push(this.p.done === this.p.found);
  }

  private push(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.emit(this.snapshot());
  }
}
