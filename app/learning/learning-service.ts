/**
 * "Learn from my corrections" over the library: gathers the user's decisions as training data,
 * trains a projection head (app/learning/train.ts) from the active one, stores every head, and
 * adopts a head only when it does better on held-out labels; then every face is re-projected
 * from its kept base embedding and people are re-clustered, reproducing every user decision.
 * Roll back = make an earlier head (or the base model) active again.
 *
 * Training data (see docs/learning.md):
 *  - labels: faces the user assigned, moved, confirmed or split (source 'user');
 *  - accepted: the other faces of people the user named (naming a person accepts its faces),
 *    trained on like labels, never judged: the figures that choose the epoch and decide adoption
 *    are on two disjoint held-back parts of the user's own labels (dataset.ts splitForJudge,
 *    judge.ts), and with too few of those nothing is adopted;
 *  - negatives: "not this person" rejections, and faces of one photo on two people;
 *  - unlabelled (the stranger-structure term): every other face, including the faces the machine
 *    put into unnamed people. Those are not used as pseudo-identities: an unnamed person next to a
 *    named one is often that person's split-off faces, and as a separate identity the triplet loss
 *    would push them away - exactly the faces training should bring in (LFW K=3: errors cut 24.5%
 *    on average over 5 seeds without them, 18.5% with them at weight 0.3; docs/learning.md).
 */
import type Database from 'better-sqlite3';
import { getEmbedder } from '../faces/models/registry';
import { effectiveThresholds } from '../people/thresholds';
import { headExists, headRows, insertHead, maxHeadVersion } from '../store/heads-repo';
import { labelledCounts, rejectedFaceCount, rejectionCount, rejectionRows, samePhotoPairs, trainingFaces } from '../store/training-repo';
import { mapThresholds } from './calibrate';
import { openChanges } from './changes';
import { projectVector } from './head';
import type { PeopleService } from '../people/people-service';
import type { EvalMetrics } from './evaluate';
import { BASE_HEAD, activeHeadId, baseVector, loadHead, pendingSwitch, reprojectInChunks, setActiveHeadId, syncProjections } from './projection';
import { encodeHeadRecord, type HeadRecord } from './record';
import type { ClusterStats } from '../contract/people';
import type { HeadSummary, HeldOutFigures, LearningSummary, TrainOutcome, TrainProgress } from '../contract/learning';
import type { LearningApi, ReprojectRun } from './api';
import { MIN_JUDGE_REJECTIONS } from './judge';
import { MAX_REGROUP_SHARE, REGROUP_SAMPLE, regroupShare, type RegroupFigures } from './regroup';
import { trainHead, type TrainInput, type TrainResult } from './train';
import { DEFAULT_TRAIN_OPTIONS } from './train-types';
import { trainHeadInWorker } from './train-worker';
import { NotFoundError } from '../contract/errors';

/** Training needs at least this many people with two or more labelled faces. */
export const MIN_TRAIN_PEOPLE = 2;

interface StoredSummary {
  /** Clustering thresholds re-calibrated for this head's cosine scale (app/learning/calibrate.ts). */
  thresholds?: { cluster?: number; assign?: number };
  before: HeldOutFigures | null;
  after: HeldOutFigures | null;
  labelledFaces: number;
  seconds: number;
  reason: string;
  /** The regroup check (regroup.ts) of a head the judge adopted. */
  regroup?: RegroupFigures & { max: number };
}

const figures = (m: EvalMetrics | undefined | null): HeldOutFigures | null =>
  m ? { accuracy: round(m.accuracy), wrong: round(m.wrong), unassigned: round(m.unassigned) } : null;
const round = (x: number) => Math.round(x * 1e4) / 1e4;
const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;

/** What the service trains with (tests give a trainer that returns a head built to fail a check). */
export interface LearningDeps {
  trainer?: (input: TrainInput) => Promise<TrainResult>;
}

export class LearningService implements LearningApi {
  constructor(
    private readonly db: Database.Database,
    private readonly people: PeopleService,
    private readonly deps: LearningDeps = {},
  ) {}

  private get model(): string {
    return this.people.model;
  }

