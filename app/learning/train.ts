/**
 * The training job: fine-tunes a projection head on the user's labels with triplet loss and
 * online semi-hard mining, a harmonic (compatibility) term towards the current head, early
 * stopping on held-out labels, and the adopt/discard rule. Pure computation (no store, no UI);
 * `trainHeadInWorker` (train-worker.ts) runs it off the main thread.
 */
import { buildDataset, splitUserFirst, type Dataset, type DatasetInput, type FaceId } from './dataset';
import { better, evalIndex, evaluate, type AssignRule, type EvalIndex, type EvalMetrics } from './evaluate';
import { backward, forward, forwardCache, headLayout, identityParams, projectRows, type HeadKind, type HeadShape } from './head';
import { batchTripletLoss, lossWork, strangerTerm, type BatchStats, type HardFallback } from './loss';
import { Optimizer, type OptimizerKind } from './optim';
import { identityHead, newHeadId, type HeadRecord } from './record';
import { Rng } from './rng';
import { PKSampler, batchRelations } from './sampler';

export interface TrainOptions {
  /** Most passes over the labelled faces (default 30). */
  epochs: number;
  /** People per batch (default 32). */
  batchP: number;
  /** Faces per person per batch (default 4). */
  batchK: number;
  /** Learning rate (default 0.002 for Adam, 0.05 for SGD). */
  lr: number;
  /** Triplet margin on squared distances of unit vectors, in FaceNet's units (default 0.2); see alphaScale. */
  alpha: number;
  /**
   * The margin actually used is alpha x alphaScale. 'auto' (default): half the mean squared
   * distance between faces of different people under the current head - 1 for an isotropic
   * embedding like FaceNet's (unrelated faces orthogonal, |a-n|^2 = 2), about 0.16 for dlib's,
   * whose faces all lie in a narrow cone (unrelated faces at cosine ~0.84). A number: fixed
   * (1 = FaceNet's raw margin).
   */
  alphaScale: 'auto' | number;
  /** Weight of the harmonic cross-version term (default 0.5; 0 = off). */
  harmonicWeight: number;
  seed: number;
  /** Wall-clock budget; training stops (keeping the best head so far) when it is spent (default 55). */
  maxSeconds: number;
  optimizer: OptimizerKind;
  /** SGD momentum (default 0.9). */
  momentum: number;
  /** Pull towards the starting head (L2-SP; default 1e-3). */
  weightDecay: number;
  /** Head kind for a new head (default: the current head's kind, else 'linear'). */
  kind: HeadKind;
  /** Hidden width of a residual-mlp head (default 64). */
  hidden: number;
  /** When no negative is farther than the positive (default 'least-hard'). */
  hardFallback: HardFallback;
  /** Weight of the explicit cannot-link triplets (default 1). */
  cannotLinkWeight: number;
  /** Fraction of the user's labelled faces held out for early stopping and the adopt rule (default 0.2). */
  heldOutFraction: number;
  /**
   * When the user's own labels hold out fewer faces than this, the accepted faces (faces of named
   * people the user did not place one by one) are held out and evaluated too (default 30;
   * dataset.ts splitUserFirst).
   */
  minUserHeldOut: number;
  /** Epochs without a better validation figure before stopping (default 10). */
  patience: number;
  /** Assignment rule of the validation figures (the people feature's threshold and margin). */
  assign: AssignRule;
  /** A new head is adopted only when its score beats the current head's by more than this (default 0). */
  minGain: number;
  /** ... and (default true) its wrong-assignment rate is not higher. */
  noMoreWrong: boolean;
  /** Gallery faces per person in the validation figures (default 5, as the people feature's prototypes). */
  evalPerPerson: number;
  /** Most held-out faces evaluated each epoch (default 600: validation cost stays bounded). */
  maxEvalQueries: number;
  /** Extra explicit-negative faces per batch (default batchP*batchK/4). */
  maxExtra: number;
  /**
   * Weight of the calibration term that keeps same-person cosines above assign.threshold +
   * calibrationMargin and the nearest other person below assign.threshold - calibrationMargin
   * (default 1; used only when assign.threshold is set).
   */
  calibrationWeight: number;
  calibrationMargin: number;
  /** Margin below the threshold for the nearest other person (default: calibrationMargin). */
  calibrationNegMargin: number;
  /** Weight of the "no closer" term between different people (default 0 = off; see loss.ts and docs/learning.md). */
  driftWeight: number;
  /**
   * Weight of the stranger-structure term (loss.ts `strangerTerm`; 0 = off): pairs of faces nobody
   * labelled (`TrainInput.unlabelled`) with their nearest other unlabelled faces and with their
   * nearest labelled faces (both under the current head) may not become more similar than under the
   * current head once they are near the assign threshold (above threshold - strangerMargin).
   * Keeps the head from pulling strangers towards the named people and towards each other.
   */
  strangerWeight: number;
  /** The floor below the assign threshold up to which a stranger pair may come closer freely (default 0.02). */
  strangerMargin: number;
  /** Most unlabelled faces used (a sample; default 3000). */
  strangerMax: number;
  /** Unlabelled faces per batch (default 32). */
  strangerBatch: number;
  /** Nearest unlabelled faces paired with each unlabelled face (default 4; 0 = no stranger-stranger pairs). */
  strangerNeighbours: number;
  /** Nearest labelled training faces paired with each unlabelled face (default 4; 0 = no stranger-labelled pairs). */
  strangerLabelled: number;
  /** At least this many batches an epoch (small label sets; default 8). */
  minBatchesPerEpoch: number;
  /** Keep the best epoch by held-out score (default true); false keeps the last (for experiments). */
  restoreBest: boolean;
}

