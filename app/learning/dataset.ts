/**
 * Training data for the head, packed into typed arrays: one row per face that takes part
 * (labelled faces, pseudo-labelled faces, and unlabelled faces that carry a cannot-link or a
 * rejection towards a labelled face), person labels as small integers, per-face weights, and the
 * constraints in compressed-row form. Also the stable held-out split.
 */
import type { FaceId, PersonId } from '../contract/people';

export type { FaceId, PersonId };
export interface DatasetInput {
  /** The frozen network's embedding of every face that may take part (float, any scale). */
  baseVectors: ReadonlyMap<FaceId, Float32Array>;
  /** User-named / confirmed / moved faces: face -> person. */
  labels: ReadonlyMap<FaceId, PersonId>;
  /**
   * Faces the machine put into people the user named (naming a person accepts its faces): trained
   * on like labels (weight 1), never held out or judged (splitForJudge: machine-placed faces never
   * judge). The user's word wins where a face is in both.
   */
  accepted?: ReadonlyMap<FaceId, PersonId>;
  /** Face-face cannot-links: "not the same person", split-offs, two faces of one photo. */
  cannotLink?: readonly (readonly [FaceId, FaceId])[];
  /** Face-person rejections: "this face is not that person". */
  rejections?: readonly (readonly [FaceId, PersonId])[];
  /** Optional machine labels (faces the clustering is very sure of), used with a lower weight. */
  pseudoLabels?: ReadonlyMap<FaceId, PersonId>;
  /** Weight of a pseudo-labelled face (default 0.3); user labels weigh 1. */
  pseudoWeight?: number;
}

export interface Dataset {
  n: number;
  dims: number;
  /** n unit rows (the base vectors, L2-normalised). */
  x: Float32Array;
  faceIds: Float64Array;
  /** person index per face, -1 = unlabelled */
  label: Int32Array;
  /** 1 = user label, pseudoWeight = pseudo label, 0 = unlabelled */
  weight: Float64Array;
  /** true for user labels (only they are held out and judged: splitForJudge) */
  userLabel: Uint8Array;
  /** true for accepted faces (DatasetInput.accepted) */
  accepted: Uint8Array;
  /** person index -> person id */
  persons: PersonId[];
  /** cannot-link partners of face i: cannotList[cannotStart[i] .. cannotStart[i+1]) */
  cannotStart: Int32Array;
  cannotList: Int32Array;
  /** persons (indices) rejected by face i */
  rejectStart: Int32Array;
  rejectList: Int32Array;
  /** faces that rejected person q: rejectedByList[rejectedByStart[q] .. ) */
  rejectedByStart: Int32Array;
  rejectedByList: Int32Array;
  /** input items that could not be used (no base vector, unknown person, self-pairs) */
  skipped: number;
}

function csr(n: number, pairs: [number, number][]): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(n + 1);
  for (const [i] of pairs) start[i + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(pairs.length);
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  for (const [i, j] of pairs) list[fill[i]!++] = j;
  return { start, list };
}

