/**
 * The people feature over the SQLite store: people, faces, suggestions, corrections with undo and
 * redo, incremental clustering of new faces and full re-clusters that reproduce every user decision.
 * This class is the facade; each job is its own file:
 *  - queries.ts: people, faces, photos and suggestions (reads);
 *  - corrections.ts and undo.ts: the corrections, each one transaction with its log entry, undo, redo;
 *  - clustering.ts: update, recluster, reclusterInWorker;
 *  - index-cache.ts: the in-memory clustering index mirroring the database.
 *
 * Durable state (all in the library database, SQL in app/store):
 *  - persons (name, hidden, cover, user_named = the user created/named/corrected it, merged_into),
 *  - face_assignments (source 'user' = must-link the machine never changes, 'machine' = clustering),
 *  - face_rejections ("not this person": permanent cannot-links), faces.not_a_face,
 *  - corrections: the append-only log; each entry holds the correction and what undoing it needs.
 */
import type Database from 'better-sqlite3';
import { ClusterRepo } from '../store/cluster-repo';
import { CorrectionsRepo } from '../store/corrections-repo';
import { activeHeadThresholds } from '../store/heads-repo';
import { PeopleQueriesRepo } from '../store/people-queries-repo';
import { PeopleRepo } from '../store/people-repo';
import { currentLibraryModel, regroupPending } from '../store/settings';
import { Clustering, type ReclusterInWorkerOptions } from './clustering';
import type { PeopleContext } from './context';
import { CorrectionError } from './corrections';
import { IndexCache } from './index-cache';
import { baseOnlyProjections, type ProjectionSync } from './projection-sync';
import { PeopleQueries } from './queries';
import { DEFAULT_MODEL_ID, effectiveThresholds, thresholdsFor, type ModelThresholds, type Strictness } from './thresholds';
import { CorrectionLog, type RedrawnFaces } from './undo';
import type { DrawFace, PeopleApi } from './api';
import type {
  ClusterStats,
  Correction,
  CorrectionResult,
  FaceId,
  FaceInfo,
  FaceSuggestion,
  LoggedCorrection,
  ManualFace,
  MergeQueue,
  PeopleListOptions,
  PersonId,
  PersonPhoto,
  PersonSuggestion,
  PersonSummary,
  PhotoId,
  PhotoInfo,
} from '../contract/people';

export { CorrectionError, RedrawNeededError } from './corrections';
export type { ReclusterInWorkerOptions } from './clustering';
export type { ProjectionSync } from './projection-sync';

export interface PeopleServiceOptions {
  /** Embedding model whose faces are clustered (default: the library's model, else the model most faces have). */
  model?: string;
  /** The user's clustering strictness (settings; default 'normal'): effectiveThresholds. */
  strictness?: Strictness;
  /** Overrides of the clustering thresholds, applied last (calibration; the engine's strictness overrides). */
  overrides?: Partial<ModelThresholds>;
  /**
   * Brings faces to the active learned head's vectors before clustering reads them: pass
   * `projectionSync` of app/learning/projection.ts. Without it, newly scanned faces only get their
   * base recorded and a library whose faces need re-projecting is refused (baseOnlyProjections).
   */
  projections?: ProjectionSync;
}