export const DEFAULT_TRAIN_OPTIONS: Readonly<TrainOptions> = Object.freeze({
  epochs: 30,
  batchP: 32,
  batchK: 4,
  lr: 0.002,
  alpha: 0.2,
  alphaScale: 'auto' as 'auto' | number,
  harmonicWeight: 0.5,
  seed: 1,
  maxSeconds: 55,
  optimizer: 'adam' as OptimizerKind,
  momentum: 0.9,
  weightDecay: 1e-3,
  kind: 'linear' as HeadKind,
  hidden: 64,
  hardFallback: 'least-hard' as HardFallback,
  cannotLinkWeight: 1,
  heldOutFraction: 0.2,
  minUserHeldOut: 30,
  patience: 10,
  assign: {},
  minGain: 0,
  noMoreWrong: true,
  evalPerPerson: 5,
  maxEvalQueries: 600,
  maxExtra: -1,
  calibrationWeight: 1,
  calibrationMargin: 0.02,
  calibrationNegMargin: 0.02,
  minBatchesPerEpoch: 8,
  driftWeight: 0,
  strangerWeight: 300,
  strangerMargin: 0.02,
  strangerMax: 3000,
  strangerBatch: 32,
  strangerNeighbours: 4,
  strangerLabelled: 4,
  restoreBest: true,
});

export interface EpochRecord {
  epoch: number;
  /** Mean batch loss of the epoch. */
  loss: number;
  val: EvalMetrics;
  seconds: number;
  /** Mining counts of the epoch. */
  mining: { pairs: number; semiHard: number; easy: number; hard: number; none: number; explicit: number; explicitActive: number };
  harmonic: number;
  calibration: number;
  /** Mean stranger-structure loss of the epoch (weighted) and its active pairs. */
  stranger: number;
  strangerActive: number;
}

export type ProgressFn = (epoch: number, loss: number, val: EvalMetrics, record: EpochRecord) => void;