export function buildDataset(input: DatasetInput): Dataset {
  const { baseVectors, labels } = input;
  const pseudo = input.pseudoLabels ?? new Map<FaceId, PersonId>();
  const pw = input.pseudoWeight ?? 0.3;
  let skipped = 0;
  let dims = 0;
  for (const v of baseVectors.values()) {
    dims = v.length;
    break;
  }
  const personIndex = new Map<PersonId, number>();
  const persons: PersonId[] = [];
  const personOf = (p: PersonId): number => {
    let q = personIndex.get(p);
    if (q === undefined) {
      q = persons.length;
      personIndex.set(p, q);
      persons.push(p);
    }
    return q;
  };
  const rowOf = new Map<FaceId, number>();
  const ids: number[] = [];
  const lab: number[] = [];
  const wt: number[] = [];
  const user: number[] = [];
  const acc: number[] = [];
  const add = (f: FaceId, l: number, w: number, u: number, a = 0): number => {
    let r = rowOf.get(f);
    if (r !== undefined) return r;
    r = ids.length;
    rowOf.set(f, r);
    ids.push(f);
    lab.push(l);
    wt.push(w);
    user.push(u);
    acc.push(a);
    return r;
  };
  // Faces in id order (user labels and accepted faces together): the result does not depend on
  // map insertion order.
  const accepted = input.accepted ?? new Map<FaceId, PersonId>();
  const sortedLabels: [FaceId, PersonId, boolean][] = [
    ...[...labels].map(([f, p]): [FaceId, PersonId, boolean] => [f, p, true]),
    ...[...accepted].filter(([f]) => !labels.has(f)).map(([f, p]): [FaceId, PersonId, boolean] => [f, p, false]),
  ].sort((a, b) => a[0] - b[0]);
  for (const [f, p, byUser] of sortedLabels) {
    if (!baseVectors.has(f)) {
      skipped++;
      continue;
    }
    add(f, personOf(p), 1, byUser ? 1 : 0, byUser ? 0 : 1);
  }
  for (const [f, p] of [...pseudo.entries()].sort((a, b) => a[0] - b[0])) {
    if (labels.has(f) || accepted.has(f)) continue; // the user's word wins
    if (!baseVectors.has(f)) {
      skipped++;
      continue;
    }
    add(f, personOf(p), pw, 0);
  }
  const cl: [number, number][] = [];
  for (const [f, g] of input.cannotLink ?? []) {
    if (f === g || !baseVectors.has(f) || !baseVectors.has(g)) {
      skipped++;
      continue;
    }
    // useful only when at least one side is labelled (an anchor needs a positive)
    if (!rowOf.has(f) && !rowOf.has(g)) {
      skipped++;
      continue;
    }
    const i = add(f, -1, 0, 0), j = add(g, -1, 0, 0);
    cl.push([i, j], [j, i]);
  }
  const rj: [number, number][] = [];
  for (const [f, p] of input.rejections ?? []) {
    const q = personIndex.get(p);
    if (q === undefined || !baseVectors.has(f)) {
      skipped++;
      continue;
    }
    const i = add(f, -1, 0, 0);
    if (lab[i] === q) {
      skipped++; // contradicts a label: the label wins
      continue;
    }
    rj.push([i, q]);
  }
  const n = ids.length;
  const x = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const v = baseVectors.get(ids[i]!)!;
    if (v.length !== dims) throw new Error(`face ${ids[i]}: base vector has ${v.length} dims, expected ${dims}`);
    let s = 0;
    for (let k = 0; k < dims; k++) s += v[k]! * v[k]!;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let k = 0; k < dims; k++) x[i * dims + k] = v[k]! * inv;
  }
  const c = csr(n, dedupe(cl));
  const r = csr(n, dedupe(rj));
  const rb = csr(persons.length, dedupe(rj.map(([i, q]) => [q, i] as [number, number])));
  return {
    n,
    dims,
    x,
    faceIds: Float64Array.from(ids),
    label: Int32Array.from(lab),
    weight: Float64Array.from(wt),
    userLabel: Uint8Array.from(user),
    accepted: Uint8Array.from(acc),
    persons,
    cannotStart: c.start,
    cannotList: c.list,
    rejectStart: r.start,
    rejectList: r.list,
    rejectedByStart: rb.start,
    rejectedByList: rb.list,
    skipped,
  };
}

