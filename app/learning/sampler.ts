/**
 * P x K mini-batches (FaceNet: "several faces of each of many identities"): P people, K faces
 * of each (all of a person's faces when it has fewer), plus the explicit negatives that concern
 * them (cannot-link partners of the chosen faces and faces that rejected the chosen people), up to
 * `maxExtra` a batch. People take turns in a shuffled order and each person's faces in a shuffled
 * order, so one epoch (about trainFaces / (P K) batches) sees every labelled face about once.
 * Deterministic for a given Rng.
 */
import type { Dataset } from './dataset';
import { REL_CANNOT, REL_NEG, REL_NONE, REL_POS } from './loss';
import type { Rng } from './rng';

export interface SamplerOptions {
  P: number;
  K: number;
  /** Most extra (explicit-negative) faces added to a batch (default P*K/4). */
  maxExtra?: number;
}

export class PKSampler {
  /** people with at least two training faces (an anchor-positive pair) */
  readonly people: Int32Array;
  private readonly faces: Int32Array[];
  private readonly faceCursor: Int32Array;
  private personCursor = 0;
  private readonly stamp: Int32Array;
  private stampId = 0;
  readonly batchesPerEpoch: number;
  readonly capacity: number;
  readonly maxExtra: number;
  private readonly allowed: Uint8Array;

  constructor(
    private readonly d: Dataset,
    train: Int32Array,
    private readonly opts: SamplerOptions,
    private readonly rng: Rng,
  ) {
    if (opts.P < 1 || opts.K < 2) throw new Error('a batch needs P >= 1 people and K >= 2 faces each');
    const byPerson: number[][] = d.persons.map(() => []);
    this.allowed = new Uint8Array(d.n);
    for (const r of train) {
      this.allowed[r] = 1;
      if (d.label[r]! >= 0) byPerson[d.label[r]!]!.push(r);
    }
    const people: number[] = [];
    this.faces = byPerson.map((rows, q) => {
      if (rows.length >= 2) people.push(q);
      return Int32Array.from(rows);
    });
    this.people = Int32Array.from(people);
    this.faceCursor = new Int32Array(d.persons.length);
    for (const q of people) rng.shuffle(this.faces[q]!);
    rng.shuffle(this.people);
    let labelled = 0;
    for (const q of people) labelled += this.faces[q]!.length;
    this.batchesPerEpoch = Math.max(1, Math.ceil(labelled / (opts.P * opts.K)));
    this.maxExtra = opts.maxExtra ?? Math.max(4, Math.floor((opts.P * opts.K) / 4));
    this.capacity = opts.P * opts.K + this.maxExtra;
    this.stamp = new Int32Array(d.n);
  }

  /** Writes the rows of the next batch into `out` (length >= capacity); returns the count. */
  next(out: Int32Array): number {
    const d = this.d;
    const P = Math.min(this.opts.P, this.people.length);
    const K = this.opts.K;
    const s = ++this.stampId;
    let n = 0;
    for (let i = 0; i < P; i++) {
      if (this.personCursor >= this.people.length) {
        this.personCursor = 0;
        this.rng.shuffle(this.people);
      }
      const q = this.people[this.personCursor++]!;
      const list = this.faces[q]!;
      const take = Math.min(K, list.length);
      for (let t = 0; t < take; t++) {
        if (this.faceCursor[q]! >= list.length) {
          this.faceCursor[q] = 0;
          this.rng.shuffle(list);
        }
        const r = list[this.faceCursor[q]!++]!;
        if (this.stamp[r] === s) continue; // wrapped around onto a face already taken
        this.stamp[r] = s;
        out[n++] = r;
      }
    }
    // explicit negatives concerning the chosen faces and people
    const core = n;
    let extra = 0;
    for (let i = 0; i < core && extra < this.maxExtra; i++) {
      const r = out[i]!;
      for (let c = d.cannotStart[r]!; c < d.cannotStart[r + 1]! && extra < this.maxExtra; c++) {
        const f = d.cannotList[c]!;
        if (this.stamp[f] === s || !this.allowed[f]) continue;
        this.stamp[f] = s;
        out[n++] = f;
        extra++;
      }
      const q = d.label[r]!;
      if (q < 0) continue;
      for (let c = d.rejectedByStart[q]!; c < d.rejectedByStart[q + 1]! && extra < this.maxExtra; c++) {
        const f = d.rejectedByList[c]!;
        if (this.stamp[f] === s || !this.allowed[f]) continue;
        this.stamp[f] = s;
        out[n++] = f;
        extra++;
      }
    }
    return n;
  }
}

/**
 * Relations of a batch (n x n bytes, see loss.ts): same person -> REL_POS; a cannot-link or a
 * rejection between them -> REL_CANNOT; two different named people -> REL_NEG; otherwise
 * REL_NONE. `mark` is a work array of d.n + d.persons.length stamps.
 */
export function batchRelations(d: Dataset, rows: Int32Array, n: number, rel: Uint8Array, mark: Int32Array, weight?: Float64Array): void {
  const P0 = d.n; // person marks live after the face marks
  for (let a = 0; a < n; a++) {
    const ra = rows[a]!;
    const la = d.label[ra]!;
    const s = a + 1; // marks are cleared after each anchor
    // mark the anchor's cannot-link faces and rejected people
    for (let c = d.cannotStart[ra]!; c < d.cannotStart[ra + 1]!; c++) mark[d.cannotList[c]!] = s;
    for (let c = d.rejectStart[ra]!; c < d.rejectStart[ra + 1]!; c++) mark[P0 + d.rejectList[c]!] = s;
    const ro = a * n;
    for (let j = 0; j < n; j++) {
      if (j === a) {
        rel[ro + j] = REL_NONE;
        continue;
      }
      const rj = rows[j]!;
      const lj = d.label[rj]!;
      if (la >= 0 && la === lj) {
        rel[ro + j] = REL_POS;
        continue;
      }
      let cannot = mark[rj] === s || (lj >= 0 && mark[P0 + lj] === s);
      if (!cannot && la >= 0) {
        // does face j reject the anchor's person?
        for (let c = d.rejectStart[rj]!; c < d.rejectStart[rj + 1]!; c++) {
          if (d.rejectList[c] === la) {
            cannot = true;
            break;
          }
        }
      }
      rel[ro + j] = cannot ? REL_CANNOT : la >= 0 && lj >= 0 ? REL_NEG : REL_NONE;
    }
    for (let c = d.cannotStart[ra]!; c < d.cannotStart[ra + 1]!; c++) mark[d.cannotList[c]!] = 0;
    for (let c = d.rejectStart[ra]!; c < d.rejectStart[ra + 1]!; c++) mark[P0 + d.rejectList[c]!] = 0;
  }
  if (weight) for (let a = 0; a < n; a++) weight[a] = d.weight[rows[a]!]!;
}
