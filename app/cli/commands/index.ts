import type { CliCommand } from '../command';

/**
 * Every CLI command, in `visage help` order: one line per command module (each module exports
 * `command`). Modules are required lazily so that `visage help` stays fast.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access --
   CommonJS require() loads a module when its loader is called; the array's type states the shape
   each command module exports. */
const loaders: (() => { command?: CliCommand; commands?: CliCommand[] })[] = [
  // engine (issue 2)
  () => require('./detect'),
  () => require('./eval-lfw'),
  () => require('./eval-detect'),
  () => require('./fit-projection'),
  () => require('./status'),
  () => ({ command: require('./status').startCommand }),
  // library (issue 3)
  () => require('./scan'),
  () => require('./photos'),
  () => require('./faces'),
  () => require('./errors'),
  // desktop app, browser mode (issue 5)
  () => require('./serve'),
  // people (issue 4)
  () => require('./people'),
  () => require('./eval-clusters'),
  () => require('./reembed'),
  () => require('./export-import'),
  // learning (issue 6)
  () => require('./eval-learning'),
];
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access */

export async function loadCommands(): Promise<CliCommand[]> {
  return loaders.flatMap((load) => {
    const m = load();
    return m.commands ?? (m.command ? [m.command] : []);
  });
}
