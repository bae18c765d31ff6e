/**
 * The engine host: answers the contract's requests (app/contract) over one library database and
 * emits its events. It owns the Store, the face engine (loaded in the background), the people
 * service, the one exclusive job at a time (./jobs.ts) and the handler table: one typed handler
 * per engine method, in ./handlers by concern (library, scan, people, learning, interop, media,
 * app). It is plain Node: it runs inside the engine process (Electron utilityProcess, or a child
 * process in browser mode) or, for tests and `--in-process`, in the server's process.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import {
  ContractError,
  validateRequest,
  type EngineMethod,
  type EventName,
  type Events,
  type FailedFile,
  type LearningState,
  type LibraryState,
  type ParsedParams,
  type Result,
  type ScanState,
} from '../contract/contract';
import { InvalidRequestError, NotFoundError } from '../contract/errors';
import { LearningService } from '../learning/learning-service';
import { projectionSync } from '../learning/projection';
import type { LearningApi } from '../learning/api';
import { PeopleFileError } from '../interop/people-file';
import { ThumbnailCache } from '../library/thumbnails';
import { CorrectionError, PeopleService, RedrawNeededError, type PeopleServiceOptions } from '../people/people-service';
import type { PeopleApi } from '../people/api';
import { thumbnailDirFor } from '../platform/paths';
import { acquireLibraryLock, type LibraryLock } from '../store/lock';
import { Store } from '../store/store';
import { DEFAULT_EMBEDDER } from '../faces/models/registry';
import { pinLibraryModel } from '../store/settings';
import { AnalyzerLoader, type EngineAnalyzer } from './analyzer';
import { JobGuard } from './jobs';
import { soundLibraryRecoveryHandlers } from './recovery';
import { appHandlers } from './handlers/app';
import { facesHandlers } from './handlers/faces';
import { interopHandlers } from './handlers/interop';
import { LearningJobs } from './handlers/learning';
import { Library } from './handlers/library';
import { mediaHandlers } from './handlers/media';
import { clusterNewFacesOnOpen, peopleHandlers } from './handlers/people';
import { ScanJobs } from './handlers/scan';
import { ModelJobs, type ModelDeps } from './handlers/model';
import type { Handlers } from './handlers/types';


export type PeopleServiceCtor = new (db: Store['db'], opts?: PeopleServiceOptions) => PeopleApi;

/** The learning service class: `new LearningService(db, people)` (app/learning/learning-service.ts). */
export type LearningServiceCtor = new (db: Store['db'], people: PeopleService) => LearningApi;

export interface EngineHostOptions {
  dbPath: string;
  mode?: 'electron' | 'browser';
  /** Creates the analyzer (the real face engine by default). */
  createAnalyzer?: () => Promise<EngineAnalyzer>;
  /** The people service class (default: app/people/people-service.ts when it exists). */
  peopleService?: PeopleServiceCtor | null;
  /** Photos in flight during a scan (default 2). */
  concurrency?: number;
  /** Minimum ms between scan progress events (default 250). */
  progressIntervalMs?: number;
  /** The learning service class (default: app/learning/learning-service.ts); null: none. */
  learningService?: LearningServiceCtor | null;
  /** Train in a worker thread (default true; tests may train in this thread). */
  learnInWorker?: boolean;
  /** Faces per transaction when re-projecting after adoption or roll back (default 2000; tests). */
  reprojectChunk?: number;
  /** Creates the embedding engine of a move to another face model (default: a FacePipeline on it). */
  createReembedder?: ModelDeps['createReembedder'];
}