export interface TrainInput extends DatasetInput {
  /**
   * Faces nobody labelled (no label, no pseudo label; their base vectors in baseVectors): the
   * stranger-structure term keeps their similarities (see strangerWeight). Faces that are rows of
   * the dataset anyway (e.g. with a cannot-link) are left out; at most strangerMax are sampled.
   */
  unlabelled?: readonly FaceId[];
  /** The head in use now (training starts from it; the harmonic term keeps compatibility with it). Null = identity. */
  currentHead?: HeadRecord | null;
  /** Embedding model id for a new identity head (default: the current head's, else dlib-resnet-v1). */
  modelId?: string;
  /** Version number of the new head (default current.version + 1). */
  version?: number;
  options?: Partial<TrainOptions>;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

export interface TrainResult {
  /** The trained head (adopted or not), its figures in metrics. */
  head: HeadRecord;
  history: EpochRecord[];
  /** Validation figures of the current head and of the trained head on the same held-out faces. */
  before: EvalMetrics;
  after: EvalMetrics;
  adopted: boolean;
  /** Why adopted or discarded. */
  reason: string;
  seconds: number;
  bestEpoch: number;
  stoppedBy: 'epochs' | 'early-stop' | 'time' | 'no-data';
  /** The triplet margin used (alpha x alphaScale). */
  margin: number;
  /**
   * What was used: faces, people, labelled training faces, held-out faces (and whether accepted
   * faces are among them: the user's own labels held out fewer than minUserHeldOut), accepted
   * faces, constraints, skipped inputs, strangers of the stranger term.
   */
  data: {
    faces: number;
    people: number;
    trainableFaces: number;
    heldOut: number;
    accepted: number;
    heldOutWithAccepted: boolean;
    cannotLinks: number;
    rejections: number;
    skipped: number;
    strangers: number;
  };
}

export class TrainingAbortedError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

/** Parameters of `from` re-expressed in `to` (linear -> residual-mlp adds a zero MLP branch). */
export function convertParams(from: HeadShape, p: Float32Array | Float64Array, to: HeadShape, seed: number): Float64Array {
  if (from.kind === to.kind && from.inDims === to.inDims && from.outDims === to.outDims && from.hidden === to.hidden) return Float64Array.from(p);
  if (from.inDims !== to.inDims || from.outDims !== to.outDims) throw new Error('cannot convert a head between different widths');
  const Lf = headLayout(from);
  const out = identityParams(to, seed, p.subarray(Lf.w, Lf.w + from.outDims * from.inDims));
  const Lt = headLayout(to);
  for (let o = 0; o < to.outDims; o++) out[Lt.b + o] = p[Lf.b + o]!;
  if (from.kind === 'residual-mlp' && to.kind === 'residual-mlp') throw new Error('cannot change the hidden width of a residual head');
  if (from.kind === 'residual-mlp') throw new Error('cannot turn a residual-mlp head into a linear one');
  return out;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainHead(input: TrainInput): Promise<TrainResult> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...stripUndefined(input.options ?? {}) };
  if (input.options?.lr === undefined && o.optimizer === 'sgd') o.lr = 0.05;
  checkOptions(o);
  const signal = input.signal;
  const check = () => {
    if (signal?.aborted) throw new TrainingAbortedError();
  };
  check();

  const d = buildDataset(input);
  const current = input.currentHead ?? null;
  const modelId = input.modelId ?? current?.modelId ?? 'dlib-resnet-v1';
  const dims = d.dims || current?.shape.inDims || 128;
  const curRecord = current ?? identityHead(modelId, { kind: 'linear', inDims: dims, outDims: 128, hidden: 0 });
  if (curRecord.shape.inDims !== dims) throw new Error(`base vectors have ${dims} dims, the current head takes ${curRecord.shape.inDims}`);
  const wantKind = input.options?.kind ?? curRecord.shape.kind;
  const shape: HeadShape =
    wantKind === curRecord.shape.kind
      ? curRecord.shape
      : { kind: wantKind, inDims: dims, outDims: curRecord.shape.outDims, hidden: wantKind === 'residual-mlp' ? o.hidden : 0 };
  const params = convertParams(curRecord.shape, curRecord.weights, shape, o.seed);
  const start = Float64Array.from(params);
  const O = shape.outDims;

  const split = splitUserFirst(d, o.heldOutFraction, o.seed, o.minUserHeldOut);
  const rng = new Rng(o.seed);
  // Outputs of the current head for every row (harmonic targets and the "before" figures).
  const oldY = projectRows(curRecord.shape, Float64Array.from(curRecord.weights), d.x, d.n);

