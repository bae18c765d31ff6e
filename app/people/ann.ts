/**
 * Nearest-neighbour indexes over int8 embeddings, all returning exact int8 cosines.
 *
 * - BruteForceIndex: exact, pure JS; fine up to a few thousand rows per query budget.
 * - HnswIndex: HNSW graph from the `hnswlib-node` native addon (N-API), re-scored exactly on the
 *   int8 copy it keeps. Used where brute force cannot meet the latency goal.
 * - AutoIndex: brute force while small, migrates itself to HNSW past `switchAt` rows (falls back
 *   to brute force when the addon cannot be loaded).
 */
import { DIM, checkEmbedding, dotAt, normAt } from './vector';

export interface Neighbor {
  label: number;
  score: number;
}

export interface KnnIndex {
  readonly kind: 'brute' | 'hnsw' | 'auto';
  readonly size: number;
  has(label: number): boolean;
  /** Adds or replaces the vector of `label` (a non-negative safe integer). */
  add(label: number, v: Int8Array): void;
  remove(label: number): void;
  /** Up to k neighbours with cosine >= minScore, best first (ties: lower label first). */
  search(q: Int8Array, k: number, minScore?: number, filter?: (label: number) => boolean): Neighbor[];
  /** Bytes held (approximate), for the memory budget. */
  bytes(): number;
}

function sortNeighbors(a: Neighbor[]): Neighbor[] {
  return a.sort((x, y) => y.score - x.score || x.label - y.label);
}

export class BruteForceIndex implements KnnIndex {
  readonly kind = 'brute' as const;
  private data: Int8Array;
  private norms: Float64Array;
  private labels: Float64Array;
  private slot = new Map<number, number>();
  private n = 0;

  constructor(capacity = 1024) {
    const c = Math.max(16, capacity);
    this.data = new Int8Array(c * DIM);
    this.norms = new Float64Array(c);
    this.labels = new Float64Array(c);
  }

  get size(): number {
    return this.n;
  }

  has(label: number): boolean {
    return this.slot.has(label);
  }

  add(label: number, v: Int8Array): void {
    checkEmbedding(v);
    let s = this.slot.get(label);
    if (s === undefined) {
      if (this.n === this.norms.length) this.grow();
      s = this.n++;
      this.slot.set(label, s);
      this.labels[s] = label;
    }
    this.data.set(v, s * DIM);
    this.norms[s] = normAt(v, 0);
  }

  remove(label: number): void {
    const s = this.slot.get(label);
    if (s === undefined) return;
    this.slot.delete(label);
    const last = --this.n;
    if (s !== last) {
      this.data.copyWithin(s * DIM, last * DIM, (last + 1) * DIM);
      this.norms[s] = this.norms[last]!;
      const l = this.labels[last]!;
      this.labels[s] = l;
      this.slot.set(l, s);
    }
  }

  search(q: Int8Array, k: number, minScore = -Infinity, filter?: (label: number) => boolean): Neighbor[] {
    const qn = normAt(q, 0);
    const out: Neighbor[] = [];
    if (k <= 0 || qn === 0) return out;
    let floor = minScore;
    const { data, norms, labels } = this;
    for (let r = 0; r < this.n; r++) {
      const rn = norms[r]!;
      if (rn === 0) continue;
      const label = labels[r]!;
      // Filter before scoring (a filtered row is skipped either way): saves the dot product.
      if (filter && !filter(label)) continue;
      const s = dotAt(q, 0, data, r) / (qn * rn);
      if (s < floor) continue;
      let p = out.length;
      while (p > 0 && (out[p - 1]!.score < s || (out[p - 1]!.score === s && out[p - 1]!.label > label))) p--;
      if (p >= k) continue;
      out.splice(p, 0, { label, score: s });
      if (out.length > k) out.pop();
      if (out.length === k) floor = Math.max(minScore, out[k - 1]!.score);
    }
    return out;
  }

  /** Iterates over (label, vector) pairs. */
  *entries(): Generator<[number, Int8Array]> {
    for (let r = 0; r < this.n; r++) yield [this.labels[r]!, this.data.subarray(r * DIM, (r + 1) * DIM)];
  }

  bytes(): number {
    return this.data.byteLength + this.norms.byteLength + this.labels.byteLength + this.slot.size * 40;
  }

  private grow(): void {
    ({ data: this.data, norms: this.norms, labels: this.labels } = grownRows({ data: this.data, norms: this.norms, labels: this.labels }, this.norms.length * 2));
  }
}

type HnswModule = typeof import('hnswlib-node');
let hnswModule: HnswModule | null | undefined;

/** The hnswlib-node addon, or null when it cannot be loaded on this machine. */
export function loadHnsw(): HnswModule | null {
  if (hnswModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      hnswModule = require('hnswlib-node') as HnswModule;
    } catch {
      hnswModule = null;
    }
  }
  return hnswModule;
}

export interface HnswOptions {
  capacity?: number;
  /** HNSW graph degree (hnswlib M). */
  m?: number;
  efConstruction?: number;
  /** Search beam; at least 2k is used. */
  efSearch?: number;
  seed?: number;
}

export class HnswIndex implements KnnIndex {
  readonly kind = 'hnsw' as const;
  private index: InstanceType<HnswModule['HierarchicalNSW']>;
  private capacity: number;
  /** internal id -> int8 vector copy (exact re-scoring) and label */
  private data: Int8Array;
  private norms: Float64Array;
  private labels: Float64Array;
  private live = new Map<number, number>(); // label -> internal id
  private nextId = 0;
  private readonly efSearch: number;
  private currentEf = -1;
  private readonly point: number[] = new Array<number>(DIM).fill(0);