  /** The training data the library holds now. */
  gather(): Omit<TrainInput, 'options' | 'onProgress' | 'signal' | 'currentHead'> {
    syncProjections(this.db, this.model);
    const scale = getEmbedder(this.model).quantScale;
    const rows = trainingFaces(this.db, this.model);
    const baseVectors = new Map<number, Float32Array>();
    const labels = new Map<number, number>();
    const accepted = new Map<number, number>();
    const byPhoto = new Map<number, [number, number][]>();
    for (const r of rows) {
      baseVectors.set(r.id, baseVector(r.base_embedding, scale));
      if (r.person_id !== null && r.source === 'user') labels.set(r.id, r.person_id);
      else if (r.person_id !== null && r.named) accepted.set(r.id, r.person_id);
      if (r.person_id !== null) byPhoto.set(r.photo_id, [...(byPhoto.get(r.photo_id) ?? []), [r.id, r.person_id]]);
    }
    // Faces of one photo on two people are a cannot-link; on one person they are the same face twice
    // (a collage, a mirror: th.collage), not a negative.
    const cannotLink: [number, number][] = [];
    for (const faces of byPhoto.values()) {
      for (let i = 0; i < faces.length; i++) {
        for (let j = i + 1; j < faces.length; j++) if (faces[i]![1] !== faces[j]![1]) cannotLink.push([faces[i]![0], faces[j]![0]]);
      }
    }
    const rejections = rejectionRows(this.db)
      .filter((r) => baseVectors.has(r.face_id))
      .map((r) => [r.face_id, r.person_id] as [number, number]);
    // Faces nobody labelled (strangers, mostly): the stranger-structure term keeps their similarities.
    const unlabelled = [...baseVectors.keys()].filter((id) => !labels.has(id) && !accepted.has(id));
    return { baseVectors, labels, accepted, cannotLink, rejections, unlabelled, modelId: this.model };
  }

  /**
   * Counts only (cheap on any library size): what training would use now, and the faces the last
   * head switch put into named people that the user has not answered yet (app/learning/changes.ts).
   */
  summary(): LearningSummary {
    const labelled = labelledCounts(this.db, this.model);
    const labelledFaces = labelled.reduce((a, r) => a + r.n, 0);
    const people = labelled.filter((r) => r.n >= 2).length;
    const rejections = rejectionCount(this.db);
    const samePhoto = samePhotoPairs(this.db, this.model);
    const heads = this.heads();
    return {
      labelledFaces,
      people,
      negatives: rejections + samePhoto,
      minPeople: MIN_TRAIN_PEOPLE,
      noAnswers: rejectedFaceCount(this.db),
      // The judge needs MIN_JUDGE_REJECTIONS of them in its adoption part, a fifth of them by default.
      minNoAnswers: Math.ceil(MIN_JUDGE_REJECTIONS / DEFAULT_TRAIN_OPTIONS.adoptionFraction),
      ready: people >= MIN_TRAIN_PEOPLE,
      active: heads.find((h) => h.active)!,
      heads,
      changes: openChanges(this.db, this.model),
    };
  }

  /** Every head of the library's model, newest first, with 'base' (the network itself) last. */
  heads(): HeadSummary[] {
    const active = activeHeadId(this.db, this.model);
    const rows = headRows(this.db, this.model);
    const list: HeadSummary[] = rows.map((r) => {
      const s = JSON.parse(r.summary) as StoredSummary;
      return {
        id: r.id,
        version: r.version,
        parent: r.parent,
        createdAt: r.created_at,
        modelId: r.model_id,
        adopted: !!r.adopted,
        active: r.id === active,
        before: s.before,
        after: s.after,
        labelledFaces: s.labelledFaces,
        seconds: s.seconds,
      };
    });
    list.push({
      id: BASE_HEAD,
      version: 0,
      parent: null,
      createdAt: '',
      modelId: this.model,
      adopted: true,
      active: active === BASE_HEAD,
      before: null,
      after: null,
      labelledFaces: 0,
      seconds: 0,
    });
    return list;
  }