  // Validation: held-out faces against the training faces of their people.
  const trainLabelled = Array.from(split.train).filter((r) => d.label[r]! >= 0 && d.userLabel[r]);
  rng.shuffle(trainLabelled);
  const heldOrder = Array.from(split.heldOut);
  rng.shuffle(heldOrder);
  const ixFull = evalIndex(d.label, trainLabelled, heldOrder, d.persons.length, O, o.evalPerPerson, o.maxEvalQueries);
  const evalRows = Int32Array.from(new Set([...ixFull.galleryRows, ...ixFull.queryRows]));
  const remap = new Map<number, number>();
  evalRows.forEach((r, i) => remap.set(r, i));
  const ix: EvalIndex = {
    ...ixFull,
    galleryRows: Int32Array.from(ixFull.galleryRows, (r) => remap.get(r)!),
    queryRows: Int32Array.from(ixFull.queryRows, (r) => remap.get(r)!),
  };
  const evalX = new Float32Array(evalRows.length * dims);
  const evalOld = new Float32Array(evalRows.length * O);
  evalRows.forEach((r, i) => {
    evalX.set(d.x.subarray(r * dims, (r + 1) * dims), i * dims);
    evalOld.set(oldY.subarray(r * O, (r + 1) * O), i * O);
  });
  const evalY = new Float32Array(evalRows.length * O);
  const validate = (p: Float64Array) => evaluate(ix, projectRows(shape, p, evalX, evalRows.length, evalY), o.assign);

  const before = evaluate(ix, evalOld, o.assign);
  const dataInfo = {
    faces: d.n,
    people: d.persons.length,
    trainableFaces: 0,
    heldOut: ix.queryRows.length,
    accepted: countRows(d.accepted),
    heldOutWithAccepted: split.withAccepted,
    cannotLinks: d.cannotList.length / 2,
    rejections: d.rejectList.length,
    skipped: d.skipped,
    strangers: 0,
  };

  const history: EpochRecord[] = [];
  let best = Float64Array.from(params);
  let bestVal = validate(params);
  let bestEpoch = 0;
  let stoppedBy: TrainResult['stoppedBy'] = 'epochs';

