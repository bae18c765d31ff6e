/**
 * The engine's exclusive-job guard (app/engine/jobs.ts): what each running job refuses, with the
 * messages the engine host has always answered (`busy`).
 */
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../app/contract/contract';
import { JobGuard, REFUSALS, refusalMessage, type GuardedAction, type JobKind } from '../../app/engine/jobs';

const KINDS: JobKind[] = ['scan', 'training', 'roll back', 're-projection', 're-cluster', 're-embed'];

/** Every (action, running job) pair and what the host answered before the guard existed. */
const EXPECTED: Record<GuardedAction, Record<JobKind, string | null>> = {
  scan: {
    scan: 'a scan is already running', // (never answered: scan.start returns the running scan's state)
    training: 'wait for the training to finish (or cancel it) before scanning',
    'roll back': 'wait for the roll back to finish before scanning',
    're-projection': 'wait for the re-projection to finish before scanning',
    're-cluster': 'wait for the re-cluster to finish before scanning',
    're-embed': 'wait for the move to another face model to finish (or cancel it) before scanning',
  },
  train: {
    scan: 'wait for the scan to finish before training',
    training: 'a training job is already running',
    'roll back': 'wait for the roll back to finish before training',
    're-projection': 'wait for the re-projection to finish before training',
    're-cluster': 'wait for the re-cluster to finish before training',
    're-embed': 'wait for the move to another face model to finish (or cancel it) before training',
  },
  'roll back': {
    scan: 'wait for the scan to finish before rolling back',
    training: 'wait for the training to finish (or cancel it) before rolling back',
    'roll back': 'wait for the roll back to finish before rolling back',
    're-projection': 'wait for the re-projection to finish before rolling back',
    're-cluster': 'wait for the re-cluster to finish before rolling back',
    're-embed': 'wait for the move to another face model to finish (or cancel it) before rolling back',
  },
  're-cluster': {
    scan: 'wait for the scan to finish before re-clustering',
    training: 'wait for the training to finish (or cancel it) before re-clustering',
    'roll back': 'wait for the roll back to finish before re-clustering',
    're-projection': 'wait for the re-projection to finish before re-clustering',
    're-cluster': 'wait for the re-cluster to finish before re-clustering',
    're-embed': 'wait for the move to another face model to finish (or cancel it) before re-clustering',
  },
  'move model': {
    scan: 'wait for the scan to finish before moving to another face model',
    training: 'wait for the training to finish (or cancel it) before moving to another face model',
    'roll back': 'wait for the roll back to finish before moving to another face model',
    're-projection': 'wait for the re-projection to finish before moving to another face model',
    're-cluster': 'wait for the re-cluster to finish before moving to another face model',
    're-embed': 'a move to another face model is already running',
  },
  import: {
    scan: null,
    training: 'wait for the training to finish before importing',
    'roll back': 'wait for the roll back to finish before importing',
    're-projection': 'wait for the re-projection to finish before importing',
    're-cluster': 'wait for the re-cluster to finish before importing',
    're-embed': null,
  },
  'read XMP': {
    scan: null,
    training: 'wait for the training to finish before reading XMP',
    'roll back': 'wait for the roll back to finish before reading XMP',
    're-projection': 'wait for the re-projection to finish before reading XMP',
    're-cluster': 'wait for the re-cluster to finish before reading XMP',
    're-embed': null,
  },
  'change strictness': {
    scan: null,
    training: 'wait for the training to finish before changing the strictness',
    'roll back': 'wait for the roll back to finish before changing the strictness',
    're-projection': 'wait for the re-projection to finish before changing the strictness',
    're-cluster': 'wait for the re-cluster to finish before changing the strictness',
    're-embed': null,
  },
  'remove folder': {
    scan: 'wait for the scan to finish before removing a folder',
    training: null,
    'roll back': null,
    're-projection': null,
    're-cluster': null,
    're-embed': 'wait for the move to another face model to finish (or cancel it) before removing a folder',
  },
};

function busyMessage(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ContractError);
    expect((e as ContractError).code).toBe('busy');
    return (e as ContractError).message;
  }
}

describe('JobGuard', () => {
  it('the refusal table covers every action and job, with the messages the host answered', () => {
    expect(Object.keys(REFUSALS).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [action, row] of Object.entries(EXPECTED) as [GuardedAction, Record<JobKind, string | null>][]) {
      for (const kind of KINDS) expect(refusalMessage(action, kind), `${action} while ${kind}`).toBe(row[kind]);
    }
  });

  it('refuse() throws busy while a job that refuses the action runs, and nothing when idle', () => {
    for (const [action, row] of Object.entries(EXPECTED) as [GuardedAction, Record<JobKind, string | null>][]) {
      const idle = new JobGuard();
      expect(busyMessage(() => idle.refuse(action))).toBeNull();
      for (const kind of KINDS) {
        const g = new JobGuard();
        g.start(kind);
        expect(busyMessage(() => g.refuse(action)), `${action} while ${kind}`).toBe(row[kind]);
      }
    }
  });

  it('one job at a time: every job refuses every other; end() frees the guard once', () => {
    for (const running of KINDS) {
      for (const next of KINDS) {
        const g = new JobGuard();
        const t = g.start(running);
        expect(g.current()).toBe(running);
        expect(() => g.start(next)).toThrow(ContractError);
        expect(g.current()).toBe(running);
        t.end();
        expect(g.current()).toBeNull();
        const t2 = g.start(next);
        t.end(); // a stale ticket frees nothing
        expect(g.current()).toBe(next);
        t2.end();
      }
    }
  });

  it('run() holds the guard until the job settles, also when it fails; settled() waits for it', async () => {
    const g = new JobGuard();
    let finish!: () => void;
    const job = g.run('re-cluster', () => new Promise<number>((r) => (finish = () => r(7))));
    expect(g.current()).toBe('re-cluster');
    let settled = false;
    const s = g.settled(['roll back', 're-cluster']).then(() => (settled = true));
    await g.settled(['scan']); // not the running kind: at once
    await Promise.resolve();
    expect(settled).toBe(false);
    finish();
    expect(await job).toBe(7);
    await s;
    expect(g.current()).toBeNull();

    await expect(g.run('roll back', async () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(g.current()).toBeNull();
    await expect(g.run('roll back', () => { throw new Error('at once'); })).rejects.toThrow('at once');
    expect(g.current()).toBeNull();
  });

  it('a refused run() does not run its job', async () => {
    const g = new JobGuard();
    g.start('scan');
    let ran = false;
    await expect(g.run('re-cluster', async () => (ran = true))).rejects.toMatchObject({ code: 'busy', message: 'wait for the scan to finish before re-clustering' });
    expect(ran).toBe(false);
  });
});
