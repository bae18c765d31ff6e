/**
 * Baseline: Ente's linear face clustering, on Visage's embeddings.
 *
 * As Ente's photos app does it (`FaceClusteringService`, linear clustering): faces in order
 * (Ente: by the file's creation time; here by row, i.e. face id, the scan's walk order); each face
 * joins the cluster of its nearest earlier face when their cosine distance is under `distance`,
 * else starts a cluster of its own. A low-quality face (Visage's quality score below
 * `qualityMin`; Ente: low detection score or blur) needs the stricter `lowQualityDistance`, and an
 * earlier low-quality face can only be the nearest one within `lowQualityDistance`. Ente's
 * defaults for its own model are 0.24 and 0.16. Faces of one photo are not kept apart.
 */
import type { FaceColumns } from '../types';
import { cos, unitRows } from './unit-rows';

export interface LinearOptions {
  /** Cosine distance (1 - cosine) under which a face joins its nearest earlier face's cluster. */
  distance: number;
  /** The same for low-quality faces (Ente: two thirds of `distance`). */
  lowQualityDistance: number;
  /** Faces with quality below this are low-quality. */
  qualityMin: number;
}

/** Cluster label of every row, Ente-style (every face gets one; singletons included). */
export function linearCluster(faces: FaceColumns, opts: LinearOptions): number[] {
  const u = unitRows(faces);
  const n = u.n;
  const bad = Array.from({ length: n }, (_, i) => faces.quality[i]! < opts.qualityMin);
  const cluster: number[] = new Array<number>(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const limit = bad[i] ? opts.lowQualityDistance : opts.distance;
    let best = -1;
    let bestD = Infinity;
    for (let j = i - 1; j >= 0; j--) {
      const d = 1 - cos(u, i, j);
      if (d < bestD) {
        if (bad[j] && d > opts.lowQualityDistance) continue;
        bestD = d;
        best = j;
      }
    }
    cluster[i] = best >= 0 && bestD < limit ? cluster[best]! : next++;
  }
  return cluster;
}