  let marginUsed = NaN;
  const sampler = new PKSampler(d, split.train, { P: o.batchP, K: o.batchK, maxExtra: o.maxExtra >= 0 ? o.maxExtra : undefined }, rng);
  if (sampler.people.length < 2) {
    stoppedBy = 'no-data';
  } else {
    dataInfo.trainableFaces = countTrainable(d, split.train);
    const cap = sampler.capacity;
    const cache = forwardCache(shape, cap);
    const work = lossWork(cap, O);
    const rows = new Int32Array(cap);
    const rel = new Uint8Array(cap * cap);
    const mark = new Int32Array(d.n + d.persons.length);
    const weight = new Float64Array(cap);
    const gy = new Float64Array(cap * O);
    const oldB = new Float64Array(cap * O);
    const grad = new Float64Array(params.length);
    const opt = new Optimizer(params, { kind: o.optimizer, lr: o.lr, momentum: o.momentum, decay: o.weightDecay }, start);
    const calibration =
      o.assign.threshold !== undefined && o.calibrationWeight > 0
        ? { threshold: o.assign.threshold, margin: o.calibrationMargin, negMargin: o.calibrationNegMargin, weight: o.calibrationWeight }
        : null;
    const alphaScale = o.alphaScale === 'auto' ? embeddingScale(oldY, d.label, split.train, O) : o.alphaScale;
    marginUsed = o.alpha * alphaScale;
    const tripletOpts = { alpha: marginUsed, fallback: o.hardFallback, cannotLinkWeight: o.cannotLinkWeight, harmonicWeight: o.harmonicWeight, calibration, driftWeight: o.driftWeight };
    const strangers = o.strangerWeight > 0 ? await strangerSetup(input, d, split.train, oldY, curRecord, shape, o, check) : null;
    dataInfo.strangers = strangers?.count ?? 0;
    const strangerFloor = o.assign.threshold !== undefined ? o.assign.threshold - o.strangerMargin : undefined;
    let sinceBest = 0;
    let lastYield = performance.now();
    outer: for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const te = performance.now();
      let lossSum = 0, harmSum = 0, calSum = 0, strSum = 0, strActive = 0;
      const mining = { pairs: 0, semiHard: 0, easy: 0, hard: 0, none: 0, explicit: 0, explicitActive: 0 };
      const nb = Math.max(sampler.batchesPerEpoch, o.minBatchesPerEpoch);
      for (let b = 0; b < nb; b++) {
        const n = sampler.next(rows);
        batchRelations(d, rows, n, rel, mark, weight);
        const y = forward(shape, params, d.x, n, cache, rows);
        let old: Float64Array | null = null;
        if (o.harmonicWeight > 0 || o.driftWeight > 0) {
          for (let i = 0; i < n; i++) {
            const src = rows[i]! * O;
            for (let k = 0; k < O; k++) oldB[i * O + k] = oldY[src + k]!;
          }
          old = oldB;
        }
        const st: BatchStats = batchTripletLoss(n, O, y, rel, weight, tripletOpts, gy, work, old);
        grad.fill(0);
        backward(shape, params, d.x, n, cache, gy, grad, rows);
        if (strangers) {
          const sb = strangers.next();
          const ys = forward(shape, params, strangers.x, sb.rows, strangers.cache, strangers.rowIndex);
          strangers.gy.fill(0, 0, sb.rows * O);
          const r = strangerTerm(O, ys, strangers.pairI, strangers.pairJ, strangers.pairOld, sb.pairs, strangerFloor, o.strangerWeight, strangers.gy);
          backward(shape, params, strangers.x, sb.rows, strangers.cache, strangers.gy, grad, strangers.rowIndex);
          st.loss += r.loss;
          strSum += r.loss;
          strActive += r.active;
        }
        opt.step(grad);
        lossSum += st.loss;
        harmSum += st.harmonic;
        calSum += st.calibration;
        for (const k of Object.keys(mining) as (keyof typeof mining)[]) mining[k] += st[k];
        if (performance.now() - lastYield > 50) {
          await yieldToLoop();
          lastYield = performance.now();
        }
        check();
        if (elapsed() > o.maxSeconds) {
          stoppedBy = 'time';
          // finish with a validation of the partial epoch below
          const val = validate(params);
          const rec: EpochRecord = { epoch, loss: lossSum / (b + 1), val, seconds: (performance.now() - te) / 1000, mining, harmonic: harmSum / (b + 1), calibration: calSum / (b + 1), stranger: strSum / (b + 1), strangerActive: strActive };
          history.push(rec);
          if (better(val, bestVal)) {
            best = Float64Array.from(params);
            bestVal = val;
            bestEpoch = epoch;
          }
          input.onProgress?.(epoch, rec.loss, val, rec);
          break outer;
        }
      }
      const val = validate(params);
      const rec: EpochRecord = { epoch, loss: lossSum / nb, val, seconds: (performance.now() - te) / 1000, mining, harmonic: harmSum / nb, calibration: calSum / nb, stranger: strSum / nb, strangerActive: strActive };
      history.push(rec);
      if (better(val, bestVal)) {
        best = Float64Array.from(params);
        bestVal = val;
        bestEpoch = epoch;
        sinceBest = 0;
      } else if (++sinceBest >= o.patience) {
        stoppedBy = 'early-stop';
        input.onProgress?.(epoch, rec.loss, val, rec);
        break;
      }
      input.onProgress?.(epoch, rec.loss, val, rec);
      await yieldToLoop();
      lastYield = performance.now();
      check();
    }
  }

  if (!o.restoreBest && history.length > 0) {
    best = Float64Array.from(params);
    bestVal = history[history.length - 1]!.val;
    bestEpoch = history.length;
  }
  const after = bestVal;
  let adopted = false;
  let reason: string;
  if (ix.queryRows.length === 0) reason = 'no held-out labels to judge by (label at least 3 faces of a person)';
  else if (bestEpoch === 0) reason = 'training never beat the current head on the held-out labels';
  else if (!(after.score > before.score + o.minGain))
    reason = `held-out score ${fmt(after.score)} does not beat the current ${fmt(before.score)}`;
  else if (o.noMoreWrong && after.wrong > before.wrong + 1e-12)
    reason = `more wrong assignments on held-out labels (${fmt(after.wrong)} > ${fmt(before.wrong)})`;
  else {
    adopted = true;
    reason = `held-out score ${fmt(before.score)} -> ${fmt(after.score)}`;
  }
  const seconds = elapsed();
  const version = input.version ?? curRecord.version + 1;
  const head: HeadRecord = {
    id: newHeadId(modelId, version),
    version,
    parent: curRecord.id,
    createdAt: new Date().toISOString(),
    modelId,
    shape,
    metrics: {
      before: { ...before },
      after: { ...after },
      trainSeconds: seconds,
      epochs: history.length,
      bestEpoch,
      labeledFaces: dataInfo.faces,
      people: dataInfo.people,
      heldOut: dataInfo.heldOut,
      margin: marginUsed,
      adopted,
      reason,
      options: { ...o, assign: { ...o.assign } },
    },
    weights: Float32Array.from(best),
  };
  return { head, history, before, after, adopted, reason, seconds, bestEpoch, stoppedBy, margin: marginUsed, data: dataInfo };
}

