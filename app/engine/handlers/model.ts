/**
 * Moving the library to another face model from the app (Settings, "Face model"):
 * library.reembed starts the move, a job of the JobGuard ('re-embed'): phase 1 of
 * app/library/reembed.ts embeds every face with the new model into the side table while the
 * library stays on its old model (progress as reembed.progress events; cancellable, and a stopped
 * move resumes where it stopped); then the switch, the face engine and the people service
 * re-created on the new model (later scans embed with it), everyone re-grouped with every
 * correction replayed (a 're-cluster' job), reembed.finished and people.changed 'model'.
 * library.cancelReembed stops it; the state is part of app.info.
 */
import { ContractError, type LibraryModelState, type ModelMoveOutcome, type ModelMoveProgress } from '../../contract/contract';
import { DEFAULT_EMBEDDER, getEmbedder } from '../../faces/models/registry';
import { computePending, switchModel, type Reembedder } from '../../library/reembed';
import type { PeopleApi } from '../../people/api';
import { ReembedRepo } from '../../store/reembed-repo';
import { currentLibraryModel } from '../../store/settings';
import type { Store } from '../../store/store';
import type { JobGuard, JobTicket } from '../jobs';
import type { Emit, HandlersFor } from './types';

export interface ModelDeps {
  store: Store;
  jobs: JobGuard;
  emit: Emit;
  /** The embedding engine of a move to `model` (a FacePipeline on it); closed when the move ends. */
  createReembedder: (model: string) => Promise<Reembedder & { close(): Promise<void> }>;
  /**
   * The library is on its new model now: the face engine and the people service are re-created
   * on it (the host's job); answers the new people service.
   */
  modelSwitched: () => Promise<PeopleApi | null>;
  /** Minimum ms between two progress events (the first and the last photo always have one). */
  progressIntervalMs: number;
  /** Aborted when the engine closes: stops the move between two photos, and the re-group. */
  closing: AbortSignal;
}

export type ModelMethod = 'library.reembed' | 'library.cancelReembed';

interface RunningMove {
  progress: ModelMoveProgress;
  abort: AbortController;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ModelJobs {
  private running: RunningMove | null = null;
  /** The running move until its last event is out (settled, close). */
  private settling: Promise<void> | null = null;
  private last: ModelMoveOutcome | null = null;
  /** Set while a move's model loads: a cancel meanwhile stops the move before it starts. */
  private loading: AbortController | null = null;
  private readonly repo: ReembedRepo;

  constructor(private readonly d: ModelDeps) {
    this.repo = new ReembedRepo(d.store.db);
  }

  handlers(): HandlersFor<ModelMethod> {
    return {
      'library.reembed': (p) => this.start(p.model),
      'library.cancelReembed': () => {
        this.running?.abort.abort();
        this.loading?.abort();
        return this.state();
      },
    };
  }

  state(): LibraryModelState {
    const model = currentLibraryModel(this.d.store.db, DEFAULT_EMBEDDER);
    const waiting = this.running ? null : this.repo.waiting();
    return {
      model,
      defaultModel: DEFAULT_EMBEDDER,
      moveAvailable: model !== DEFAULT_EMBEDDER,
      move: this.running && { ...this.running.progress },
      resumable: waiting && { target: waiting.model, faces: waiting.faces },
      last: this.last && { ...this.last },
    };
  }

  private async start(model: string): Promise<LibraryModelState> {
    try {
      getEmbedder(model);
    } catch (e) {
      throw new ContractError('bad-request', message(e));
    }
    if (this.running?.progress.target === model) return this.state();
    this.d.jobs.refuse('move model');
    const current = currentLibraryModel(this.d.store.db, DEFAULT_EMBEDDER);
    if (current === model) throw new ContractError('bad-request', `the library already uses ${model}`);
    let engine: Awaited<ReturnType<ModelDeps['createReembedder']>>;
    const loading = new AbortController();
    this.loading = loading;
    try {
      engine = await this.d.createReembedder(model);
    } catch (e) {
      throw new ContractError('unavailable', `the face model ${model} could not start: ${message(e)}`);
    } finally {
      if (this.loading === loading) this.loading = null;
    }
    if (loading.signal.aborted || this.d.closing.aborted) {
      // Cancelled (or the engine closing) while the model loaded: nothing was started.
      await engine.close();
      return this.state();
    }
    let ticket: JobTicket;
    try {
      // (asked again: another job may have started while the model loaded)
      ticket = this.d.jobs.start('re-embed');
    } catch (e) {
      await engine.close();
      throw e;
    }
    const job: RunningMove = { progress: { target: model, done: 0, total: 0, faces: 0, resumed: 0 }, abort: new AbortController() };
    this.running = job;
    this.settling = this.run(job, engine, ticket).finally(() => {
      if (this.running === job) this.running = null;
      this.settling = null;
    });
    return this.state();
  }

  /** The move, to its end; never throws (a failure is the outcome's). */
  private async run(job: RunningMove, engine: Reembedder & { close(): Promise<void> }, ticket: JobTicket): Promise<void> {
    const model = job.progress.target;
    const signal = AbortSignal.any([job.abort.signal, this.d.closing]);
    let lastEmit = -Infinity;
    let outcome: ModelMoveOutcome;
    try {
      const onProgress = (p: { done: number; photos: number; faces: number; resumed: number }) => {
        job.progress = { target: model, done: p.done, total: p.photos, faces: p.faces, resumed: p.resumed };
        const now = performance.now();
        if (p.done === 1 || p.done === p.photos || now - lastEmit >= this.d.progressIntervalMs) {
          lastEmit = now;
          this.d.emit('reembed.progress', { ...job.progress });
        }
      };
      let r: Awaited<ReturnType<typeof computePending>>;
      try {
        r = await computePending(this.d.store, engine, onProgress, signal);
        // Faces added while it ran (a face drawn by hand) are embedded too before the switch.
        if (!r.stopped && r.failed.length === 0 && this.repo.counts(model).todo > 0) r = await computePending(this.d.store, engine, undefined, signal);
      } finally {
        // the move's model is needed no more, whatever happened
        await engine.close().catch(() => undefined);
      }
      if (r.stopped) {
        outcome = { target: model, outcome: 'cancelled', switched: 0, failedPhotos: r.failed.length, error: null };
      } else {
        const switched = switchModel(this.d.store, model);
        outcome = { target: model, outcome: 'switched', switched, failedPhotos: r.failed.length, error: null };
        // People are re-grouped as a re-cluster job (the People page says "Grouping…"), started in
        // this same turn so that nothing else starts in between.
        ticket.end();
        ticket = this.d.jobs.start('re-cluster');
        try {
          const people = await this.d.modelSwitched();
          if (people) await (people.reclusterInWorker ? people.reclusterInWorker({ signal: this.d.closing }) : Promise.resolve(people.recluster()));
        } catch (e) {
          outcome = { ...outcome, error: `re-grouping people failed: ${message(e)}` };
        }
      }
    } catch (e) {
      outcome = { target: model, outcome: 'failed', switched: 0, failedPhotos: 0, error: message(e) };
    } finally {
      ticket.end();
    }
    this.last = outcome;
    if (this.running === job) this.running = null;
    this.d.emit('reembed.finished', { ...outcome });
    if (outcome.outcome === 'switched') this.d.emit('people.changed', { reason: 'model' });
  }

  /** Resolves when the running move (if any) has finished and said so. */
  async settled(): Promise<void> {
    await this.settling;
  }

  /** Stops the running move (close()). */
  cancel(): void {
    this.running?.abort.abort();
  }
}
