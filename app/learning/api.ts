/** The learning service's interface, as the engine and tests drive it (implemented by learning-service.ts). */
import type { HeadSummary, LearningSummary, ReprojectProgress, TrainOutcome, TrainProgress } from '../contract/learning';
import type { ClusterStats } from '../contract/people';

/** How the re-projection after adoption or roll back runs. */
export interface ReprojectRun {
  /** After each chunk of faces. */
  onReproject?: (p: ReprojectProgress) => void;
  /**
   * Stops the re-projection between chunks, or the re-cluster's worker (the engine closing): the
   * call then rejects with an AbortError, the faces done keep the new head, and people are not
   * re-clustered; the switch stays pending, and `resumePending` (the engine host at its next
   * start) finishes both.
   */
  reprojectSignal?: AbortSignal;
  /** Faces per transaction (default 2000). */
  reprojectChunk?: number;
}

export interface LearningApi {
  summary(): LearningSummary;
  /**
   * Trains a new head from the user's corrections; adopts it only if it is better, then re-projects
   * the library in chunks (the event loop keeps running) and re-clusters people. `signal` cancels
   * the training; once the head is adopted the re-projection and re-cluster finish regardless.
   */
  train(opts?: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; inWorker?: boolean } & ReprojectRun): Promise<TrainOutcome>;
  /**
   * Makes an earlier head (or 'base') the active one: faces re-projected in chunks, then people
   * re-clustered. An unknown head rejects with NotFoundError('head') (app/contract/errors.ts).
   */
  rollback(headId: string, opts?: ReprojectRun): Promise<{ active: HeadSummary; people: ClusterStats }>;
  /**
   * The head the library was switched to (adoption or roll back) whose re-projection and re-cluster
   * have not finished, or null. Recorded in the library with the switch, cleared by the re-cluster.
   */
  pendingSwitch(): string | null;
  /**
   * Finishes a pending switch (the engine stopped before it was done): the chunked re-projection of
   * what is still stale, then the re-cluster. Resolves to null when nothing was pending.
   */
  resumePending(opts?: ReprojectRun): Promise<ClusterStats | null>;
}