/**
 * Half the mean squared distance between unit rows of different people (labelled rows among
 * `rows`): 1 - mean cosine, computed in O(n dims) from per-person sums. 1 when undefined.
 */
export function embeddingScale(y: Float32Array | Float64Array, label: Int32Array, rows: ArrayLike<number>, dims: number): number {
  const total = new Float64Array(dims);
  const per = new Map<number, Float64Array>();
  const count = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const q = label[r]!;
    if (q < 0) continue;
    let s = per.get(q);
    if (!s) {
      s = new Float64Array(dims);
      per.set(q, s);
    }
    count.set(q, (count.get(q) ?? 0) + 1);
    const o = r * dims;
    for (let k = 0; k < dims; k++) {
      s[k]! += y[o + k]!;
      total[k]! += y[o + k]!;
    }
    n++;
  }
  const sq = (v: Float64Array) => {
    let t = 0;
    for (let k = 0; k < dims; k++) t += v[k]! * v[k]!;
    return t;
  };
  let same = 0, samePairs = 0;
  for (const [q, s] of per) {
    same += sq(s);
    samePairs += count.get(q)! ** 2;
  }
  const diffPairs = n * n - samePairs;
  if (diffPairs <= 0) return 1;
  const meanCos = (sq(total) - same) / diffPairs;
  return Math.min(1, Math.max(0.01, 1 - meanCos));
}

export function checkOptions(o: TrainOptions): void {
  const int = (k: keyof TrainOptions, min: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`option ${k} must be an integer >= ${min}`);
  };
  int('epochs', 0);
  int('batchP', 1);
  int('batchK', 2);
  int('patience', 1);
  int('minUserHeldOut', 0);
  int('minBatchesPerEpoch', 1);
  const pos = (k: keyof TrainOptions, zeroOk: boolean) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!zeroOk && v === 0)) throw new RangeError(`option ${k} must be a ${zeroOk ? 'non-negative' : 'positive'} number`);
  };
  pos('lr', false);
  pos('alpha', true);
  pos('harmonicWeight', true);
  pos('maxSeconds', false);
  pos('weightDecay', true);
  pos('cannotLinkWeight', true);
  pos('calibrationWeight', true);
  pos('driftWeight', true);
  pos('strangerWeight', true);
  pos('strangerMargin', true);
  int('strangerMax', 0);
  int('strangerBatch', 1);
  int('strangerNeighbours', 0);
  int('strangerLabelled', 0);
  if (!(o.heldOutFraction >= 0 && o.heldOutFraction < 1)) throw new RangeError('option heldOutFraction must be in [0, 1)');
  if (o.alphaScale !== 'auto') pos('alphaScale', false);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new RangeError('option optimizer must be adam or sgd');
  if (o.hardFallback !== 'skip' && o.hardFallback !== 'least-hard') throw new RangeError('option hardFallback must be skip or least-hard');
}

function countTrainable(d: ReturnType<typeof buildDataset>, train: Int32Array): number {
  let c = 0;
  for (const r of train) if (d.label[r]! >= 0) c++;
  return c;
}

