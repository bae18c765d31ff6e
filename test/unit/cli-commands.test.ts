import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths';

// The compiled registry (npm test builds dist/ first): its loaders are plain `require`s of the
// compiled modules beside it, as in the installed CLI.
const loadCompiled = createRequire(__filename);
const { COMMAND_MODULES, loadCommand, loadCommands } = loadCompiled(join(ROOT, 'dist', 'app', 'cli', 'commands', 'index.js')) as typeof import('../../app/cli/commands');

describe('CLI command registry', () => {
  it('names each module by exactly the commands it exports, so a command loads only its own module', () => {
    for (const entry of COMMAND_MODULES) {
      const m = entry.load();
      const exported = [...(m.commands ?? (m.command ? [m.command] : [])), ...(m.startCommand ? [m.startCommand] : [])].map((c) => c.name);
      expect(exported).toEqual([...entry.names]);
    }
  });

  it('finds a command by name, and none for an unknown name', () => {
    expect(loadCommand('merge')?.name).toBe('merge');
    expect(loadCommand('start')?.name).toBe('start');
    expect(loadCommand('no-such-command')).toBeUndefined();
    const names = loadCommands().map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
