import type { CliCommand } from '../command';

type CommandModule = { command?: CliCommand; commands?: CliCommand[]; startCommand?: CliCommand };

/**
 * Every CLI command, in `visage help` order: the names each module provides, and how to load it.
 * A command loads only its own module (`visage scan` never loads the evaluation code); `visage help`
 * loads them all to print their summaries. A test checks the names against what the modules export.
 */
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return --
   CommonJS require() loads a module when its loader is called; CommandModule states the shape
   each command module exports. */
export const COMMAND_MODULES: readonly { names: readonly string[]; load: () => CommandModule }[] = [
  { names: ['detect'], load: () => require('./detect') },
  { names: ['eval-lfw'], load: () => require('./eval-lfw') },
  { names: ['eval-detect'], load: () => require('./eval-detect') },
  { names: ['fit-projection'], load: () => require('./fit-projection') },
  { names: ['status', 'start'], load: () => require('./status') },
  { names: ['scan'], load: () => require('./scan') },
  { names: ['photos'], load: () => require('./photos') },
  { names: ['faces'], load: () => require('./faces') },
  { names: ['errors'], load: () => require('./errors') },
  { names: ['restore'], load: () => require('./restore') },
  { names: ['serve'], load: () => require('./serve') },
  {
    names: ['people', 'person', 'unassigned', 'cluster', 'recluster', 'suggest', 'suggest-merges', 'answer-merge', 'name', 'merge', 'split', 'move', 'reject', 'confirm', 'hide', 'cover', 'not-a-face', 'birthday', 'hide-small', 'tag-photo', 'untag-photo', 'undo', 'redo', 'history'],
    load: () => require('./people'),
  },
  { names: ['settings'], load: () => require('./settings') },
  { names: ['eval-clusters'], load: () => require('./eval-clusters') },
  { names: ['eval-user'], load: () => require('./eval-user') },
  { names: ['reembed'], load: () => require('./reembed') },
  { names: ['add-face'], load: () => require('./add-face') },
  { names: ['export', 'import', 'xmp-write', 'xmp-read'], load: () => require('./export-import') },
  { names: ['learn'], load: () => require('./learn') },
  { names: ['eval-learning'], load: () => require('./eval-learning') },
];
/* eslint-enable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return */

function commandsOf(m: CommandModule): CliCommand[] {
  const list = m.commands ?? (m.command ? [m.command] : []);
  return m.startCommand ? [...list, m.startCommand] : list;
}

/** Every command, in help order (loads every module). */
export function loadCommands(): CliCommand[] {
  return COMMAND_MODULES.flatMap((entry) => commandsOf(entry.load()));
}

/** One command by name, loading only the module that provides it; undefined when unknown. */
export function loadCommand(name: string): CliCommand | undefined {
  const entry = COMMAND_MODULES.find((e) => e.names.includes(name));
  return entry ? commandsOf(entry.load()).find((c) => c.name === name) : undefined;
}