function countRows(flags: Uint8Array): number {
  let c = 0;
  for (const f of flags) c += f;
  return c;
}

function fmt(x: number): string {
  return x.toFixed(4);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Stranger pairs, precomputed once, and the per-batch buffers of the stranger-structure term. */
interface StrangerBatches {
  count: number;
  /** Base rows: the dataset's rows, then the sampled strangers'. */
  x: Float32Array;
  cache: ReturnType<typeof forwardCache>;
  rowIndex: Int32Array;
  gy: Float64Array;
  pairI: Int32Array;
  pairJ: Int32Array;
  pairOld: Float64Array;
  /** Fills rowIndex (rows of x) and the pair buffers (indices into rowIndex) for the next batch. */
  next(): { rows: number; pairs: number };
}

/**
 * Samples up to strangerMax unlabelled faces (own generator: the main sampling is unchanged),
 * projects them with the current head and lists, for each, its strangerNeighbours nearest other
 * strangers and its strangerLabelled nearest labelled training faces with their current cosines.
 * Each batch then takes the next strangerBatch strangers of a shuffled cycle with their pairs.
 */
async function strangerSetup(
  input: TrainInput,
  d: Dataset,
  train: Int32Array,
  oldY: Float32Array,
  cur: HeadRecord,
  shape: HeadShape,
  o: TrainOptions,
  check: () => void,
): Promise<StrangerBatches | null> {
  const inData = new Set<number>();
  for (let i = 0; i < d.n; i++) inData.add(d.faceIds[i]!);
  const ids = [...new Set(input.unlabelled ?? [])].filter((f) => !inData.has(f) && input.baseVectors.get(f)?.length === d.dims).sort((a, b) => a - b);
  const rng = new Rng((o.seed ^ 0x57a4) >>> 0);
  rng.shuffle(ids);
  ids.length = Math.min(ids.length, o.strangerMax);
  const S = ids.length;
  if (S === 0 || (o.strangerNeighbours === 0 && o.strangerLabelled === 0)) return null;
  const dims = d.dims, O = cur.shape.outDims;
  const x = new Float32Array((d.n + S) * dims);
  x.set(d.x);
  for (let s = 0; s < S; s++) {
    const v = input.baseVectors.get(ids[s]!)!;
    let q = 0;
    for (let k = 0; k < dims; k++) q += v[k]! * v[k]!;
    const inv = 1 / (Math.sqrt(q) || 1);
    const o2 = (d.n + s) * dims;
    for (let k = 0; k < dims; k++) x[o2 + k] = v[k]! * inv;
  }
  const sY = projectRows(cur.shape, Float64Array.from(cur.weights), x.subarray(d.n * dims), S);
  const sRows = Int32Array.from({ length: S }, (_, s) => s);
  const kU = Math.min(o.strangerNeighbours, S - 1), kL = o.strangerLabelled;
  const labelled = Array.from(train).filter((r) => d.label[r]! >= 0);
  const lRows = Int32Array.from(labelled);
  const nbU = nearest(sY, sRows, sY, sRows, O, kU, true, 0, 0);
  const nbL = nearest(sY, sRows, oldY, lRows, O, Math.min(kL, labelled.length), false, 0, 0);
  // in chunks of strangers, yielding to the event loop (cancellable; ~2 s for 3,000 x 4,000)
  for (let from = 0; from < S; from += 256) {
    const to = Math.min(S, from + 256);
    nearest(sY, sRows, sY, sRows, O, kU, true, from, to, nbU);
    nearest(sY, sRows, oldY, lRows, O, nbL.k, false, from, to, nbL);
    await yieldToLoop();
    check();
  }
  const per = nbU.k + nbL.k;
  const B = Math.min(o.strangerBatch, S);
  const cap = B * (1 + per);
  const order = Int32Array.from(sRows);
  rng.shuffle(order);
  let cursor = 0;
  const local = new Int32Array(d.n + S).fill(-1);
  const out: StrangerBatches = {
    count: S,
    x,
    cache: forwardCache(shape, cap),
    rowIndex: new Int32Array(cap),
    gy: new Float64Array(cap * O),
    pairI: new Int32Array(B * per),
    pairJ: new Int32Array(B * per),
    pairOld: new Float64Array(B * per),
    next() {
      let rows = 0, pairs = 0;
      const at = (g: number) => {
        let l = local[g]!;
        if (l < 0) {
          l = rows++;
          local[g] = l;
          out.rowIndex[l] = g;
        }
        return l;
      };
      for (let b = 0; b < B; b++) {
        if (cursor >= S) {
          rng.shuffle(order);
          cursor = 0;
        }
        const s = order[cursor++]!;
        const ls = at(d.n + s);
        for (let t = 0; t < nbU.k; t++) {
          const j = nbU.idx[s * nbU.k + t]!;
          if (j < 0) continue;
          out.pairI[pairs] = ls;
          out.pairJ[pairs] = at(d.n + j);
          out.pairOld[pairs++] = nbU.cos[s * nbU.k + t]!;
        }
        for (let t = 0; t < nbL.k; t++) {
          const j = nbL.idx[s * nbL.k + t]!;
          if (j < 0) continue;
          out.pairI[pairs] = ls;
          out.pairJ[pairs] = at(labelled[j]!);
          out.pairOld[pairs++] = nbL.cos[s * nbL.k + t]!;
        }
      }
      for (let l = 0; l < rows; l++) local[out.rowIndex[l]!] = -1;
      return { rows, pairs };
    },
  };
  return out;
}

export interface Nearest {
  k: number;
  /** idx[i*k + t]: the t-th nearest candidate of query i (an index into cRows), -1 = none */
  idx: Int32Array;
  cos: Float64Array;
}

/**
 * For each query row (rows qRows of q), the k candidate rows (cRows of c, given as indices into
 * cRows) with the highest cosine (unit rows, `dims` wide), best first; `self`: q and c are the same
 * rows and a row is not its own neighbour. idx -1 where fewer than k candidates exist. Only the
 * queries from..to-1 are computed (default all), into `out` when given (a result of an earlier call
 * with the same queries and k).
 */
export function nearest(
  q: Float32Array | Float64Array,
  qRows: Int32Array,
  c: Float32Array | Float64Array,
  cRows: Int32Array,
  dims: number,
  k: number,
  self: boolean,
  from = 0,
  to = qRows.length,
  out?: Nearest,
): Nearest {
  k = Math.max(0, k);
  const nc = cRows.length;
  const { idx, cos } = out ?? { idx: new Int32Array(qRows.length * k).fill(-1), cos: new Float64Array(qRows.length * k).fill(-Infinity) };
  if (k === 0 || to <= from) return { k, idx, cos };
  const cc = new Float64Array(nc * dims);
  for (let j = 0; j < nc; j++) for (let t = 0; t < dims; t++) cc[j * dims + t] = c[cRows[j]! * dims + t]!;
  const qq = new Float64Array(dims);
  for (let i = from; i < to; i++) {
    for (let t = 0; t < dims; t++) qq[t] = q[qRows[i]! * dims + t]!;
    const base = i * k;
    let worst = -Infinity;
    for (let j = 0; j < nc; j++) {
      if (self && j === i) continue;
      const jo = j * dims;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let t = 0;
      for (; t + 3 < dims; t += 4) {
        s0 += qq[t]! * cc[jo + t]!;
        s1 += qq[t + 1]! * cc[jo + t + 1]!;
        s2 += qq[t + 2]! * cc[jo + t + 2]!;
        s3 += qq[t + 3]! * cc[jo + t + 3]!;
      }
      for (; t < dims; t++) s0 += qq[t]! * cc[jo + t]!;
      const v = s0 + s1 + s2 + s3;
      if (v <= worst) continue;
      // insert into the sorted (descending) top k
      let p = k - 1;
      while (p > 0 && cos[base + p - 1]! < v) {
        cos[base + p] = cos[base + p - 1]!;
        idx[base + p] = idx[base + p - 1]!;
        p--;
      }
      cos[base + p] = v;
      idx[base + p] = j;
      worst = cos[base + k - 1]!;
    }
  }
  return { k, idx, cos };
}