export class PeopleService implements PeopleApi {
  readonly model: string;
  private readonly cache: IndexCache;
  private readonly queries: PeopleQueries;
  private readonly log: CorrectionLog;
  private readonly clustering: Clustering;
  private readonly cluster: ClusterRepo;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: PeopleServiceOptions = {},
  ) {
    const cluster = new ClusterRepo(db);
    this.cluster = cluster;
    this.model = opts.model ?? currentLibraryModel(db, DEFAULT_MODEL_ID);
    const ctx: PeopleContext = {
      db,
      model: this.model,
      people: new PeopleRepo(db),
      corrections: new CorrectionsRepo(db),
      queries: new PeopleQueriesRepo(db),
      cluster,
      projections: opts.projections ?? baseOnlyProjections,
      thresholds: () => this.thresholds,
    };
    this.cache = new IndexCache(ctx);
    this.queries = new PeopleQueries(ctx, this.cache);
    this.log = new CorrectionLog(ctx, this.cache);
    this.clustering = new Clustering(ctx, this.cache, () => this.queries.listPeople({ includeHidden: true }).length);
  }

  /**
   * The model's clustering thresholds, as re-calibrated for the active learned head (its cosine
   * scale differs from the base network's: app/learning/calibrate.ts), moved by the strictness,
   * then the overrides.
   */
  get thresholds(): ModelThresholds {
    const t = effectiveThresholds(this.model, activeHeadThresholds(this.db, this.model), this.opts.strictness ?? 'normal');
    return this.opts.overrides ? thresholdsFor(t, this.opts.overrides) : t;
  }

  /** Times the in-memory index was built from the database (a measure for tests and benchmarks). */
  get indexBuilds(): number {
    return this.cache.buildCount;
  }

  // ------------------------------------------------------------------ queries (queries.ts)

  listPeople(opts: PeopleListOptions = {}): PersonSummary[] {
    return this.queries.listPeople(opts);
  }

  getPerson(id: PersonId): PersonSummary | null {
    return this.queries.getPerson(id);
  }

  personFaces(id: PersonId, opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.queries.personFaces(id, opts);
  }

  personFaceIds(id: PersonId): FaceId[] {
    return this.queries.personFaceIds(id);
  }

  personPhotos(id: PersonId, opts: { offset?: number; limit?: number } = {}): PersonPhoto[] {
    return this.queries.personPhotos(id, opts);
  }

  personPhotoIds(id: PersonId): PhotoId[] {
    return this.queries.personPhotoIds(id);
  }

  /** The people "hide-small" with `maxPhotos` would hide now (ids, ascending). */
  smallUnnamed(maxPhotos: number): PersonId[] {
    return this.queries.smallUnnamed(maxPhotos);
  }

  photosTogether(personIds: PersonId[], opts: { only?: boolean; offset?: number; limit?: number } = {}): PersonPhoto[] {
    return this.queries.photosTogether(personIds, opts);
  }

  unassignedFaces(opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.queries.unassignedFaces(opts);
  }

  face(id: FaceId): FaceInfo | null {
    return this.queries.face(id);
  }

  photo(id: PhotoId): PhotoInfo | null {
    return this.queries.photo(id);
  }

  suggestPeople(faceId: FaceId, k = 5): PersonSuggestion[] {
    return this.queries.suggestPeople(faceId, k);
  }

  suggestFaces(personId: PersonId, k = 20): FaceSuggestion[] {
    return this.queries.suggestFaces(personId, k);
  }

  similarPeople(personId: PersonId, k = 10): PersonSuggestion[] {
    return this.queries.similarPeople(personId, k);
  }

  suggestMerges(limit = 50): MergeQueue {
    return this.queries.suggestMerges(limit);
  }

  /**
   * Answers "Same person?" for people a and b: yes merges them (into the named one, else the one
   * with more faces, else the smaller id), no records that they are two people (not-same).
   */
  answerMerge(a: PersonId, b: PersonId, same: boolean): CorrectionResult {
    if (!same) return this.correct({ kind: 'not-same', a, b });
    if (a === b) throw new CorrectionError('a person is always the same person as itself');
    const pa = this.getPerson(a);
    const pb = this.getPerson(b);
    if (!pa) throw new CorrectionError(`no person ${a}`);
    if (!pb) throw new CorrectionError(`no person ${b}`);
    const aFirst = Number(!!pb.name) - Number(!!pa.name) || pb.faceCount - pa.faceCount || a - b;
    const [target, source] = aFirst <= 0 ? [a, b] : [b, a];
    return this.correct({ kind: 'merge', targetId: target, sourceIds: [source] });
  }

  // ------------------------------------------------------------------ corrections (corrections.ts, undo.ts)

  history(limit = 100): LoggedCorrection[] {
    return this.log.history(limit);
  }

  correct(c: Correction): CorrectionResult {
    return this.log.correct(c);
  }

  undo(): LoggedCorrection | null {
    return this.log.undo();
  }

  redo(redrawn?: RedrawnFaces): LoggedCorrection | null {
    return this.log.redo(redrawn);
  }

  async redoDrawing(draw: DrawFace): Promise<LoggedCorrection | null> {
    const next = this.log.toRedraw();
    if (!next?.faces.length) return this.redo();
    const faces = new Map<number, ManualFace>();
    for (const f of next.faces) faces.set(f.index, await draw(f.photoId, f.face.box));
    return this.redo({ correctionId: next.correctionId, faces });
  }

  // ------------------------------------------------------------------ clustering (clustering.ts)

  update(): ClusterStats {
    return this.clustering.update();
  }

  /** A model switch is waiting for its re-group (store/settings.ts REGROUP_PENDING_KEY). */
  regroupPending(): boolean {
    return regroupPending(this.db);
  }

  /**
   * Faces no clustering has decided yet (above the watermark, unassigned): what update() will
   * decide; `all` when that is every face of the model (a library never clustered).
   */
  unclusteredFaces(): { faces: number; all: boolean } {
    const faces = this.cluster.unclusteredCount(this.model);
    return { faces, all: faces > 0 && faces === this.cluster.faceCount(this.model) };
  }

  /**
   * Re-clusters everything from scratch, synchronously (100k faces: ~45 s during which nothing
   * else runs). For the command line and tests; the engine uses reclusterInWorker.
   */
  recluster(): ClusterStats {
    return this.clustering.recluster();
  }

  /**
   * The same re-cluster computed in a worker thread (the engine keeps answering); a result the
   * library outdated meanwhile is discarded and computed again (Clustering.reclusterInWorker).
   */
  reclusterInWorker(opts: ReclusterInWorkerOptions = {}): Promise<ClusterStats> {
    return this.clustering.reclusterInWorker(opts);
  }
}