  constructor(opts: HnswOptions = {}) {
    const mod = loadHnsw();
    if (!mod) throw new Error('hnswlib-node is not available');
    this.capacity = Math.max(64, opts.capacity ?? 1024);
    this.index = new mod.HierarchicalNSW('cosine', DIM);
    this.index.initIndex({
      maxElements: this.capacity,
      m: opts.m ?? 16,
      efConstruction: opts.efConstruction ?? 100,
      randomSeed: opts.seed ?? 100,
    });
    this.efSearch = opts.efSearch ?? 64;
    this.data = new Int8Array(this.capacity * DIM);
    this.norms = new Float64Array(this.capacity);
    this.labels = new Float64Array(this.capacity);
  }

  get size(): number {
    return this.live.size;
  }

  has(label: number): boolean {
    return this.live.has(label);
  }

  private toPoint(v: Int8Array): number[] {
    const p = this.point;
    for (let d = 0; d < DIM; d++) p[d] = v[d]!;
    return p;
  }

  add(label: number, v: Int8Array): void {
    checkEmbedding(v);
    const old = this.live.get(label);
    if (old !== undefined) {
      this.index.markDelete(old);
      this.live.delete(label);
    }
    if (normAt(v, 0) === 0) throw new Error('zero embedding');
    if (this.nextId === this.capacity) this.grow();
    const id = this.nextId++;
    this.data.set(v, id * DIM);
    this.norms[id] = normAt(v, 0);
    this.labels[id] = label;
    this.index.addPoint(this.toPoint(v), id);
    this.live.set(label, id);
  }

  remove(label: number): void {
    const id = this.live.get(label);
    if (id === undefined) return;
    this.index.markDelete(id);
    this.live.delete(label);
  }

  search(q: Int8Array, k: number, minScore = -Infinity, filter?: (label: number) => boolean): Neighbor[] {
    const n = this.live.size;
    if (k <= 0 || n === 0) return [];
    const qn = normAt(q, 0);
    if (qn === 0) return [];
    // over-fetch when a filter may drop results
    const want = Math.min(n, filter ? k * 4 : k);
    const ef = Math.max(this.efSearch, want * 2);
    if (ef !== this.currentEf) {
      this.index.setEf(ef);
      this.currentEf = ef;
    }
    const res = this.index.searchKnn(this.toPoint(q), want);
    const out: Neighbor[] = [];
    for (const id of res.neighbors) {
      const label = this.labels[id]!;
      if (filter && !filter(label)) continue;
      const s = dotAt(q, 0, this.data, id) / (qn * this.norms[id]!);
      if (s >= minScore) out.push({ label, score: s });
    }
    sortNeighbors(out);
    if (out.length > k) out.length = k;
    return out;
  }

  bytes(): number {
    // hnswlib: float32 vector + level-0 links (2M ids) + label per element, plus our int8 copy
    const perElement = DIM * 4 + 2 * 16 * 4 + 8 + 8;
    return this.capacity * perElement + this.data.byteLength + this.norms.byteLength + this.labels.byteLength + this.live.size * 40;
  }

  private grow(): void {
    const c = this.capacity * 2;
    this.index.resizeIndex(c);
    ({ data: this.data, norms: this.norms, labels: this.labels } = grownRows({ data: this.data, norms: this.norms, labels: this.labels }, c));
    this.capacity = c;
  }
}

export interface AutoIndexOptions extends HnswOptions {
  /** Rows above which the index migrates to HNSW (default 4096). */
  switchAt?: number;
  /** 'brute' or 'hnsw' forces one implementation. */
  force?: 'brute' | 'hnsw';
}

/** Brute force while small (exact), HNSW once large. */
export class AutoIndex implements KnnIndex {
  readonly kind = 'auto' as const;
  private impl: KnnIndex;
  private readonly switchAt: number;

  constructor(private readonly opts: AutoIndexOptions = {}) {
    this.switchAt = opts.switchAt ?? 4096;
    if (opts.force === 'hnsw') this.impl = new HnswIndex(opts);
    else this.impl = new BruteForceIndex(Math.min(opts.capacity ?? 1024, this.switchAt + 1));
  }

  /** Which implementation serves now. */
  get using(): 'brute' | 'hnsw' {
    return this.impl.kind === 'hnsw' ? 'hnsw' : 'brute';
  }

  get size(): number {
    return this.impl.size;
  }

  has(label: number): boolean {
    return this.impl.has(label);
  }

  add(label: number, v: Int8Array): void {
    this.impl.add(label, v);
    if (this.impl instanceof BruteForceIndex && this.opts.force !== 'brute' && this.impl.size > this.switchAt && loadHnsw()) {
      const h = new HnswIndex({ ...this.opts, capacity: Math.max(this.opts.capacity ?? 0, this.impl.size * 2) });
      for (const [l, vec] of this.impl.entries()) h.add(l, vec);
      this.impl = h;
    }
  }

  remove(label: number): void {
    this.impl.remove(label);
  }

  search(q: Int8Array, k: number, minScore?: number, filter?: (label: number) => boolean): Neighbor[] {
    return this.impl.search(q, k, minScore, filter);
  }

  bytes(): number {
    return this.impl.bytes();
  }
}

/** The row arrays of an index (vectors, their norms, their labels) copied into `capacity` rows. */
function grownRows(rows: { data: Int8Array; norms: Float64Array; labels: Float64Array }, capacity: number) {
  const data = new Int8Array(capacity * DIM);
  data.set(rows.data);
  const norms = new Float64Array(capacity);
  norms.set(rows.norms);
  const labels = new Float64Array(capacity);
  labels.set(rows.labels);
  return { data, norms, labels };
}
