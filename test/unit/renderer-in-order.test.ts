import { describe, expect, it } from 'vitest';
import { latestOnly, sequencer } from '../../renderer/src/lib/in-order';

/** A call that finishes when told to, recording when it started and ended. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return { open, call: async () => (log.push(`${name} start`), await done, log.push(`${name} end`), name) };
}

describe('sequencer (corrections, undo and redo reach the engine in the order made)', () => {
  it('starts a call only after the one before it has finished, even when the later one is quicker', async () => {
    const log: string[] = [];
    const inOrder = sequencer();
    const no = gate(log, 'reject');
    const first = inOrder(no.call);
    const undo = inOrder(async () => (log.push('undo start'), 'undo'));
    await Promise.resolve();
    expect(log).toEqual(['reject start']);
    no.open();
    expect(await Promise.all([first, undo])).toEqual(['reject', 'undo']);
    expect(log).toEqual(['reject start', 'reject end', 'undo start']);
  });

  it('goes on after a call that failed, and hands each caller its own outcome', async () => {
    const inOrder = sequencer();
    const failed = inOrder(() => Promise.reject(new Error('disk full')));
    const next = inOrder(() => Promise.resolve(7));
    await expect(failed).rejects.toThrow('disk full');
    await expect(next).resolves.toBe(7);
  });
});

describe('latestOnly (a screen reloading whenever people change)', () => {
  it('applies only the last request asked for, even when an older one comes back after it', async () => {
    const latest = latestOnly();
    let openOld!: (v: string) => void;
    const old = latest(new Promise<string>((r) => (openOld = r)));
    const applied: string[] = [];
    void old.then((v) => applied.push(v));
    const fresh = latest(Promise.resolve('new'));
    applied.push(await fresh);
    openOld('old');
    await new Promise((r) => setTimeout(r, 10));
    expect(applied).toEqual(['new']);
  });

  it('passes the last request\'s failure on, and drops a superseded one\'s', async () => {
    const latest = latestOnly();
    const caught: string[] = [];
    void latest(Promise.reject(new Error('old'))).catch((e: Error) => caught.push(e.message));
    await expect(latest(Promise.reject(new Error('new')))).rejects.toThrow('new');
    await new Promise((r) => setTimeout(r, 10));
    expect(caught).toEqual([]);
  });
});
