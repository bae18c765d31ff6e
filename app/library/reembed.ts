/**
 * Re-embed a library with another embedding model, keeping every face and so every user decision
 * attached to it (person, rejections, not-a-face): each stored face gets the new model's 128 bytes,
 * aligned from its stored landmarks (ids, boxes and landmarks kept).
 *
 * Two phases, so that the library stays usable on the old model until the end:
 * 1. `computePending`: photo by photo, the new vectors go into a side table (`reembed_pending`,
 *    one transaction a photo); `faces` and the library's model are untouched, so scans, naming and
 *    clustering go on with the old model. A run killed here resumes where it stopped.
 * 2. `switchModel`: one transaction moves the vectors into `faces` and makes the new model the
 *    library's. The caller then re-clusters (corrections are replayed: app/people/recluster.ts).
 * Photos whose file is gone or unreadable keep their old vectors and are reported; the switch
 * still happens (their faces stay out of the new model's people until a re-run embeds them).
 */
import { readFileSync } from 'node:fs';
import type { Point } from '../faces/types';
import type { FacePipeline } from '../faces/pipeline';
import { ReembedRepo } from '../store/reembed-repo';
import type { Store } from '../store/store';
import { decodePhoto } from '../faces/image';
import { heicToPng } from './heic';

export interface ReembedProgress {
  /** Photos done in this run, of `photos`. */
  done: number;
  photos: number;
  /** Faces embedded in this run. */
  faces: number;
  /** Faces whose new vector was already waiting from an earlier, interrupted run. */
  resumed: number;
  /** Seconds since this run started. */
  seconds: number;
}

export interface ReembedResult {
  model: string;
  /** Photos embedded in this run. */
  photos: number;
  /** Faces embedded in this run. */
  faces: number;
  /** Faces carried over from an interrupted run. */
  resumed: number;
  /** Faces moved to the new model by the switch. */
  switched: number;
  failed: { path: string; error: string }[];
  seconds: number;
  /** Stopped by the caller's signal before every photo was done (the work done stays pending). */
  stopped?: boolean;
}

/** The part of a FacePipeline phase 1 uses (the app's move passes its own). */
export type Reembedder = Pick<FacePipeline, 'embedderId' | 'embedLandmarks'>;

/**
 * Phase 1: the new model's vectors of every face not on it yet, into the side table. `signal`
 * stops it between two photos (`stopped` in the result); what was done stays for the next run.
 */
export async function computePending(
  store: Store,
  engine: Reembedder,
  onProgress?: (p: ReembedProgress) => void,
  signal?: AbortSignal,
): Promise<Omit<ReembedResult, 'switched'>> {
  const t0 = performance.now();
  const model = engine.embedderId;
  const repo = new ReembedRepo(store.db);
  repo.dropOtherPending(model);
  const resumed = repo.counts(model).pending;
  const photos = repo.photosToDo(model);
  const failed: ReembedResult['failed'] = [];
  let faces = 0;
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  for (const [i, p] of photos.entries()) {
    if (signal?.aborted) return { model, photos: i, faces, resumed, failed, seconds: seconds(), stopped: true };
    try {
      let buf: Buffer = readFileSync(p.path);
      if (p.format === 'heic' || p.format === 'heif') buf = await heicToPng(buf);
      const decoded = await decodePhoto(buf);
      const rows = repo.facesToDo(p.id, model);
      // Stored landmarks are in full-resolution pixels; the decoded image may be smaller.
      const lms = rows.map((r) => (JSON.parse(r.landmarks) as Point[]).map(([x, y]) => [x * decoded.scale, y * decoded.scale] as Point));
      const vectors = await engine.embedLandmarks(decoded.image, lms);
      store.transaction(() => {
        rows.forEach((r, k) => repo.setPending(r.id, vectors[k]!, model));
      });
      faces += rows.length;
    } catch (e) {
      failed.push({ path: p.path, error: e instanceof Error ? e.message : String(e) });
    }
    onProgress?.({ done: i + 1, photos: photos.length, faces, resumed, seconds: seconds() });
  }
  return { model, photos: photos.length, faces, resumed, failed, seconds: seconds() };
}

/** Phase 2: the atomic switch (see the module comment). Returns the faces switched. */
export function switchModel(store: Store, model: string): number {
  return new ReembedRepo(store.db).switchTo(model);
}

/** Both phases; the caller re-clusters after. */
export async function reembedLibrary(
  store: Store,
  engine: FacePipeline,
  onProgress?: (p: ReembedProgress) => void,
): Promise<ReembedResult> {
  const r = await computePending(store, engine, onProgress);
  const switched = switchModel(store, r.model);
  return { ...r, switched };
}
