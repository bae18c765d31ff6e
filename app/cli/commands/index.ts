import type { CliCommand } from '../command';

/** Every CLI command, in `visage help` order. Add one line per command module. */
export async function loadCommands(): Promise<CliCommand[]> {
  const modules = await Promise.all([
    // engine (issue 2)
  ]);
  return modules.map((m) => (m as { command: CliCommand }).command);
}
