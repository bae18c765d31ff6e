/**
 * What a training run takes and gives: its options (with their defaults and checks), its input,
 * its per-epoch record and its result. The run itself is train.ts.
 */
import type { DatasetInput, FaceId } from './dataset';
import type { AssignRule, EvalMetrics } from './evaluate';
import type { HeadKind } from './head';
import type { HardFallback } from './loss';
import type { OptimizerKind } from './optim';
import type { HeadRecord } from './record';
import { MIN_JUDGE_FACES, MIN_JUDGE_REJECTIONS, type Judgement } from './judge';

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
  /** Fraction of the user's own labelled faces held out for epoch selection (validation; default 0.2; dataset.ts splitForJudge). */
  heldOutFraction: number;
  /** Fraction of the user's own labelled faces held back for the adoption check (default 0.2; never trained on, never chooses the epoch). */
  adoptionFraction: number;
  /**
   * Fewest of the user's own labelled faces in the adoption part for a trustworthy check (default
   * 20; judge.ts MIN_JUDGE_FACES says why). With fewer, nothing is trained and nothing adopted.
   */
  minJudgeFaces: number;
  /**
   * Fewest held-back "No" answers for an adoption (default 20; judge.ts MIN_JUDGE_REJECTIONS says
   * why). With fewer the head is trained and kept, not adopted.
   */
  minJudgeRejections: number;
  /** Epochs without a better validation figure before stopping (default 10). */
  patience: number;
  /** Assignment rule of the validation figures (the people feature's threshold and margin). */
  assign: AssignRule;
  /** A new head is adopted only when its score beats the current head's by more than this (default 0). */
  minGain: number;
  /**
   * ... and (default true, "never worse") neither its wrong assignments nor the faces the user
   * rejected put back into that person rise on the adoption part (judge.ts). false only for tests
   * and experiments that must force an adoption; the app never sets it.
   */
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
  alphaScale: 'auto',
  harmonicWeight: 0.5,
  seed: 1,
  maxSeconds: 55,
  optimizer: 'adam',
  momentum: 0.9,
  weightDecay: 1e-3,
  kind: 'linear',
  hidden: 64,
  hardFallback: 'least-hard',
  cannotLinkWeight: 1,
  heldOutFraction: 0.2,
  adoptionFraction: 0.2,
  minJudgeFaces: MIN_JUDGE_FACES,
  minJudgeRejections: MIN_JUDGE_REJECTIONS,
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
  /** Figures of the current head and of the trained head (its best epoch) on the adoption part: the user's held-back faces, never trained on, never used to choose the epoch. */
  before: EvalMetrics;
  after: EvalMetrics;
  /** The chosen epoch's figures on the validation part (what chose it; not the judge). */
  validation: EvalMetrics;
  adopted: boolean;
  /** Why adopted or discarded. */
  reason: string;
  seconds: number;
  bestEpoch: number;
  stoppedBy: 'epochs' | 'early-stop' | 'time' | 'no-data' | 'too-few-to-judge';
  /** The adoption check on the user's held-back faces (judge.ts): counts before and after, and the verdict. */
  judge: Judgement;
  /** The triplet margin used (alpha x alphaScale). */
  margin: number;
  /**
   * What was used: faces, people, labelled training faces, validation faces (epoch selection),
   * adoption-check faces, accepted faces (trained on, never judged), constraints, skipped inputs,
   * strangers of the stranger term.
   */
  data: {
    faces: number;
    people: number;
    trainableFaces: number;
    heldOut: number;
    accepted: number;
    adoptionFaces: number;
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


export function checkOptions(o: TrainOptions): void {
  const int = (k: keyof TrainOptions, min: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`option ${k} must be an integer >= ${min}`);
  };
  int('epochs', 0);
  int('batchP', 1);
  int('batchK', 2);
  int('patience', 1);
  int('minJudgeFaces', 1);
  int('minJudgeRejections', 0);
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
  if (!(o.adoptionFraction > 0 && o.heldOutFraction + o.adoptionFraction < 1)) throw new RangeError('option adoptionFraction must be > 0 and heldOutFraction + adoptionFraction < 1');
  if (o.alphaScale !== 'auto') pos('alphaScale', false);
  if (o.optimizer !== 'adam' && o.optimizer !== 'sgd') throw new RangeError('option optimizer must be adam or sgd');
  if (o.hardFallback !== 'skip' && o.hardFallback !== 'least-hard') throw new RangeError('option hardFallback must be skip or least-hard');
}
