/**
 * A second merge pass after the re-cluster's HAC (issue 16, item 4; off unless asked for): two
 * clusters merge when their average linkage (mean pairwise cosine of their faces: sumA.sumB /
 * |A||B| over unit vectors) reaches `threshold` and at least one of them has `minFaces` faces.
 * Averaged over a whole album the score is steadier than one face's nearest neighbour, so the bar
 * can sit below the face-level `cluster` one; requiring one large side keeps it away from LFW-like
 * pairs of two or three faces, where it would glue strangers together.
 *
 * Constraints as in HAC: faces of one photo never end up in one cluster, two clusters pinned to
 * different user people never merge, and a cluster pinned to a person never takes a face that
 * rejected that person. Greedy, best pair first, links recomputed after each merge; deterministic
 * (ties by cluster order).
 */
import { DIM, addUnit, dotF } from './vector';

export interface AlbumMergeOptions {
  /** Average linkage two clusters need to merge. */
  threshold: number;
  /** Faces the larger of the two needs. */
  minFaces: number;
}

export interface AlbumMergeInput {
  vectors: Int8Array;
  /** Local item i = row rows[i] of vectors. */
  rows: ArrayLike<number>;
  /** Clusters as lists of local items (HacResult.clusters). */
  clusters: readonly (readonly number[])[];
  /** Pinned person of each cluster, -1 when free (HacResult.pinnedOf). */
  pinnedOf: readonly number[];
  /** Photo of each local item. */
  photo: ArrayLike<number>;
  /** People a local item rejected. */
  rejects?: (item: number) => ReadonlySet<number> | undefined;
}

interface Group {
  items: number[];
  sum: Float64Array;
  photos: Set<number>;
  pinned: number;
  rejected: Set<number>;
  alive: boolean;
}

export function mergeAlbums(input: AlbumMergeInput, opts: AlbumMergeOptions): { clusters: number[][]; pinnedOf: number[]; merges: number } {
  const groups: Group[] = input.clusters.map((c, ci) => {
    const sum = new Float64Array(DIM);
    const photos = new Set<number>();
    const rejected = new Set<number>();
    for (const i of c) {
      addUnit(sum, input.vectors, input.rows[i]);
      photos.add(input.photo[i]!);
      for (const p of input.rejects?.(i) ?? []) rejected.add(p);
    }
    return { items: [...c], sum, photos, pinned: input.pinnedOf[ci]!, rejected, alive: true };
  });
  const canMerge = (a: Group, b: Group): boolean => {
    if (a.pinned >= 0 && b.pinned >= 0 && a.pinned !== b.pinned) return false;
    if (a.pinned >= 0 && b.rejected.has(a.pinned)) return false;
    if (b.pinned >= 0 && a.rejected.has(b.pinned)) return false;
    const [small, big] = a.photos.size < b.photos.size ? [a, b] : [b, a];
    for (const p of small.photos) if (big.photos.has(p)) return false;
    return true;
  };
  const link = (a: Group, b: Group) => dotF(a.sum, b.sum) / (a.items.length * b.items.length);
  let merges = 0;
  for (;;) {
    let best = -1, bestA = -1, bestB = -1;
    for (let a = 0; a < groups.length; a++) {
      const ga = groups[a]!;
      if (!ga.alive || ga.items.length < opts.minFaces) continue;
      for (let b = 0; b < groups.length; b++) {
        const gb = groups[b]!;
        if (b === a || !gb.alive || (gb.items.length >= opts.minFaces && b < a)) continue; // each big pair once
        const s = link(ga, gb);
        if (s >= opts.threshold && s > best && canMerge(ga, gb)) {
          best = s;
          bestA = Math.min(a, b);
          bestB = Math.max(a, b);
        }
      }
    }
    if (bestA < 0) break;
    const ga = groups[bestA]!, gb = groups[bestB]!;
    ga.items.push(...gb.items);
    for (let k = 0; k < DIM; k++) ga.sum[k] = ga.sum[k]! + gb.sum[k]!;
    for (const p of gb.photos) ga.photos.add(p);
    for (const p of gb.rejected) ga.rejected.add(p);
    if (ga.pinned < 0) ga.pinned = gb.pinned;
    gb.alive = false;
    merges++;
  }
  const alive = groups.filter((g) => g.alive);
  for (const g of alive) g.items.sort((x, y) => x - y);
  alive.sort((x, y) => x.items[0]! - y.items[0]!);
  return { clusters: alive.map((g) => g.items), pinnedOf: alive.map((g) => g.pinned), merges };
}
