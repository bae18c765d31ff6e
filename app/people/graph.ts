/**
 * Sparse similarity graph: for each face its (up to) k nearest faces with cosine >= threshold,
 * symmetrised. Built with a kNN index (exact brute force while small, HNSW when large) by
 * querying each face against the faces inserted before it, so each pair is examined once.
 */
import { AutoIndex, type AutoIndexOptions } from './ann';
import { DIM } from './vector';

export function buildSimilarityGraph(
  vectors: Int8Array,
  rows: ArrayLike<number>,
  k: number,
  threshold: number,
  indexOptions: AutoIndexOptions = {},
): number[][] {
  const n = rows.length;
  const adj: number[][] = Array.from({ length: n }, () => []);
  const index = new AutoIndex({ switchAt: 2048, efConstruction: 64, m: 16, ...indexOptions, capacity: n });
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const v = vectors.subarray(r * DIM, (r + 1) * DIM);
    for (const nb of index.search(v, k, threshold)) {
      adj[i]!.push(nb.label);
      adj[nb.label]!.push(i);
    }
    index.add(i, v);
  }
  return adj;
}
