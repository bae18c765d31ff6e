/** Scan progress as the app and the CLI see it (computed by app/library/progress.ts). */

/** 'stopped': a machine fault (app/contract/faults.ts) stopped the scan; it resumes when run again. */
export type ScanPhase = 'starting' | 'walking' | 'indexing' | 'cleaning' | 'done' | 'cancelled' | 'stopped';

export interface ScanProgress {
  phase: ScanPhase;
  /** Photo files found by the walk (all jobs of the scan). */
  found: number;
  /** Jobs finished, including those finished by an earlier, interrupted run. */
  done: number;
  indexed: number;
  unchanged: number;
  moved: number;
  copied: number;
  removed: number;
  faces: number;
  errors: number;
  /** Jobs per second over this run's indexing. */
  rate: number;
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: number | null;
  current: string | null;
  elapsedMs: number;
}
