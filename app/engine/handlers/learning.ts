/**
 * "Learn from my corrections": learning.state, learning.start (a training job of the JobGuard, in
 * a worker thread, cancellable), learning.cancel, learning.rollback (a background job: the
 * re-projection yields to other requests), and at start-up the resumed re-projection of a head
 * switch the last session did not finish.
 */
import { ContractError, type LearningJob, type LearningState, type ReprojectProgress, type RollbackResult, type TrainProgress } from '../../contract/contract';
import { NotFoundError } from '../../contract/errors';
import type { LearningApi, ReprojectRun } from '../../learning/api';
import type { PeopleApi } from '../../people/api';
import type { JobGuard } from '../jobs';
import type { Emit, HandlersFor } from './types';

export interface LearningDeps {
  jobs: JobGuard;
  emit: Emit;
  people: () => PeopleApi | null;
  /** The learning service over a people service (null: none in this build). */
  createLearning: ((people: PeopleApi) => LearningApi) | null;
  /** Train in a worker thread. */
  learnInWorker: boolean;
  /** Faces per transaction when re-projecting. */
  reprojectChunk: number | undefined;
  /** Aborted when the engine closes: stops a re-projection between chunks. */
  closing: AbortSignal;
}

export type LearningMethod = 'learning.state' | 'learning.start' | 'learning.cancel' | 'learning.rollback';

export class LearningJobs {
  /** The learning service of the current people service (rebuilt with it). */
  private learningFor: { people: PeopleApi; api: LearningApi } | null = null;
  private job: LearningJob = { running: false, startedAt: null, progress: [], outcome: null, cancelled: false, error: null };
  /** Cancels the running training job. */
  private abort: AbortController | null = null;
  /** The running training job until its last event is out (learningSettled, close). */
  private training: Promise<void> | null = null;
  /** Faces being moved to a newly active head (adoption, roll back or resumed switch). */
  private reprojecting: ReprojectProgress | null = null;

  constructor(private readonly d: LearningDeps) {}

  handlers(): HandlersFor<LearningMethod> {
    return {
      'learning.state': () => this.state(),
      'learning.start': () => this.start(),
      'learning.cancel': () => {
        this.abort?.abort();
        return this.state();
      },
      'learning.rollback': (p) => this.rollback(p.headId),
    };
  }

  private learning(): LearningApi | null {
    const people = this.d.people();
    if (!people || !this.d.createLearning) return null;
    if (this.learningFor?.people !== people) this.learningFor = { people, api: this.d.createLearning(people) };
    return this.learningFor.api;
  }

  private needLearning(): LearningApi {
    const l = this.learning();
    if (!l) throw new ContractError('unavailable', this.d.people() ? 'learning from corrections is not available in this build' : 'people are not available in this build yet');
    return l;
  }

  private jobCopy(): LearningJob {
    return { ...this.job, progress: [...this.job.progress] };
  }

  state(): LearningState {
    const l = this.learning();
    return { available: l !== null, summary: l ? l.summary() : null, job: this.jobCopy(), reprojecting: this.reprojecting && { ...this.reprojecting } };
  }

  /** How the learning service re-projects the library here: progress as events, stopped by close(). */
  private reprojectRun(): ReprojectRun {
    return {
      reprojectChunk: this.d.reprojectChunk,
      reprojectSignal: this.d.closing,
      onReproject: (p) => {
        this.reprojecting = p;
        this.d.emit('learning.reprojecting', p);
      },
    };
  }

  private start(): LearningState {
    const l = this.needLearning();
    this.d.jobs.refuse('train');
    const summary = l.summary();
    if (!summary.ready) {
      throw new ContractError('bad-request', `not enough to learn from yet: name at least ${summary.minPeople} people with two or more faces each (now ${summary.people})`);
    }
    const ticket = this.d.jobs.start('training');
    const abort = new AbortController();
    this.abort = abort;
    this.job = { running: true, startedAt: new Date().toISOString(), progress: [], outcome: null, cancelled: false, error: null };
    const onProgress = (pr: TrainProgress) => {
      if (abort.signal.aborted || this.abort !== abort) return;
      this.job.progress.push(pr);
      this.d.emit('learning.progress', pr);
    };
    let run: Promise<void>;
    try {
      run = l
        .train({ signal: abort.signal, onProgress, inWorker: this.d.learnInWorker, ...this.reprojectRun() })
        .then(
          (outcome) => {
            ticket.end();
            // A cancel that came after adoption is too late: the head is in use.
            if (abort.signal.aborted && !outcome.adopted) {
              this.job = { ...this.job, running: false, cancelled: true };
              return;
            }
            this.job = { ...this.job, running: false, outcome };
            this.d.emit('people.changed', { reason: outcome.adopted ? 'learning:adopted' : 'learning:discarded' });
          },
          (e: unknown) => {
            ticket.end();
            const cancelled = abort.signal.aborted;
            this.job = { ...this.job, running: false, cancelled, error: cancelled ? null : e instanceof Error ? e.message : String(e) };
          },
        );
    } catch (e) {
      // A synchronous throw (bad state) ends the job before it starts.
      ticket.end();
      run = Promise.resolve();
      this.job = { ...this.job, running: false, error: e instanceof Error ? e.message : String(e) };
    }
    this.training = run.finally(() => {
      if (this.abort === abort) this.abort = null;
      this.reprojecting = null;
      this.training = null;
      this.d.emit('learning.state', this.jobCopy());
    });
    const state = this.state();
    this.d.emit('learning.state', state.job);
    return state;
  }

  /**
   * Re-projects the library in chunks (other requests are answered meanwhile; scans, training and
   * another roll back wait) and answers once people are re-grouped.
   */
  private async rollback(headId: string): Promise<RollbackResult> {
    const l = this.needLearning();
    let r: RollbackResult;
    try {
      r = await this.d.jobs.run('roll back', async () => {
        try {
          return await l.rollback(headId, this.reprojectRun());
        } finally {
          this.reprojecting = null;
        }
      });
    } catch (e) {
      if (e instanceof NotFoundError) throw new ContractError(e.code, e.message);
      throw e;
    }
    this.d.emit('people.changed', { reason: 'learning:rollback' });
    return r;
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
  resumeSwitch(): void {
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
    const ticket = this.d.jobs.start('re-projection');
    void (async () => {
      await new Promise(setImmediate);
      return learning.resumePending(this.reprojectRun());
    })()
      .then(
        (stats) => {
          if (stats) this.d.emit('people.changed', { reason: 'learning:resumed' });
        },
        (e: unknown) => {
          if (this.d.closing.aborted) return;
          this.job = { ...this.job, error: `could not finish applying ${headId} to your faces: ${e instanceof Error ? e.message : String(e)}` };
          this.d.emit('learning.state', this.jobCopy());
        },
      )
      .finally(() => {
        ticket.end();
        this.reprojecting = null;
      });
  }

  /** Resolves when the running training job (if any) has finished and said so. */
  async settled(): Promise<void> {
    await this.training;
  }

  /** Cancels the running training job (close()). */
  cancel(): void {
    this.abort?.abort();
  }
}
