import type { CliCommand } from '../command';

/**
 * Every CLI command, in `visage help` order: one line per command module (each module exports
 * `command`). Modules are required lazily so that `visage help` stays fast.
 */
const loaders: (() => { command: CliCommand })[] = [
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
];

export async function loadCommands(): Promise<CliCommand[]> {
  return loaders.map((load) => load().command);
}