  async train(
    opts: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; inWorker?: boolean; options?: TrainInput['options'] } & ReprojectRun = {},
  ): Promise<TrainOutcome> {
    const data = this.gather();
    const summary = this.summary();
    if (!summary.ready) {
      throw new Error(`not enough to learn from yet: name or confirm at least two faces of at least ${MIN_TRAIN_PEOPLE} people`);
    }
    const activeId = activeHeadId(this.db, this.model);
    const current = loadHead(this.db, activeId);
    const th = this.people.thresholds;
    const history: TrainProgress[] = [];
    const epochs = opts.options?.epochs ?? 30;
    const input: TrainInput = {
      ...data,
      currentHead: current,
      version: maxHeadVersion(this.db, this.model) + 1,
      options: { assign: { threshold: th.assign, margin: th.margin }, ...(opts.options ?? {}) },
      signal: opts.signal,
      onProgress: (epoch, loss, val) => {
        const p = { epoch, epochs, loss: round(loss), val: figures(val)! };
        history.push(p);
        opts.onProgress?.(p);
      },
    };
    const result: TrainResult = opts.inWorker ? await trainHeadInWorker(input) : await (this.deps.trainer ?? trainHead)(input);
    const head: HeadRecord = { ...result.head, parent: activeId === BASE_HEAD ? null : activeId };
    const thresholds = this.recalibrate(data, head);
    // The label-free half of "never worse" (regroup.ts): what the user's held-back faces cannot
    // show. Off with the rest of it (noMoreWrong: false, for tests that must force an adoption).
    const regroup = result.adopted ? this.regroup(data, current, head, thresholds.cluster) : null;
    const refused = regroup !== null && regroup.share > MAX_REGROUP_SHARE && input.options?.noMoreWrong !== false;
    const adopted = result.adopted && !refused;
    const reason = refused
      ? `better on your held-back faces, but it would regroup the faces you have not named: ${pct(regroup.share)} of their close pairs would be new ones (at most ${pct(MAX_REGROUP_SHARE)})`
      : result.reason;
    const stored: StoredSummary = {
      thresholds,
      before: figures(result.before),
      after: figures(result.after),
      labelledFaces: data.labels.size + (data.accepted?.size ?? 0),
      seconds: round(result.seconds),
      reason,
      ...(regroup ? { regroup: { ...regroup, share: round(regroup.share), max: MAX_REGROUP_SHARE } } : {}),
    };
    insertHead(this.db, {
      id: head.id,
      model: this.model,
      version: head.version,
      parent: head.parent,
      createdAt: head.createdAt,
      adopted,
      record: encodeHeadRecord(head),
      summary: JSON.stringify(stored),
    });
    let people = null;
    // Adopted: from here on a cancel of the training comes too late (the head is in use).
    if (adopted) people = await this.activate(head.id, opts);
    const { faces, rejections, need, before, after } = result.judge;
    return {
      heldBack: { faces, rejections, need, before, after },
      head: this.heads().find((h) => h.id === head.id)!,
      adopted,
      reason,
      before: stored.before!,
      after: stored.after!,
      seconds: stored.seconds,
      history,
      people,
      regroup: regroup ? { share: round(regroup.share), max: MAX_REGROUP_SHARE } : null,
    };
  }

  /**
   * The regroup check's figures for a trained head (regroup.ts): a spread sample of the faces
   * nobody labelled, under the current head and under the new one, against the library's pool
   * bar now and the one re-calibrated for the head. (Not the named people's faces: bringing those
   * together is what training is for.)
   */
  private regroup(data: ReturnType<LearningService['gather']>, current: HeadRecord | null, head: HeadRecord, headBar: number): RegroupFigures {
    const ids = data.unlabelled ?? [];
    const step = Math.max(1, ids.length / REGROUP_SAMPLE);
    const sample: Float32Array[] = [];
    for (let k = 0; Math.floor(k) < ids.length && sample.length < REGROUP_SAMPLE; k += step) sample.push(data.baseVectors.get(ids[Math.floor(k)]!)!);
    const now = current ? sample.map((v) => projectVector(current.shape, current.weights, v)) : sample;
    const next = sample.map((v) => projectVector(head.shape, head.weights, v));
    return regroupShare(now, next, this.people.thresholds.cluster, headBar);
  }

  /**
   * The pool-clustering threshold for a head: the cosine that keeps the same share of random pairs
   * of faces nobody labelled (strangers, mostly) above it as the base network's threshold does.
   */
  private recalibrate(data: ReturnType<LearningService['gather']>, head: HeadRecord): { cluster: number; assign?: number } {
    const base = effectiveThresholds(this.model, null, 'normal');
    const ids = data.unlabelled ?? [];
    const sample = (ids.length >= 200 ? ids : [...data.baseVectors.keys()]).slice(0, 4000);
    const b = sample.map((id) => data.baseVectors.get(id)!);
    const h = b.map((v) => projectVector(head.shape, head.weights, v));
    const m = mapThresholds(b, h, [base.cluster]);
    const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
    // Only the pool threshold moves: the head is trained (calibration term) to separate people at
    // the model's assign threshold. Mapping assign too keeps even more strangers out but gives
    // back most of the gain (LFW K=3 seed 1: error cut 12% instead of 20%; docs/learning.md).
    return { cluster: r4(m.mapped[0]!) };
  }

  async rollback(headId: string, opts: ReprojectRun = {}): Promise<{ active: HeadSummary; people: ClusterStats }> {
    if (headId !== BASE_HEAD) {
      if (!headExists(this.db, headId, this.model)) throw new NotFoundError('head', `no head ${headId} for model ${this.model}`);
    }
    const people = await this.activate(headId, opts);
    return { active: this.heads().find((h) => h.active)!, people };
  }

  /** The head the library was switched to whose re-projection and re-cluster did not finish, or null. */
  pendingSwitch(): string | null {
    return pendingSwitch(this.db, this.model);
  }

  /**
   * Finishes a head switch the engine did not (it closed or crashed after adopting or rolling back
   * a head, before people were re-clustered): re-projects what is still stale in chunks, then
   * re-clusters, which clears the mark. Null when nothing was pending.
   */
  async resumePending(opts: ReprojectRun = {}): Promise<ClusterStats | null> {
    if (this.pendingSwitch() === null) return null;
    return this.reprojectAndRecluster(activeHeadId(this.db, this.model), opts);
  }

  /**
   * Makes `headId` active, re-projects the library in chunks (yielding to the event loop between
   * them: until it is done some faces still carry the previous head's vectors, which are
   * comparable with the new ones), then re-clusters people in a worker thread (nothing is left
   * stale by then; the result is persisted on this thread). The
   * switch is recorded as pending with the active head and cleared by the re-cluster's commit: an
   * engine stopped in between finishes it at its next start (resumePending).
   */
  private async activate(headId: string, opts: ReprojectRun): Promise<ClusterStats> {
    setActiveHeadId(this.db, this.model, headId);
    return this.reprojectAndRecluster(headId, opts);
  }

  private async reprojectAndRecluster(headId: string, opts: ReprojectRun): Promise<ClusterStats> {
    const reprojected = await reprojectInChunks(this.db, this.model, {
      chunk: opts.reprojectChunk,
      signal: opts.reprojectSignal,
      onProgress: opts.onReproject ? (done, total) => opts.onReproject!({ headId, done, total }) : undefined,
    });
    if (opts.reprojectSignal?.aborted) {
      throw Object.assign(new Error(`re-projection to ${headId} interrupted after ${reprojected} faces: the switch stays pending (finished at the engine's next start, or by a re-cluster)`), { name: 'AbortError' });
    }
    // The re-cluster's computation runs in a worker thread (the engine keeps answering); a
    // correction made meanwhile makes it start over from the new state (PeopleService.reclusterInWorker).
    try {
      return await this.people.reclusterInWorker({ signal: opts.reprojectSignal });
    } catch (e) {
      if ((e as Error)?.name !== 'AbortError') throw e;
      throw Object.assign(new Error(`re-cluster after switching to ${headId} interrupted: the switch stays pending (finished at the engine's next start, or by a re-cluster)`), { name: 'AbortError' });
    }
  }
}
