/**
 * Where a scan's time goes, for `npm run bench:scan`: milliseconds per stage summed over the
 * photos of one scan. The scanner's own stages (reading, hashing, EXIF, thumbnails, the database)
 * are timed where they run, on the main thread; the face stages (decode, detect, landmarks,
 * align, embed, quality) come back with each photo's analysis from the thread that ran it
 * (`PhotoAnalysis.timings`). Wall time (performance.now), a few calls per photo: cheap enough to
 * be always on.
 */
import { zeroStageTimings, type StageTimings } from '../faces/types';

/** The scanner's own stages, in the order a photo meets them. */
export const SCAN_STAGES = ['read', 'hash', 'inspect', 'exif', 'heic', 'analyze', 'thumbnails', 'database'] as const;
export type ScanStage = (typeof SCAN_STAGES)[number];

export interface ScanTimings {
  /** Photos analysed (their face stages are in `faces`). */
  photos: number;
  /** Faces those photos gave. */
  faceCount: number;
  /**
   * Scanner stages, ms. `analyze` is the wait for the analyzer as the scanner sees it (queueing in
   * the worker pool and the transfer included); `database` every transaction the scan's photos made.
   */
  scan: Record<ScanStage, number>;
  /** Face stages summed over the analysed photos, ms on the analyzer's threads. */
  faces: StageTimings;
}

export class ScanClock {
  private t: ScanTimings = ScanClock.empty();

  static empty(): ScanTimings {
    return { photos: 0, faceCount: 0, scan: Object.fromEntries(SCAN_STAGES.map((s) => [s, 0])) as Record<ScanStage, number>, faces: zeroStageTimings() };
  }

  reset(): void {
    this.t = ScanClock.empty();
  }

  /** A copy of the sums so far. */
  snapshot(): ScanTimings {
    return { ...this.t, scan: { ...this.t.scan }, faces: { ...this.t.faces } };
  }

  async time<T>(stage: ScanStage, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.t.scan[stage] += performance.now() - t0;
    }
  }

  /** Adds ms measured elsewhere (the thumbnails the analyzer's thread rendered). */
  add(stage: ScanStage, ms: number): void {
    this.t.scan[stage] += ms;
  }

  timeSync<T>(stage: ScanStage, run: () => T): T {
    const t0 = performance.now();
    try {
      return run();
    } finally {
      this.t.scan[stage] += performance.now() - t0;
    }
  }

  /** Adds one analysed photo's face stages. */
  analysed(timings: Partial<StageTimings> | undefined, faces: number): void {
    this.t.photos++;
    this.t.faceCount += faces;
    for (const k of Object.keys(this.t.faces) as (keyof StageTimings)[]) this.t.faces[k] += timings?.[k] ?? 0;
  }
}