function dedupe(pairs: [number, number][]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const p of pairs) {
    const k = `${p[0]},${p[1]}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  }
  return out;
}

/** A stable hash of (face id, seed) in [0, 1): the held-out split does not move as labels grow. */
export function faceHash(faceId: number, seed: number): number {
  let h = (Math.floor(faceId) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  // mix the high part of large ids too
  const hi = Math.floor(faceId / 4294967296) >>> 0;
  if (hi) h = (Math.imul(h ^ hi, 0x9e3779b1) ^ (h >>> 13)) >>> 0;
  return h / 4294967296;
}

export interface Split {
  /** rows used for training (every row that is not held out, unlabelled ones included) */
  train: Int32Array;
  /** held-out user-labelled rows (validation queries) */
  heldOut: Int32Array;
  /** 1 for held-out rows */
  isHeldOut: Uint8Array;
}

/** Which part of the user's own labels a face is in (splitForJudge). */
export type JudgePart = 'train' | 'validation' | 'adoption';

export interface JudgeSplit extends Split {
  /** validation rows (= heldOut): the user's labels that choose the epoch */
  validation: Int32Array;
  /** adoption-check rows: the user's labels that decide adoption (never trained on, never used to choose the epoch) */
  adoption: Int32Array;
  /** rows that carry a user's "not this person" and fell in the adoption part (judged, not trained on) */
  adoptionRejections: Int32Array;
  /** 0 train, 1 validation, 2 adoption, per row */
  part: Uint8Array;
}

/**
 * The fair judge's three disjoint parts of the USER's own labels (issue 18): training, epoch
 * selection (validation) and the adoption check. A face's part follows from hash(face id, seed)
 * alone: below `validation` -> validation, below `validation + adoption` -> adoption check, else
 * training; person by person the lowest hashes go first and a person always keeps `keep` (2)
 * training faces (a gallery face and an anchor-positive pair), so people with fewer than 3 labels
 * hold nothing out. Stable across runs and as labels grow (a face's hash never changes).
 * Faces the machine placed (accepted faces of named people, pseudo-labels) are trained on but are
 * never in the validation or adoption part: a judge made of them rewards a head for agreeing with
 * the machine. Faces the user rejected from a person ("not Anna") fall into the adoption part by
 * the same hash rule (then they are not trained on): the check counts whether a head puts them
 * back into that person.
 */
export function splitForJudge(d: Dataset, fractions: { validation: number; adoption: number }, seed: number, keep = 2): JudgeSplit {
  const v = fractions.validation;
  const a = v + fractions.adoption;
  const byPerson: number[][] = d.persons.map(() => []);
  for (let i = 0; i < d.n; i++) if (d.userLabel[i] && !d.accepted[i] && d.label[i]! >= 0) byPerson[d.label[i]!]!.push(i);
  const part = new Uint8Array(d.n);
  const hash = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) hash[i] = faceHash(d.faceIds[i]!, seed);
  for (const rows of byPerson) {
    if (rows.length < keep + 1) continue;
    rows.sort((x, y) => hash[x]! - hash[y]! || x - y);
    const maxOut = rows.length - keep;
    let out = 0;
    for (const r of rows) {
      if (out >= maxOut || hash[r]! >= a) break;
      part[r] = hash[r]! < v ? 1 : 2;
      out++;
    }
  }
  const rejections: number[] = [];
  for (let i = 0; i < d.n; i++) {
    if (d.label[i]! >= 0 || d.rejectStart[i + 1]! === d.rejectStart[i]!) continue;
    if (hash[i]! >= v && hash[i]! < a) {
      part[i] = 2;
      rejections.push(i);
    }
  }
  const train: number[] = [], validation: number[] = [], adoption: number[] = [];
  for (let i = 0; i < d.n; i++) {
    if (part[i] === 0) train.push(i);
    else if (part[i] === 1) validation.push(i);
    else if (d.label[i]! >= 0) adoption.push(i);
  }
  const isHeldOut = Uint8Array.from(part, (p) => (p === 0 ? 0 : 1));
  const val = Int32Array.from(validation);
  return { train: Int32Array.from(train), heldOut: val, isHeldOut, validation: val, adoption: Int32Array.from(adoption), adoptionRejections: Int32Array.from(rejections), part };
}
