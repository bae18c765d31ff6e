/**
 * Shared by the baselines: faces as unit float rows (the cosine of two faces is then one dot
 * product), and the exact nearest-neighbour search the baselines run on them. Exact brute force:
 * the baselines are measured on evaluation sets (thousands of faces), not run in the app.
 */
import { DIM } from '../vector';
import type { FaceColumns } from '../types';

export interface UnitRows {
  n: number;
  /** n * DIM floats, row i = face i scaled to unit length (a zero vector stays zero). */
  v: Float32Array;
}

export function unitRows(faces: FaceColumns): UnitRows {
  const { n, embeddings } = faces;
  const v = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < DIM; k++) s += embeddings[i * DIM + k]! * embeddings[i * DIM + k]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < DIM; k++) v[i * DIM + k] = embeddings[i * DIM + k]! * inv;
  }
  return { n, v };
}

/** Cosine similarity of rows i and j. */
export function cos(u: UnitRows, i: number, j: number): number {
  const { v } = u;
  let s = 0;
  const a = i * DIM, b = j * DIM;
  for (let k = 0; k < DIM; k++) s += v[a + k]! * v[b + k]!;
  return s;
}

/**
 * Cluster labels (any ids, one per row; null = no cluster) to people: clusters of fewer than
 * `minSize` faces count as unassigned, as Visage's own people do (minClusterSize), and ids are
 * renumbered 1.. in order of first appearance.
 */
export function toPeople(labels: readonly (number | null)[], minSize: number): (number | null)[] {
  const size = new Map<number, number>();
  for (const l of labels) if (l !== null) size.set(l, (size.get(l) ?? 0) + 1);
  const id = new Map<number, number>();
  return labels.map((l) => {
    if (l === null || (size.get(l) ?? 0) < minSize) return null;
    let p = id.get(l);
    if (p === undefined) id.set(l, (p = id.size + 1));
    return p;
  });
}
