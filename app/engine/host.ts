/**
 * The engine host: answers the contract's requests (app/contract) over one library database and
 * emits its events. It owns the Store, the face engine (loaded in the background), the scanner and
 * the people service. It is plain Node: it runs inside the engine process (Electron utilityProcess,
 * or a child process in browser mode) or, for tests and `--in-process`, in the server's process.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import {
  ContractError,
  validateRequest,
  type AppInfo,
  type EngineMethod,
  type EventName,
  type Events,
  type FailedFile,
  type Folder,
  type LearningJob,
  type LearningState,
  type LibraryState,
  type MediaLocation,
  type PeopleExport,
  type PeopleImport,
  type ReprojectProgress,
  type RollbackResult,
  type Results,
  type ScanState,
  type Settings,
  type SuggestionGroup,
  type SuggestionGroups,
  type TrainProgress,
  type XmpWrite,
} from '../contract/contract';
import { NotFoundError } from '../contract/errors';
import { LearningService } from '../learning/learning-service';
import type { LearningApi, ReprojectRun } from '../learning/api';
import { exportPeople, importPeople, importXmpRegions, writeXmpSidecars } from '../interop/import-export';
import { PeopleFileError, parsePeopleFile, readPeopleFile, serializePeopleFile, writePeopleFile } from '../interop/people-file';
import type { Analyzer } from '../library/analyzer';
import { formatFromExtension, sniffFormat } from '../library/formats';
import { heicToPng } from '../library/heic';
import type { ScanProgress } from '../library/progress';
import { Scanner, type FileError, type ScanSummary } from '../library/scanner';
import { ThumbnailCache } from '../library/thumbnails';
import { MODELS, DEFAULT_EMBEDDER } from '../faces/models/registry';
import { CorrectionError, PeopleService, type PeopleServiceOptions } from '../people/people-service';
import type { ClusterStats } from '../contract/people';
import type { PeopleApi } from '../people/api';
import { thumbnailDirFor } from '../platform/paths';
import { Store } from '../store/store';
import { libraryModel } from '../store/settings';
import { contentTypeOf, resolveInside } from '../platform/media-guard';
import { readSettings, settingsFileFor, writeSettings, type LibrarySettings } from './settings-file';
import { strictnessOverrides, type BaseThresholds } from './strictness';

export { strictnessOverrides };

export type PeopleServiceCtor = new (db: Store['db'], opts?: PeopleServiceOptions) => PeopleApi & { readonly thresholds?: BaseThresholds };

/** The learning service class: `new LearningService(db, people)` (app/learning/learning-service.ts). */
export type LearningServiceCtor = new (db: Store['db'], people: PeopleService) => LearningApi;

export interface EngineHostOptions {
  dbPath: string;
  mode?: 'electron' | 'browser';
  /** Creates the analyzer (the real face engine by default). */
  createAnalyzer?: () => Promise<Analyzer & { info?: Record<string, unknown> }>;
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
}

const MAX_FAILED = 500;
const PREVIEW_SIDE = 2048;
const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif']);

function versionOf(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
}

export class EngineHost extends EventEmitter {
  readonly dbPath: string;
  readonly thumbsDir: string;
  private readonly store: Store;
  private readonly thumbs: ThumbnailCache;
  private readonly settingsFile: string;
  private settings: LibrarySettings;
  private readonly mode: 'electron' | 'browser';
  private readonly createAnalyzer: NonNullable<EngineHostOptions['createAnalyzer']>;
  private analyzerP: Promise<Analyzer & { info?: Record<string, unknown> }> | null = null;
  private analyzerError: string | null = null;
  private analyzerInfo: Record<string, unknown> | null = null;
  private readonly PeopleCtor: PeopleServiceCtor | null;
  private people: PeopleApi | null = null;
  private scanner: Scanner | null = null;
  private scanRunning: Promise<void> | null = null;
  private progress: ScanProgress | null = null;
  private failed: FailedFile[] = [];
  private lastFinishedAt: string | null = null;
  private lastRate: number | null = null;
  private readonly concurrency: number;
  private readonly progressIntervalMs: number;
  private readonly LearningCtor: LearningServiceCtor | null;
  private readonly learnInWorker: boolean;
  /** The learning service of the current people service (rebuilt with it). */
  private learningFor: { people: PeopleApi; api: LearningApi } | null = null;
  private learnJob: LearningJob = { running: false, startedAt: null, progress: [], outcome: null, cancelled: false, error: null };
  private learnAbort: AbortController | null = null;
  private learnRunning: Promise<void> | null = null;
  /**
   * A roll back, the resumed re-projection of a switch the last session did not finish, or a
   * requested re-cluster, in progress (its re-projection yields to other requests, and its
   * re-cluster computes in a worker thread).
   */
  private reprojectJob: { what: 'roll back' | 're-projection' | 're-cluster'; done: Promise<unknown> } | null = null;
  /** Faces being moved to a newly active head (adoption or roll back), for learning.state. */
  private reprojecting: ReprojectProgress | null = null;
  private readonly reprojectChunk: number | undefined;
  /** Aborted by close(): stops a re-projection between chunks. */
  private readonly closing = new AbortController();
  private closed = false;

