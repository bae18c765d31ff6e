/**
 * The library's face model as the app shows it (Settings, "Face model"): which embedder its faces
 * carry, the default a new library gets, and the move of the library to another model
 * (`library.reembed`, a job of the engine: app/engine/handlers/model.ts over app/library/reembed.ts).
 */

/** A move running now: photos done of the photos this run embeds. */
export interface ModelMoveProgress {
  /** The model the faces move to. */
  target: string;
  /** Photos embedded with `target` in this run, of `total`. */
  done: number;
  total: number;
  /** Faces embedded in this run, and faces already embedded by an earlier, stopped run. */
  faces: number;
  resumed: number;
}

/** How a move ended (the `reembed.finished` event, and `last` in the state). */
export interface ModelMoveOutcome {
  target: string;
  /** 'switched': the library is on `target` now; 'cancelled' / 'failed': still on its old model (the work done is kept for a Resume). */
  outcome: 'switched' | 'cancelled' | 'failed';
  /** Faces moved to `target` by the switch (0 unless switched). */
  switched: number;
  /** Photos that could not be read (their faces keep the old vectors and stay out of people until a later move embeds them). */
  failedPhotos: number;
  /** Why it failed (outcome 'failed'), or what went wrong after the switch (re-grouping people); else null. */
  error: string | null;
}

export interface LibraryModelState {
  /** The embedder the library's faces carry; new scans embed with it. */
  model: string;
  /** The embedder a new library gets (app/faces/models/registry.ts DEFAULT_EMBEDDER). */
  defaultModel: string;
  /** The library is on another model than the default: a move to the default can be offered. */
  moveAvailable: boolean;
  /** The move running now, null when none. */
  move: ModelMoveProgress | null;
  /**
   * A stopped move (cancelled, failed, or the app closed) left faces already embedded with
   * `target`, waiting for the switch: moving to `target` again resumes it. Null when none.
   */
  resumable: { target: string; faces: number } | null;
  /** How the last move of this session ended, null if none. */
  last: ModelMoveOutcome | null;
}
