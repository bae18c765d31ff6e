/**
 * Constrained average-linkage agglomerative clustering on a sparse similarity graph.
 *
 * - Candidate merges come from the graph (edges = pairs with cosine >= threshold, found with a
 *   kNN index), so the work is near-linear in the number of faces.
 * - The linkage itself is exact: for unit vectors, the mean pairwise cosine of clusters A and B is
 *   (sum A . sum B) / (|A| |B|), kept with one float sum vector per cluster.
 * - Constraints: items with the same photo never share a cluster (cannot-link) unless `twice` says
 *   they are one face twice (a collage, a mirror: app/people/same-photo.ts); items pinned to a
 *   person (user decisions) start as one cluster per person (must-link) and two different pinned
 *   people never merge; a cluster pinned to P never takes an item that rejected P.
 * - Deterministic: ties are broken by cluster index.
 * Average linkage is reducible, so greedy best-pair merging on the graph is exact HAC restricted
 * to the candidate pairs.
 */
import { addToPhoto, keptApart } from './same-photo';
import { DIM, addUnit, dotF } from './vector';

export interface HacInput {
  /** Packed rows (n * 128 int8). */
  vectors: Int8Array;
  /** The items to cluster: row indices into vectors (local item i = rows[i]). */
  rows: ArrayLike<number>;
  /** Symmetric adjacency over local items (only pairs worth considering). */
  neighbors: ReadonlyArray<ArrayLike<number>>;
  threshold: number;
  /** Photo of each local item: equal photos never merge ... */
  photo: ArrayLike<number>;
  /** ... unless this says two local items of one photo are the same face twice (absent: never). */
  twice?: (i: number, j: number) => boolean;
  /** Person a local item is pinned to (must-link), or -1. */
  pinned?: ArrayLike<number>;
  /** People a local item rejected. */
  rejects?: (item: number) => ReadonlySet<number> | undefined;
}

export interface HacResult {
  /** Cluster of each local item (index of its cluster's representative item). */
  clusterOf: Int32Array;
  /** Clusters as lists of local items, each sorted, ordered by first item. */
  clusters: number[][];
  /** Pinned person of each cluster (-1 when free), parallel to clusters. */
  pinnedOf: number[];
  merges: number;
}

