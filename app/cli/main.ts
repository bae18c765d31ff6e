/**
 * `visage` command-line entry: dispatches to app/cli/commands/*. Exit codes: 0 ok, 1 failure,
 * 2 usage error (unknown command/flag, bad path).
 */
import { UsageError } from './command';
import { loadCommand, loadCommands } from './commands';

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const which = rest[0] ? loadCommand(rest[0]) : undefined;
    if (which) {
      process.stdout.write(`${which.usage}\n`);
      return 0;
    }
    process.stdout.write('usage: visage <command> [options]\n\ncommands:\n');
    for (const c of loadCommands()) process.stdout.write(`  ${c.name.padEnd(16)} ${c.summary}\n`);
    return name ? 0 : 2;
  }
  const cmd = loadCommand(name);
  if (!cmd) {
    process.stderr.write(`visage: unknown command "${name}" (try "visage help")\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`visage ${cmd.name}: ${e.message}\n${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`visage ${cmd.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

if (require.main === module && !process.env.VISAGE_NO_AUTORUN) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`visage: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