export class EngineHost extends EventEmitter {
  readonly dbPath: string;
  readonly thumbsDir: string;
  private readonly store: Store;
  private readonly analyzer: AnalyzerLoader;
  private readonly PeopleCtor: PeopleServiceCtor | null;
  private people: PeopleApi | null = null;
  private readonly jobs = new JobGuard();
  private readonly library: Library;
  private readonly scans: ScanJobs;
  private readonly learning: LearningJobs;
  private readonly models: ModelJobs;
  private readonly handlers: Handlers;
  /** Aborted by close(): stops a re-projection between chunks, and a re-cluster. */
  private readonly closing = new AbortController();
  private closed = false;
  private readonly lock: LibraryLock;
  private readonly openClustered: Promise<boolean>;

  constructor(opts: EngineHostOptions) {
    super();
    this.dbPath = path.resolve(opts.dbPath);
    const mode = opts.mode ?? 'browser';
    // One writer per library: a second app or server on it is refused (app/store/lock.ts).
    this.lock = acquireLibraryLock(this.dbPath, mode === 'electron' ? 'the Visage app' : 'visage serve');
    let store: Store;
    try {
      store = Store.open(this.dbPath);
    } catch (e) {
      this.lock.release();
      throw e;
    }
    this.store = store;
    this.thumbsDir = thumbnailDirFor(this.dbPath);
    const thumbs = new ThumbnailCache(this.thumbsDir);
    this.analyzer = new AnalyzerLoader(
      opts.createAnalyzer ??
        (async () => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { createLibraryAnalyzer } = require('../library/analyzer-pool') as typeof import('../library/analyzer-pool');
          // The GPU when there is one, else a worker engine per core; the provider in use is shown
          // in Settings. New faces are embedded with the library's model, pinned here for a new
          // library (visage reembed moves it).
          return createLibraryAnalyzer({ embedder: pinLibraryModel(store.db, DEFAULT_EMBEDDER) });
        }),
    );
    const emit = <E extends EventName>(event: E, data: Events[E]): void => {
      this.emit('event', event, data);
    };
    const people = () => this.people;
    const jobs = this.jobs;
    const closing = this.closing.signal;
    this.library = new Library({
      dbPath: this.dbPath,
      store,
      jobs,
      emit,
      people,
      scanState: () => this.scans.state(),
      strictnessChanged: () => {
        this.people = this.makePeople();
      },
    });
    this.scans = new ScanJobs({
      dbPath: this.dbPath,
      store,
      thumbs,
      analyzer: this.analyzer,
      jobs,
      emit,
      people,
      folders: () => this.library.folders,
      concurrency: opts.concurrency ?? 2,
      progressIntervalMs: opts.progressIntervalMs ?? 250,
    });
    this.PeopleCtor = opts.peopleService === undefined ? PeopleService : opts.peopleService;
    this.people = this.makePeople();
    const LearningCtor = opts.learningService === undefined ? LearningService : opts.learningService;
    this.learning = new LearningJobs({
      jobs,
      emit,
      people,
      // The learning service works on the people service itself (its thresholds and index).
      createLearning: LearningCtor && ((p: PeopleApi) => new LearningCtor(store.db, p as PeopleService)),
      learnInWorker: opts.learnInWorker ?? true,
      reprojectChunk: opts.reprojectChunk,
      closing,
    });
    this.models = new ModelJobs({
      store,
      jobs,
      emit,
      createReembedder:
        opts.createReembedder ??
        (async (model) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { FacePipeline } = require('../faces/pipeline') as typeof import('../faces/pipeline');
          return FacePipeline.create({ embedder: model });
        }),
      // The face engine embeds new faces with the library's model: re-created on the new one
      // (the default factory reads it again); the people service clusters the new model's faces.
      modelSwitched: async () => {
        await this.analyzer.reload();
        this.people = this.makePeople();
        this.warmUp();
        return this.people;
      },
      progressIntervalMs: opts.progressIntervalMs ?? 250,
      closing,
    });
    this.handlers = {
      ...appHandlers({ dbPath: this.dbPath, mode, analyzer: this.analyzer, scanRate: () => this.scans.lastRate, libraryModel: () => this.models.state() }),
      ...this.models.handlers(),
      ...this.library.handlers(),
      ...soundLibraryRecoveryHandlers(this.dbPath),
      ...this.scans.handlers(),
      ...peopleHandlers({ jobs, emit, people, closing, folders: () => this.library.folders, drawFace: (model) => this.analyzer.drawer(store, model) }),
      ...this.learning.handlers(),
      ...interopHandlers({ store, jobs, emit, people, analyzer: this.analyzer }),
      ...facesHandlers({ store, analyzer: this.analyzer, emit, people }),
      ...mediaHandlers({ store, thumbs, thumbsDir: this.thumbsDir, allowedRoots: () => this.allowedRoots() }),
    };
    this.learning.resumeSwitch();
    // Faces scanned without clustering (visage scan --no-cluster, older versions) become people.
    this.openClustered = clusterNewFacesOnOpen({ jobs, emit, people, closing, dbPath: this.dbPath });
  }

  /** Resolves when the clustering of new faces at opening is done (true) or was not needed (false). */
  openClusterSettled(): Promise<boolean> {
    return this.openClustered;
  }

  /** Starts loading the face engine in the background (it is needed for scans and app.info). */
  warmUp(): void {
    void this.analyzer.get().catch(() => undefined);
  }

  /** Validates and answers one request. Throws ContractError. */
  async handle(method: unknown, params: unknown): Promise<unknown> {
    if (this.closed) throw new ContractError('unavailable', 'the engine is shutting down');
    const v = validateRequest(method, params, { allowInternal: true });
    try {
      return await this.dispatch(v.method, v.params);
    } catch (e) {
      if (e instanceof CorrectionError || e instanceof RedrawNeededError) throw new ContractError('bad-request', e.message);
      if (e instanceof PeopleFileError) throw new ContractError('bad-request', e.message);
      if (e instanceof NotFoundError || e instanceof InvalidRequestError) throw new ContractError(e.code, e.message);
      throw e;
    }
  }

  /** The method's handler with its parsed params. */
  private dispatch<M extends EngineMethod>(method: M, params: ParsedParams<M>): Promise<Result<M>> | Result<M> {
    const handler: Handlers[M] = this.handlers[method];
    return handler(params);
  }

  private makePeople(): PeopleApi | null {
    if (!this.PeopleCtor) return null;
    // Faces follow the active learned head before clustering reads them (app/learning/projection.ts);
    // thresholds are the model's, under the active head, at the library's strictness (people/thresholds.ts).
    return new this.PeopleCtor(this.store.db, { strictness: this.library.strictness, projections: projectionSync });
  }

  /** Library folders plus the thumbnail cache: the only places media are served from. */
  allowedRoots(): string[] {
    return [...this.library.folders, this.thumbsDir];
  }

  libraryState(): LibraryState {
    return this.library.state();
  }

  scanState(): ScanState {
    return this.scans.state();
  }

  learningState(): LearningState {
    return this.learning.state();
  }

  /** Resolves when the running scan (if any) has finished. */
  async scanSettled(): Promise<void> {
    await this.scans.settled();
  }

  /** Resolves when the running training job (if any) has finished. */
  async learningSettled(): Promise<void> {
    await this.learning.settled();
  }

  /** Resolves when the running move to another face model (if any) has finished and said so. */
  async reembedSettled(): Promise<void> {
    await this.models.settled();
  }

  /** Resolves when a roll back, a resumed re-projection or a re-cluster (if any) has finished. */
  async reprojectSettled(): Promise<void> {
    await this.jobs.settled(['roll back', 're-projection', 're-cluster']);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scans.cancel();
    this.learning.cancel();
    this.models.cancel();
    this.closing.abort();
    await this.scans.settled().catch(() => undefined);
    await this.learning.settled().catch(() => undefined);
    await this.models.settled().catch(() => undefined);
    await this.reprojectSettled();
    await this.analyzer.close();
    this.store.close();
    this.lock.release();
  }
}

export type { FailedFile };
