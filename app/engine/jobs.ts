/**
 * The engine's one exclusive job at a time (a scan, a training job, a roll back, the resumed
 * re-projection of an unfinished head switch, a re-cluster, the move to another face model) and the one table of what each of
 * them refuses while it runs (`busy`). Requests that are not jobs (corrections, queries, XMP
 * writes, adding a folder...) are always answered.
 */
import { ContractError } from '../contract/contract';

/** The jobs that exclude one another. */
export type JobKind = 'scan' | 'training' | 'roll back' | 're-projection' | 're-cluster' | 're-embed';

/** The requests a running job may refuse (starting a job is one of them). */
export type GuardedAction = 'scan' | 'train' | 'roll back' | 're-cluster' | 'move model' | 'import' | 'read XMP' | 'change strictness' | 'remove folder';

/**
 * How a running job answers an action: `wait` ("wait for the X to finish before ..."),
 * `wait or cancel` (the same, adding that the job can be cancelled), `already running` (the same
 * job again), null: allowed.
 */
export type Refusal = 'wait' | 'wait or cancel' | 'already running' | null;

/**
 * What is refused while what runs. Every job refuses every other job: at most one runs. A scan
 * lets imports, XMP reads and strictness changes through; training, a roll back, a resumed
 * re-projection and a re-cluster let a folder be removed. The move to another face model embeds
 * the library's photos with the new model while the library stays on the old one: imports, XMP
 * reads and strictness changes go through (the switch re-groups everyone with the corrections
 * replayed); a folder removed would pull photos from under it, so that waits.
 */
export const REFUSALS: { readonly [A in GuardedAction]: { readonly [K in JobKind]: Refusal } } = {
  scan: { scan: 'already running', training: 'wait or cancel', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': 'wait or cancel' },
  train: { scan: 'wait', training: 'already running', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': 'wait or cancel' },
  'roll back': { scan: 'wait', training: 'wait or cancel', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': 'wait or cancel' },
  're-cluster': { scan: 'wait', training: 'wait or cancel', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': 'wait or cancel' },
  'move model': { scan: 'wait', training: 'wait or cancel', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': 'already running' },
  import: { scan: null, training: 'wait', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': null },
  'read XMP': { scan: null, training: 'wait', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': null },
  'change strictness': { scan: null, training: 'wait', 'roll back': 'wait', 're-projection': 'wait', 're-cluster': 'wait', 're-embed': null },
  'remove folder': { scan: 'wait', training: null, 'roll back': null, 're-projection': null, 're-cluster': null, 're-embed': 'wait or cancel' },
};

/** The action that starts a job (the resumed re-projection starts on its own, at start-up). */
const STARTED_BY: { readonly [K in JobKind]: GuardedAction | null } = {
  scan: 'scan',
  training: 'train',
  'roll back': 'roll back',
  're-projection': null,
  're-cluster': 're-cluster',
  're-embed': 'move model',
};

/** The action as the end of a sentence: "... before <verb>". */
const VERB: { readonly [A in GuardedAction]: string } = {
  scan: 'scanning',
  train: 'training',
  'roll back': 'rolling back',
  're-cluster': 're-clustering',
  'move model': 'moving to another face model',
  import: 'importing',
  'read XMP': 'reading XMP',
  'change strictness': 'changing the strictness',
  'remove folder': 'removing a folder',
};

/** The job in "a ... is already running". */
const ALREADY: { readonly [K in JobKind]: string } = {
  scan: 'a scan',
  training: 'a training job',
  'roll back': 'a roll back',
  're-projection': 'a re-projection',
  're-cluster': 'a re-cluster',
  're-embed': 'a move to another face model',
};

/** The job in "wait for the ... to finish" (its kind, but for the one whose kind is jargon). */
const THE: { readonly [K in JobKind]: string } = {
  scan: 'scan',
  training: 'training',
  'roll back': 'roll back',
  're-projection': 're-projection',
  're-cluster': 're-cluster',
  're-embed': 'move to another face model',
};

/** The message of a refusal (null when `action` is allowed while `running` runs). */
export function refusalMessage(action: GuardedAction, running: JobKind): string | null {
  const r = REFUSALS[action][running];
  if (r === null) return null;
  if (r === 'already running') return `${ALREADY[running]} is already running`;
  return `wait for the ${THE[running]} to finish${r === 'wait or cancel' ? ' (or cancel it)' : ''} before ${VERB[action]}`;
}

/** The running job's hold on the guard: end() frees it (once; later calls do nothing). */
export interface JobTicket {
  readonly kind: JobKind;
  end(): void;
}

export class JobGuard {
  private running: (JobTicket & { ended: Promise<void> }) | null = null;

  /** The job running now, or null. */
  current(): JobKind | null {
    return this.running?.kind ?? null;
  }

  /** Throws ContractError('busy') when the running job refuses `action`. */
  refuse(action: GuardedAction): void {
    if (!this.running) return;
    const message = refusalMessage(action, this.running.kind);
    if (message !== null) throw new ContractError('busy', message);
  }

  /**
   * Starts a job of `kind`: refused (`busy`) as the table says while another runs; the caller
   * calls end() on the ticket when the job no longer excludes others.
   */
  start(kind: JobKind): JobTicket {
    const action = STARTED_BY[kind];
    if (action !== null) this.refuse(action);
    // Every job refuses every other (REFUSALS); a job that starts on its own needs a free guard.
    if (this.running) throw new ContractError('busy', `${ALREADY[this.running.kind]} is already running`);
    let ended: () => void = () => undefined;
    const ticket = {
      kind,
      ended: new Promise<void>((resolve) => {
        ended = resolve;
      }),
      end: () => {
        if (this.running === ticket) this.running = null;
        ended();
      },
    };
    this.running = ticket;
    return ticket;
  }

  /** Resolves when the running job (if any, and if of one of `kinds` when given) has ended. */
  async settled(kinds?: readonly JobKind[]): Promise<void> {
    const job = this.running;
    if (job && (!kinds || kinds.includes(job.kind))) await job.ended;
  }

  /** start(kind), then `fn`; the job ends when the promise `fn` returns settles (or it throws). */
  async run<T>(kind: JobKind, fn: () => Promise<T>): Promise<T> {
    const ticket = this.start(kind);
    try {
      return await fn();
    } finally {
      ticket.end();
    }
  }
}
