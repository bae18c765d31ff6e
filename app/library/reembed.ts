/**
 * Re-embed a library with another embedding model, in place: each stored face keeps its id, box
 * and landmarks and gets the new model's 128 bytes (aligned from its stored landmarks), so every
 * user decision attached to the face (person, rejections, not-a-face) carries over. Photos whose
 * file is gone or unreadable keep their old vectors and are reported.
 */
import { readFileSync } from 'node:fs';
import type { Point } from '../faces/types';
import type { FacePipeline } from '../faces/pipeline';
import { ReembedRepo } from '../store/reembed-repo';
import type { Store } from '../store/store';
import { decodePhoto } from '../faces/image';
import { heicToPng } from './heic';

export interface ReembedResult {
  model: string;
  photos: number;
  faces: number;
  failed: { path: string; error: string }[];
  seconds: number;
}

export async function reembedLibrary(
  store: Store,
  engine: FacePipeline,
  onProgress?: (done: number, total: number) => void,
): Promise<ReembedResult> {
  const t0 = performance.now();
  const model = engine.embedderId;
  const repo = new ReembedRepo(store.db);
  const photos = repo.photosNotOn(model);
  const failed: ReembedResult['failed'] = [];
  let faces = 0;
  for (const [i, p] of photos.entries()) {
    try {
      let buf: Buffer = readFileSync(p.path);
      if (p.format === 'heic' || p.format === 'heif') buf = await heicToPng(buf);
      const decoded = await decodePhoto(buf);
      const rows = repo.facesNotOn(p.id, model);
      // Stored landmarks are in full-resolution pixels; the decoded image may be smaller.
      const lms = rows.map((r) => (JSON.parse(r.landmarks) as Point[]).map(([x, y]) => [x * decoded.scale, y * decoded.scale] as Point));
      const vectors = await engine.embedLandmarks(decoded.image, lms);
      store.transaction(() => {
        rows.forEach((r, k) => repo.setBaseEmbedding(r.id, vectors[k]!, model));
      });
      faces += rows.length;
    } catch (e) {
      failed.push({ path: p.path, error: e instanceof Error ? e.message : String(e) });
    }
    onProgress?.(i + 1, photos.length);
  }
  return { model, photos: photos.length, faces, failed, seconds: Math.round((performance.now() - t0) / 100) / 10 };
}