class PairHeap {
  private s: number[] = [];
  private a: number[] = [];
  private b: number[] = [];
  private va: number[] = [];
  private vb: number[] = [];
  get size(): number {
    return this.s.length;
  }
  private better(i: number, j: number): boolean {
    const si = this.s[i]!, sj = this.s[j]!;
    if (si !== sj) return si > sj;
    if (this.a[i] !== this.a[j]) return this.a[i]! < this.a[j]!;
    return this.b[i]! < this.b[j]!;
  }
  private swap(i: number, j: number): void {
    for (const arr of [this.s, this.a, this.b, this.va, this.vb]) {
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
  }
  push(s: number, a: number, b: number, va: number, vb: number): void {
    if (a > b) [a, b, va, vb] = [b, a, vb, va];
    this.s.push(s);
    this.a.push(a);
    this.b.push(b);
    this.va.push(va);
    this.vb.push(vb);
    let i = this.s.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number, number, number, number] {
    const top: [number, number, number, number, number] = [this.s[0]!, this.a[0]!, this.b[0]!, this.va[0]!, this.vb[0]!];
    const last = this.s.length - 1;
    this.swap(0, last);
    for (const arr of [this.s, this.a, this.b, this.va, this.vb]) arr.pop();
    let i = 0;
    const n = this.s.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.better(l, m)) m = l;
      if (r < n && this.better(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

export function averageLinkage(input: HacInput): HacResult {
  const { vectors, rows, neighbors, threshold, photo, twice } = input;
  const n = rows.length;
  const pinnedIn = input.pinned;
  const clusterOf = new Int32Array(n);
  const members = new Array<number[] | null>(n).fill(null);
  const sums = new Array<Float64Array | null>(n).fill(null);
  const photos = new Array<Set<number> | null>(n).fill(null);
  // photo -> the cluster's items in it, kept only for the collage rule (`twice`)
  const items = twice ? new Array<Map<number, number[]> | null>(n).fill(null) : null;
  const pinned = new Float64Array(n).fill(-1);
  const rejects = new Array<Set<number> | null>(n).fill(null);
  const version = new Int32Array(n);
  const nbrs = new Array<Set<number> | null>(n).fill(null);

  // initial clusters: one per pinned person (must-link), singletons otherwise
  const pinRoot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = pinnedIn ? pinnedIn[i]! : -1;
    let root = i;
    if (p >= 0) {
      const r = pinRoot.get(p);
      if (r === undefined) pinRoot.set(p, i);
      else root = r;
    }
    clusterOf[i] = root;
    if (root === i) {
      members[i] = [];
      sums[i] = new Float64Array(DIM);
      photos[i] = new Set();
      if (items) items[i] = new Map();
      pinned[i] = p;
      nbrs[i] = new Set();
    }
    members[root]!.push(i);
    addUnit(sums[root]!, vectors, rows[i]);
    photos[root]!.add(photo[i]!);
    if (items) addToPhoto(items[root]!, photo[i]!, i);
    const rj = input.rejects?.(i);
    if (rj && rj.size) {
      let s = rejects[root];
      if (!s) s = rejects[root] = new Set();
      for (const x of rj) s.add(x);
    }
  }
  for (let i = 0; i < n; i++) {
    const ci = clusterOf[i]!;
    const nb = neighbors[i]!;
    for (let t = 0; t < nb.length; t++) {
      const cj = clusterOf[nb[t]!]!;
      if (cj !== ci) {
        nbrs[ci]!.add(cj);
        nbrs[cj]!.add(ci);
      }
    }
  }

  const linkage = (a: number, b: number) => dotF(sums[a]!, sums[b]!) / (members[a]!.length * members[b]!.length);
  const canMerge = (a: number, b: number): boolean => {
    const pa = pinned[a]!, pb = pinned[b]!;
    if (pa >= 0 && pb >= 0 && pa !== pb) return false;
    if (pa >= 0 && rejects[b]?.has(pa)) return false;
    if (pb >= 0 && rejects[a]?.has(pb)) return false;
    if (items) return !keptApart(items[a]!, items[b]!, twice);
    const [small, big] = photos[a]!.size <= photos[b]!.size ? [photos[a]!, photos[b]!] : [photos[b]!, photos[a]!];
    for (const p of small) if (big.has(p)) return false;
    return true;
  };

  const heap = new PairHeap();
  for (let a = 0; a < n; a++) {
    if (!nbrs[a]) continue;
    for (const b of nbrs[a]!) {
      if (b <= a) continue;
      const s = linkage(a, b);
      if (s >= threshold && canMerge(a, b)) heap.push(s, a, b, 0, 0);
    }
  }

  let merges = 0;
  while (heap.size) {
    const [, x, y, vx, vy] = heap.pop();
    if (!members[x] || !members[y] || version[x] !== vx || version[y] !== vy) continue;
    if (!canMerge(x, y)) continue;
    // merge the smaller into the larger (ties: into the lower index)
    const [a, b] = members[x].length >= members[y].length ? [x, y] : [y, x];
    for (const i of members[b]!) {
      clusterOf[i] = a;
      members[a]!.push(i);
    }
    const sa = sums[a]!, sb = sums[b]!;
    for (let d = 0; d < DIM; d++) sa[d]! += sb[d]!;
    for (const p of photos[b]!) photos[a]!.add(p);
    if (items) {
      for (const [p, list] of items[b]!) for (const i of list) addToPhoto(items[a]!, p, i);
      items[b] = null;
    }
    if (pinned[a]! < 0) pinned[a] = pinned[b]!;
    if (rejects[b]) {
      if (!rejects[a]) rejects[a] = new Set();
      for (const r of rejects[b]) rejects[a].add(r);
    }
    for (const c of nbrs[b]!) {
      if (c === a) continue;
      nbrs[c]!.delete(b);
      nbrs[c]!.add(a);
      nbrs[a]!.add(c);
    }
    nbrs[a]!.delete(b);
    members[b] = sums[b] = photos[b] = rejects[b] = nbrs[b] = null;
    version[a]!++;
    merges++;
    for (const c of nbrs[a]!) {
      const s = linkage(a, c);
      if (s >= threshold && canMerge(a, c)) heap.push(s, a, c, version[a]!, version[c]!);
    }
  }

  const clusters: number[][] = [];
  const pinnedOf: number[] = [];
  for (let i = 0; i < n; i++) {
    if (members[i]) {
      clusters.push(members[i]!.sort((p, q) => p - q));
      pinnedOf.push(pinned[i]!);
    }
  }
  const order = clusters.map((c, i) => i).sort((p, q) => clusters[p]![0]! - clusters[q]![0]!);
  return { clusterOf, clusters: order.map((i) => clusters[i]!), pinnedOf: order.map((i) => pinnedOf[i]!), merges };
}
