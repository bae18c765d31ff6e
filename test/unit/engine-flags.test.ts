/** The face engine's command-line flags (app/cli/engine-flags.ts): the speed options are passed on, bad values refused. */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../app/cli/command';
import { ENGINE_FLAGS, engineOptions } from '../../app/cli/engine-flags';

const opts = (...args: string[]) => engineOptions(parseArgs(args, ENGINE_FLAGS));

describe('engine flags', () => {
  it('passes --landmark-passes and --tile-mode to the engine, and leaves them to its defaults when absent', () => {
    expect(opts('--landmark-passes', 'auto', '--tile-mode', 'guided')).toMatchObject({ landmarkPasses: 'auto', tileMode: 'guided' });
    const none = opts();
    expect(none.landmarkPasses).toBeUndefined();
    expect(none.tileMode).toBeUndefined();
  });

  it('refuses a value it does not know, naming the ones it does', () => {
    expect(() => opts('--landmark-passes', 'twice')).toThrow(UsageError);
    expect(() => opts('--landmark-passes', 'twice')).toThrow(/always, auto, never/);
    expect(() => opts('--tile-mode', 'some')).toThrow(/all, guided/);
  });
});
