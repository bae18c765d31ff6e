/**
 * The training job: fine-tunes a projection head on the user's labels with triplet loss and
 * online semi-hard mining, a harmonic (compatibility) term towards the current head, early
 * stopping on held-out labels, and the adopt/discard rule. Pure computation (no store, no UI);
 * `trainHeadInWorker` (train-worker.ts) runs it off the main thread.
 */
import { buildDataset, splitForJudge } from './dataset';
import { judgeAdoption } from './judge';
import { better, evalIndex, evaluate, type EvalIndex } from './evaluate';
import { backward, forward, forwardCache, headLayout, identityParams, projectRows, type HeadShape } from './head';
import { batchTripletLoss, lossWork, strangerTerm, type BatchStats } from './loss';
import { Optimizer } from './optim';
import { identityHead, newHeadId, type HeadRecord } from './record';
import { Rng } from './rng';
import { PKSampler, batchRelations } from './sampler';

import { strangerSetup } from './strangers';
import { DEFAULT_TRAIN_OPTIONS, TrainingAbortedError, checkOptions, type EpochRecord, type TrainInput, type TrainOptions, type TrainResult } from './train-types';

export { DEFAULT_TRAIN_OPTIONS, TrainingAbortedError, checkOptions, type EpochRecord, type ProgressFn, type TrainInput, type TrainOptions, type TrainResult } from './train-types';

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

  // Three disjoint parts of the user's own labels: training, epoch selection, adoption check.
  const split = splitForJudge(d, { validation: o.heldOutFraction, adoption: o.adoptionFraction }, o.seed);
  const tooFew = split.adoption.length < o.minJudgeFaces;
  const rng = new Rng(o.seed);
  // Outputs of the current head for every row (harmonic targets and the "before" figures).
  const oldY = projectRows(curRecord.shape, Float64Array.from(curRecord.weights), d.x, d.n);

  // Validation: held-out faces against the training faces of their people (the gallery: the
  // user's labels and the accepted faces of named people; a gallery face is never a judge).
  const trainLabelled = Array.from(split.train).filter((r) => d.label[r]! >= 0 && (d.userLabel[r] || d.accepted[r]));
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
  evalRows.forEach((r, i) => {
    evalX.set(d.x.subarray(r * dims, (r + 1) * dims), i * dims);
  });
  const evalY = new Float32Array(evalRows.length * O);
  const validate = (p: Float64Array) => evaluate(ix, projectRows(shape, p, evalX, evalRows.length, evalY), o.assign);

  // The adoption check's index: the same gallery, the adoption part as queries (full row space).
  const ixAdopt = evalIndex(d.label, trainLabelled, split.adoption, d.persons.length, O, o.evalPerPerson);
  const before = evaluate(ixAdopt, oldY, o.assign);
  const dataInfo = {
    faces: d.n,
    people: d.persons.length,
    trainableFaces: 0,
    heldOut: ix.queryRows.length,
    accepted: countRows(d.accepted),
    adoptionFaces: split.adoption.length,
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
  } else if (tooFew) {
    stoppedBy = 'too-few-to-judge';
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
  const bestY = bestEpoch > 0 ? projectRows(shape, best, d.x, d.n) : null;
  const after = bestY ? evaluate(ixAdopt, bestY, o.assign) : before;
  const judge = judgeAdoption(d, split, ixAdopt, oldY, bestY, o.assign, { minFaces: o.minJudgeFaces, minGain: o.minGain, noMoreWrong: o.noMoreWrong, minRejections: o.minJudgeRejections });
  let reason = judge.reason;
  if (sampler.people.length < 2) reason = 'nothing to learn from: fewer than two people with two training faces';
  const adopted = judge.adopted;
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
  return { head, history, before, after, validation: bestVal, adopted, reason, seconds, bestEpoch, stoppedBy, margin: marginUsed, data: dataInfo, judge: { ...judge, adopted, reason } };
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