  constructor(opts: EngineHostOptions) {
    super();
    this.dbPath = path.resolve(opts.dbPath);
    this.mode = opts.mode ?? 'browser';
    this.store = Store.open(this.dbPath);
    this.thumbsDir = thumbnailDirFor(this.dbPath);
    this.thumbs = new ThumbnailCache(this.thumbsDir);
    this.settingsFile = settingsFileFor(this.dbPath);
    this.settings = readSettings(this.settingsFile);
    if (this.settings.folders.length === 0) this.settings.folders = this.foldersFromScans();
    this.concurrency = opts.concurrency ?? 2;
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.createAnalyzer =
      opts.createAnalyzer ??
      (async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { createLibraryAnalyzer } = require('../library/analyzer-pool') as typeof import('../library/analyzer-pool');
        // The GPU when there is one, else a worker engine per core; the provider in use is shown
        // in Settings. New faces are embedded with the library's model (visage reembed).
        return createLibraryAnalyzer({ embedder: libraryModel(this.store.db) ?? undefined });
      });
    this.PeopleCtor = opts.peopleService === undefined ? PeopleService : opts.peopleService;
    this.people = this.makePeople();
    this.LearningCtor = opts.learningService === undefined ? LearningService : opts.learningService;
    this.learnInWorker = opts.learnInWorker ?? true;
    this.reprojectChunk = opts.reprojectChunk;
    const last = this.store.db.prepare('SELECT finished_at FROM scans WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1').get() as
      | { finished_at: string }
      | undefined;
    this.lastFinishedAt = last?.finished_at ?? null;
    this.resumeSwitch();
  }

  /** Starts loading the face engine in the background (it is needed for scans and app.info). */
  warmUp(): void {
    void this.analyzer().catch(() => undefined);
  }

  private analyzer(): Promise<Analyzer & { info?: Record<string, unknown> }> {
    if (!this.analyzerP) {
      this.analyzerP = this.createAnalyzer().then(
        (a) => {
          this.analyzerInfo = a.info ?? null;
          return a;
        },
        (e: Error) => {
          this.analyzerError = e.message;
          this.analyzerP = null;
          throw new ContractError('unavailable', `the face engine could not start: ${e.message}`);
        },
      );
    }
    return this.analyzerP;
  }

  private emitEvent<E extends EventName>(event: E, data: Events[E]): void {
    this.emit('event', event, data);
  }

  /** Validates and answers one request. Throws ContractError. */
  async handle(method: unknown, params: unknown): Promise<unknown> {
    if (this.closed) throw new ContractError('unavailable', 'the engine is shutting down');
    const v = validateRequest(method, params, { allowInternal: true });
    try {
      return await this.dispatch(v.method as EngineMethod, v.params as never);
    } catch (e) {
      if (e instanceof CorrectionError) throw new ContractError('bad-request', e.message);
      if (e instanceof PeopleFileError) throw new ContractError('bad-request', e.message);
      throw e;
    }
  }

  private makePeople(): PeopleApi | null {
    if (!this.PeopleCtor) return null;
    const plain = new this.PeopleCtor(this.store.db);
    const overrides = strictnessOverrides(plain.thresholds, this.settings.strictness);
    return overrides ? new this.PeopleCtor(this.store.db, { overrides }) : plain;
  }

  private needPeople(): PeopleApi {
    if (!this.people) throw new ContractError('unavailable', 'people are not available in this build yet');
    return this.people;
  }

  private async dispatch<M extends EngineMethod>(method: M, p: Record<string, never> & Record<string, unknown>): Promise<Results[M]> {
    const r = await this.dispatchAny(method, p ?? {});
    return r as Results[M];
  }

  private async dispatchAny(method: EngineMethod, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case 'app.info':
        return this.appInfo();
      case 'library.state':
        return this.libraryState();
      case 'library.addFolder':
        return this.addFolder(p.path as string);
      case 'library.removeFolder':
        return this.removeFolder(p.path as string);
      case 'scan.start':
        return this.startScan();
      case 'scan.pause':
        this.scanner?.pause();
        return this.scanState();
      case 'scan.resume':
        this.scanner?.resume();
        return this.scanState();
      case 'scan.cancel':
        this.scanner?.cancel();
        return this.scanState();
      case 'scan.state':
        return this.scanState();
      case 'people.list':
        return this.needPeople().listPeople(p as { includeHidden?: boolean; query?: string });
      case 'people.get':
        return this.needPeople().getPerson(p.id as number);
      case 'people.faces':
        return this.needPeople().personFaces(p.id as number, { offset: p.offset as number | undefined, limit: (p.limit as number | undefined) ?? 2000 });
      case 'people.faceIds':
        return this.needPeople().personFaceIds(p.id as number);
      case 'people.photos':
        return this.needPeople().personPhotos(p.id as number, { offset: p.offset as number | undefined, limit: p.limit as number | undefined });
      case 'people.photoIds':
        return this.needPeople().personPhotoIds(p.id as number);
      case 'people.unassigned':
        return this.needPeople().unassignedFaces({ offset: p.offset as number | undefined, limit: (p.limit as number | undefined) ?? 500 });
      case 'people.suggestionGroups':
        return this.suggestionGroups((p.limit as number | undefined) ?? 300);
      case 'people.photo':
        return this.needPeople().photo(p.id as number);
      case 'people.face':
        return this.needPeople().face(p.id as number);
      case 'people.suggestPeople':
        return this.needPeople().suggestPeople(p.faceId as number, p.k as number | undefined);
      case 'people.suggestFaces':
        return this.needPeople().suggestFaces(p.personId as number, p.k as number | undefined);
      case 'people.similar':
        return this.needPeople().similarPeople(p.personId as number, p.k as number | undefined);
      case 'people.correct': {
        const r = this.needPeople().correct(p as never);
        this.emitEvent('people.changed', { reason: `correct:${String(p.kind)}` });
        return r;
      }
      case 'people.undo': {
        const r = this.needPeople().undo();
        if (r) this.emitEvent('people.changed', { reason: 'undo' });
        return r;
      }
      case 'people.redo': {
        const r = this.needPeople().redo();
        if (r) this.emitEvent('people.changed', { reason: 'redo' });
        return r;
      }
      case 'people.history':
        return this.needPeople().history(p.limit as number | undefined);
      case 'people.recluster':
        return this.reclusterPeople();
      case 'settings.set':
        return this.setSettings(p as Partial<Settings>);
      case 'learning.state':
        return this.learningState();
      case 'learning.start':
        return this.startLearning();
      case 'learning.cancel':
        this.learnAbort?.abort();
        return this.learningState();
      case 'learning.rollback':
        return this.rollback(p.headId as string);
      case 'xmp.write':
        return this.xmpWrite(p.personId as number | undefined);
      case 'xmp.read':
        return this.xmpRead();
      case 'people.export':
        return this.exportPeopleFile(p.path as string | undefined);
      case 'people.import':
        return this.importPeopleFile(p as { path: string } | { text: string; source: string });
      case 'media.resolve':
        return this.resolveMedia(p.kind as 'face' | 'photo' | 'thumb', p.id as number);
      default: {
        const never: never = method;
        throw new ContractError('unknown-method', `unknown method ${String(never)}`);
      }
    }
  }

  // ---- library ----

  private foldersFromScans(): string[] {
    const rows = this.store.db.prepare('SELECT roots FROM scans ORDER BY id').all() as { roots: string }[];
    const set = new Set<string>();
    for (const r of rows) {
      try {
        for (const f of JSON.parse(r.roots) as string[]) if (typeof f === 'string') set.add(f);
      } catch {
        /* ignore a malformed row */
      }
    }
    return [...set].sort();
  }

  /** Library folders plus the thumbnail cache: the only places media are served from. */
  allowedRoots(): string[] {
    return [...this.settings.folders, this.thumbsDir];
  }

  private folders(): Folder[] {
    const count = this.store.db.prepare('SELECT count(*) AS n FROM photos WHERE path = ? OR substr(path, 1, length(?)) = ?');
    return this.settings.folders.map((f) => {
      let available = false;
      try {
        available = fs.statSync(f).isDirectory();
      } catch {
        available = false;
      }
      const prefix = f.endsWith(path.sep) ? f : f + path.sep;
      return { path: f, available, photos: (count.get(f, prefix, prefix) as { n: number }).n };
    });
  }

  libraryState(): LibraryState {
    const people = this.people ? this.people.listPeople({ includeHidden: true }).length : 0;
    return {
      dbPath: this.dbPath,
      folders: this.folders(),
      photos: this.store.photos.count(),
      faces: this.store.faces.count(),
      people,
      errors: this.store.errors.all().length,
      scan: this.scanState(),
      settings: { strictness: this.settings.strictness },
      peopleAvailable: this.people !== null,
    };
  }

  private addFolder(p: string): LibraryState {
    const abs = path.resolve(p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      throw new ContractError('not-found', `no such folder: ${abs}`);
    }
    if (!st.isDirectory()) throw new ContractError('bad-request', `not a folder: ${abs}`);
    const folders = this.settings.folders;
    if (folders.some((f) => f === abs || abs.startsWith(f + path.sep))) return this.libraryState();
    // A new parent replaces the folders inside it.
    this.settings.folders = [...folders.filter((f) => !f.startsWith(abs + path.sep)), abs].sort();
    writeSettings(this.settingsFile, this.settings);
    return this.libraryState();
  }

  private removeFolder(p: string): LibraryState {
    if (this.scanner) throw new ContractError('busy', 'wait for the scan to finish before removing a folder');
    const abs = path.resolve(p);
    if (!this.settings.folders.includes(abs)) throw new ContractError('not-found', `not a library folder: ${abs}`);
    this.settings.folders = this.settings.folders.filter((f) => f !== abs);
    writeSettings(this.settingsFile, this.settings);
    // Its photos leave the library (their faces and assignments with them; corrections stay).
    const prefix = abs + path.sep;
    const inOther = (file: string) => this.settings.folders.some((f) => file === f || file.startsWith(f + path.sep));
    this.store.transaction(() => {
      for (const ph of this.store.photos.under(abs, path.sep)) if (!inOther(ph.path)) this.store.photos.delete(ph.id);
      for (const e of this.store.errors.under(abs, path.sep)) if (e.path.startsWith(prefix) && !inOther(e.path)) this.store.errors.delete(e.id);
    });
    this.emitEvent('people.changed', { reason: 'folder-removed' });
    return this.libraryState();
  }

  private setSettings(s: Partial<Settings>): Settings {
    if (s.strictness && s.strictness !== this.settings.strictness) {
      this.refuseWhileLearning('changing the strictness');
      this.settings.strictness = s.strictness;
      writeSettings(this.settingsFile, this.settings);
      this.people = this.makePeople();
    }
    return { strictness: this.settings.strictness };
  }

  // ---- scanning ----

  scanState(): ScanState {
    const failed =
      this.failed.length > 0 || this.scanner
        ? this.failed
        : this.store.errors
            .all()
            .slice(-MAX_FAILED)
            .map((e) => ({ path: e.path, code: e.code, message: e.message }));
    return {
      running: this.scanner !== null,
      paused: this.scanner?.paused ?? false,
      progress: this.progress,
      failed,
      lastFinishedAt: this.lastFinishedAt,
    };
  }

  private async startScan(): Promise<ScanState> {
    if (this.scanner) return this.scanState();
    this.refuseWhileLearning('scanning', true);
    const roots = this.settings.folders.filter((f) => {
      try {
        return fs.statSync(f).isDirectory();
      } catch {
        return false;
      }
    });
    if (roots.length === 0) throw new ContractError('bad-request', 'add a folder first');
    const analyzer = await this.analyzer();
    if (this.scanner) return this.scanState();
    const scanner = new Scanner({
      store: this.store,
      analyzer,
      concurrency: this.concurrency,
      thumbnails: this.thumbs,
      progressIntervalMs: this.progressIntervalMs,
    });
    this.scanner = scanner;
    this.failed = [];
    this.progress = null;
    scanner.on('progress', (pr: ScanProgress) => {
      this.progress = pr;
      this.emitEvent('scan.progress', pr);
    });
    scanner.on('file-error', (e: FileError) => {
      const f = { path: e.path, code: e.code, message: e.message };
      this.failed.push(f);
      if (this.failed.length > MAX_FAILED) this.failed.shift();
      this.emitEvent('scan.fileError', f);
    });
    scanner.on('paused', () => this.emitEvent('scan.state', this.scanState()));
    scanner.on('resumed', () => this.emitEvent('scan.state', this.scanState()));
    this.scanRunning = scanner
      .scan(roots)
      .then(
        (summary: ScanSummary) => {
          this.lastFinishedAt = new Date().toISOString();
          if (summary.rate > 0) this.lastRate = summary.rate;
          let peopleError: string | null = null;
          if (this.people && !summary.cancelled) {
            try {
              this.people.update();
            } catch (e) {
              peopleError = (e as Error).message;
            }
          }
          this.scanner = null;
          this.emitEvent('scan.finished', {
            cancelled: summary.cancelled,
            indexed: summary.indexed,
            faces: summary.faces,
            errors: summary.errors,
            elapsedMs: summary.elapsedMs,
            found: summary.found,
          });
          if (peopleError) this.emitEvent('scan.fileError', { path: this.dbPath, code: 'clustering-failed', message: peopleError });
          this.emitEvent('people.changed', { reason: 'scan' });
        },
        (e: Error) => {
          this.scanner = null;
          this.failed.push({ path: roots.join(', '), code: 'scan-failed', message: e.message });
        },
      )
      .finally(() => {
        this.scanner = null;
        this.scanRunning = null;
        this.emitEvent('scan.state', this.scanState());
      });
    const state = this.scanState();
    this.emitEvent('scan.state', state);
    return state;
  }

  /** Resolves when the running scan (if any) has finished. */
  async scanSettled(): Promise<void> {
    await this.scanRunning;
  }

  // ---- learning from corrections ----

  private learning(): LearningApi | null {
    const people = this.people;
    if (!people || !this.LearningCtor) return null;
    if (this.learningFor?.people !== people) this.learningFor = { people, api: new this.LearningCtor(this.store.db, people as PeopleService) };
    return this.learningFor.api;
  }

  private needLearning(): LearningApi {
    const l = this.learning();
    if (!l) throw new ContractError('unavailable', this.people ? 'learning from corrections is not available in this build' : 'people are not available in this build yet');
    return l;
  }

  private jobCopy(): LearningJob {
    return { ...this.learnJob, progress: [...this.learnJob.progress] };
  }

  learningState(): LearningState {
    const l = this.learning();
    return { available: l !== null, summary: l ? l.summary() : null, job: this.jobCopy(), reprojecting: this.reprojecting && { ...this.reprojecting } };
  }

  /**
   * Refuses `action` while a training job, a roll back or a resumed re-projection runs (a training
   * job re-projects and re-clusters once its head is adopted).
   */
  private refuseWhileLearning(action: string, cancellable = false): void {
    if (this.learnJob.running) throw new ContractError('busy', `wait for the training to finish${cancellable ? ' (or cancel it)' : ''} before ${action}`);
    if (this.reprojectJob) throw new ContractError('busy', `wait for the ${this.reprojectJob.what} to finish before ${action}`);
  }

  /** How the learning service re-projects the library here: progress as events, stopped by close(). */
  private reprojectRun(): ReprojectRun {
    return {
      reprojectChunk: this.reprojectChunk,
      reprojectSignal: this.closing.signal,
      onReproject: (p) => {
        this.reprojecting = p;
        this.emitEvent('learning.reprojecting', p);
      },
    };
  }

  private startLearning(): LearningState {
    const l = this.needLearning();
    if (this.learnJob.running) throw new ContractError('busy', 'a training job is already running');
    this.refuseWhileLearning('training');
    if (this.scanner) throw new ContractError('busy', 'wait for the scan to finish before training');
    const summary = l.summary();
    if (!summary.ready) {
      throw new ContractError('bad-request', `not enough to learn from yet: name at least ${summary.minPeople} people with two or more faces each (now ${summary.people})`);
    }
    const abort = new AbortController();
    this.learnAbort = abort;
    this.learnJob = { running: true, startedAt: new Date().toISOString(), progress: [], outcome: null, cancelled: false, error: null };
    const onProgress = (pr: TrainProgress) => {
      if (abort.signal.aborted || this.learnAbort !== abort) return;
      this.learnJob.progress.push(pr);
      this.emitEvent('learning.progress', pr);
    };
    let run: Promise<void>;
    try {
      run = l
        .train({ signal: abort.signal, onProgress, inWorker: this.learnInWorker, ...this.reprojectRun() })
        .then(
          (outcome) => {
            // A cancel that came after adoption is too late: the head is in use.
            if (abort.signal.aborted && !outcome.adopted) {
              this.learnJob = { ...this.learnJob, running: false, cancelled: true };
              return;
            }
            this.learnJob = { ...this.learnJob, running: false, outcome };
            this.emitEvent('people.changed', { reason: outcome.adopted ? 'learning:adopted' : 'learning:discarded' });
          },
          (e: Error) => {
            const cancelled = abort.signal.aborted;
            this.learnJob = { ...this.learnJob, running: false, cancelled, error: cancelled ? null : (e?.message ?? String(e)) };
          },
        );
    } catch (e) {
      // A synchronous throw (bad state) ends the job before it starts.
      run = Promise.resolve();
      this.learnJob = { ...this.learnJob, running: false, error: (e as Error).message };
    }
    this.learnRunning = run.finally(() => {
      if (this.learnAbort === abort) this.learnAbort = null;
      this.reprojecting = null;
      this.learnRunning = null;
      this.emitEvent('learning.state', this.jobCopy());
    });
    const state = this.learningState();
    this.emitEvent('learning.state', state.job);
    return state;
  }

  /** Resolves when the running training job (if any) has finished. */
  async learningSettled(): Promise<void> {
    await this.learnRunning;
  }

  /**
   * Re-projects the library in chunks (other requests are answered meanwhile; scans, training and
   * another roll back wait) and answers once people are re-grouped.
   */
  private async rollback(headId: string): Promise<RollbackResult> {
    const l = this.needLearning();
    this.refuseWhileLearning('rolling back', true);
    if (this.scanner) throw new ContractError('busy', 'wait for the scan to finish before rolling back');
    let r: RollbackResult;
    try {
      r = await this.backgroundJob('roll back', () => l.rollback(headId, this.reprojectRun()));
    } catch (e) {
      if (e instanceof NotFoundError) throw new ContractError(e.code, e.message);
      throw e;
    }
    this.emitEvent('people.changed', { reason: 'learning:rollback' });
    return r;
  }

  /**
   * Runs a roll back or a re-cluster as the host's background job (reprojectJob: other requests
   * are answered meanwhile, refuseWhileLearning makes scans, training and the like wait) and
   * clears it, with the re-projection progress, when it settles.
   */
  private async backgroundJob<T>(what: 'roll back' | 're-cluster', fn: () => Promise<T>): Promise<T> {
    // (async: a service that throws at once is answered like one that rejects)
    const run = (async () => fn())();
    const job = { what, done: run };
    this.reprojectJob = job;
    try {
      return await run;
    } finally {
      if (this.reprojectJob === job) this.reprojectJob = null;
      this.reprojecting = null;
    }
  }

  /**
   * At start: a head adopted or rolled back before the engine last stopped (closed mid-way, or
   * crashed) whose re-projection and re-cluster did not finish is finished now, in the background
   * like a roll back: requests are answered meanwhile (progress as learning.reprojecting events
   * and in learning.state), scans, training, roll backs, imports and re-clusters wait; then
   * people.changed ('learning:resumed'). Starts on the next turn of the event loop, once the
   * owner listens to events. If it fails the switch stays pending (the next start tries again) and
   * the error shows as the learning job's. close() stops it between chunks.
   */
  private resumeSwitch(): void {
    let l: LearningApi | null;
    let headId: string | null;
    try {
      l = this.learning();
      headId = l?.pendingSwitch() ?? null;
    } catch {
      return;
    }
    if (!l || headId === null) return;
    const learning = l;
    const run = (async () => {
      await new Promise(setImmediate);
      return learning.resumePending(this.reprojectRun());
    })();
    const done = run
      .then(
        (stats) => {
          if (stats) this.emitEvent('people.changed', { reason: 'learning:resumed' });
        },
        (e: Error) => {
          if (this.closing.signal.aborted) return;
          this.learnJob = { ...this.learnJob, error: `could not finish applying ${headId} to your faces: ${e?.message ?? String(e)}` };
          this.emitEvent('learning.state', this.jobCopy());
        },
      )
      .finally(() => {
        if (this.reprojectJob?.done === done) this.reprojectJob = null;
        this.reprojecting = null;
      });
    this.reprojectJob = { what: 're-projection', done };
  }

  /**
   * "Re-group everyone": a full re-cluster whose computation runs in a worker thread, so that the
   * engine keeps answering meanwhile. Like a roll back it refuses to start during training, a
   * re-projection or a scan, and makes scans, training, roll backs, imports, strictness changes and
   * another re-cluster wait (`busy`); corrections are allowed: the re-cluster's result is only
   * persisted if the library did not change while it was computed, else it is computed again
   * (PeopleService.reclusterInWorker). close() stops it (nothing written).
   */
  private async reclusterPeople(): Promise<ClusterStats> {
    const people = this.needPeople();
    // A re-cluster now would finish the re-projection in one blocking transaction mid-way.
    this.refuseWhileLearning('re-clustering', true);
    if (this.scanner) throw new ContractError('busy', 'wait for the scan to finish before re-clustering');
    const signal = this.closing.signal;
    const r: ClusterStats = await this.backgroundJob('re-cluster', async () => (people.reclusterInWorker ? people.reclusterInWorker({ signal }) : people.recluster()));
    this.emitEvent('people.changed', { reason: 'recluster' });
    return r;
  }

  /** Resolves when a roll back, a resumed re-projection or a re-cluster (if any) has finished. */
  async reprojectSettled(): Promise<void> {
    await this.reprojectJob?.done.catch(() => undefined);
  }

  // ---- people file and XMP ----

  private exportPeopleFile(file: string | undefined): PeopleExport {
    this.needPeople();
    const data = exportPeople(this.store.db, versionOf());
    const summary = { persons: data.persons.length, faces: data.faces.length, corrections: data.corrections.length };
    if (file === undefined) return { file: null, ...summary, text: serializePeopleFile(data) };
    const abs = path.resolve(file);
    try {
      if (fs.statSync(abs).isDirectory()) throw new ContractError('bad-request', `is a folder: ${abs}`);
    } catch (e) {
      if (e instanceof ContractError) throw e;
    }
    try {
      writePeopleFile(abs, data);
    } catch (e) {
      throw new ContractError('failed', `cannot write ${abs}: ${(e as Error).message}`);
    }
    return { file: abs, ...summary };
  }

  private importPeopleFile(p: { path: string } | { text: string; source: string }): PeopleImport {
    const people = this.needPeople() as PeopleService;
    this.refuseWhileLearning('importing');
    const data = 'path' in p ? readPeopleFile(path.resolve(p.path)) : parsePeopleFile(p.text);
    const source = 'path' in p ? path.basename(p.path) : p.source;
    const r = importPeople(people, this.store.db, data, source);
    if (r.correction) this.emitEvent('people.changed', { reason: 'correct:import' });
    return r;
  }

  private xmpWrite(personId: number | undefined): XmpWrite {
    this.needPeople();
    return writeXmpSidecars(this.store.db, personId === undefined ? {} : { personId });
  }

  private async xmpRead(): Promise<PeopleImport> {
    const people = this.needPeople() as PeopleService;
    this.refuseWhileLearning('reading XMP');
    const r = await importXmpRegions(people, this.store.db);
    if (r.correction) this.emitEvent('people.changed', { reason: 'correct:import' });
    return r;
  }

  // ---- people helpers ----

  private suggestionGroups(limit: number): SuggestionGroups {
    const people = this.needPeople();
    const faces = people.unassignedFaces({ limit });
    const groups = new Map<number, SuggestionGroup>();
    const unknown: SuggestionGroups['unknown'] = [];
    for (const face of faces) {
      const best = people.suggestPeople(face.id, 1)[0];
      if (!best) {
        unknown.push(face);
        continue;
      }
      let g = groups.get(best.personId);
      if (!g) {
        const person = people.getPerson(best.personId);
        g = { personId: best.personId, name: best.name, coverFaceId: person?.coverFaceId ?? null, faces: [] };
        groups.set(best.personId, g);
      }
      g.faces.push({ face, similarity: best.similarity });
    }
    const list = [...groups.values()];
    for (const g of list) g.faces.sort((a, b) => b.similarity - a.similarity);
    list.sort((a, b) => Number(b.name !== null) - Number(a.name !== null) || b.faces.length - a.faces.length || a.personId - b.personId);
    return { groups: list, unknown, total: faces.length };
  }

  // ---- app info ----

  private async appInfo(): Promise<AppInfo> {
    let info: Record<string, unknown> | null = this.analyzerInfo;
    if (!info && !this.analyzerError) {
      info = await this.analyzer()
        .then(() => this.analyzerInfo)
        .catch(() => null);
    }
    const embedder = (info?.embedder as string | undefined) ?? null;
    return {
      version: versionOf(),
      mode: this.mode,
      engine: {
        ready: info !== null,
        provider: (info?.provider as string | undefined) ?? null,
        embedder,
        detector: (info?.detector as string | undefined) ?? null,
        landmarks: (info?.landmarks as string | undefined) ?? null,
        error: this.analyzerError,
      },
      scanRate: this.lastRate,
      models: MODELS.map((m) => ({ id: m.id, kind: m.role, inUse: m.id === (embedder ?? DEFAULT_EMBEDDER) || m.id === info?.detector || m.id === info?.landmarks })),
      dbPath: this.dbPath,
    };
  }

  // ---- media ----

  private async resolveMedia(kind: 'face' | 'photo' | 'thumb', id: number): Promise<MediaLocation & { allowedRoots: string[] }> {
    let file: string;
    try {
      if (kind === 'face') file = await this.thumbs.ensureFace(this.store, id);
      else if (kind === 'thumb') file = await this.thumbs.ensurePhoto(this.store, id);
      else file = await this.photoForBrowser(id);
    } catch (e) {
      if (e instanceof NotFoundError) throw new ContractError(e.code, e.message);
      throw new ContractError('not-found', `cannot read ${kind} ${id}: ${(e as Error).message}`);
    }
    const roots = this.allowedRoots();
    const real = resolveInside(file, roots);
    if (!real) throw new ContractError('not-found', `${kind} ${id} is not inside the library`);
    return { file: real, contentType: contentTypeOf(real), allowedRoots: roots };
  }

  /** The original when a browser can show it, else a cached JPEG preview (HEIC, TIFF). */
  private async photoForBrowser(id: number): Promise<string> {
    const photo = this.store.photos.byId(id);
    if (!photo) throw new NotFoundError('photo', `no photo ${id}`);
    const format = photo.format ?? formatFromExtension(photo.path);
    if (format && BROWSER_FORMATS.has(format)) return photo.path;
    const out = path.join(this.thumbsDir, 'previews', photo.hash.slice(0, 2), `${photo.hash}.jpg`);
    if (!fs.existsSync(out)) {
      let buf: Buffer = await fs.promises.readFile(photo.path);
      if ((sniffFormat(buf.subarray(0, 64)) ?? format) === 'heic') buf = await heicToPng(buf);
      const jpg = await sharp(buf, { limitInputPixels: 250_000_000 })
        .rotate()
        .resize({ width: PREVIEW_SIDE, height: PREVIEW_SIDE, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 85 })
        .toBuffer();
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, jpg);
      fs.renameSync(tmp, out);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scanner?.cancel();
    this.learnAbort?.abort();
    this.closing.abort();
    await this.scanRunning?.catch(() => undefined);
    await this.learnRunning?.catch(() => undefined);
    await this.reprojectJob?.done.catch(() => undefined);
    const a = await this.analyzerP?.catch(() => null);
    await a?.close?.();
    this.store.close();
  }
}

export type { FailedFile };
