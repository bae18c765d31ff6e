/**
 * `visage` command-line entry: dispatches to app/cli/commands/*. Exit codes: 0 ok, 1 failure,
 * 2 usage error (unknown command/flag, bad path), 3 the library is damaged or from a newer Visage
 * (refused untouched; `visage restore`), 75 a machine fault (full disk, read-only, locked
 * or unreachable library: one sentence, nothing lost, run it again once fixed; app/contract/faults.ts).
 */
import { EXIT_MACHINE_FAULT } from '../contract/faults';
import { damagedError, StoreError } from '../store/database';
import { libraryFaultOf, MachineFault } from '../store/faults';
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
    // A damaged library, or one from a newer Visage: refused untouched, one sentence (exit 3).
    if (e instanceof StoreError && (e.code === 'db-damaged' || e.code === 'db-newer')) {
      process.stderr.write(`visage ${cmd.name}: ${e.message}\n`);
      return EXIT_LIBRARY_REFUSED;
    }
    if (isSqliteCorrupt(e)) {
      process.stderr.write(`visage ${cmd.name}: ${damagedError(dbFlag(rest) ?? 'the library', (e as Error).message).message}\n`);
      return EXIT_LIBRARY_REFUSED;
    }
    // A condition of the machine is one sentence, never a stack trace (the library is named by
    // --db when given, else by the error's own path).
    const fault = e instanceof MachineFault ? e : libraryFaultOf(e, dbFlag(rest) ?? 'the library');
    if (fault) {
      process.stderr.write(`visage ${cmd.name}: ${fault.message}\n`);
      return EXIT_MACHINE_FAULT;
    }
    process.stderr.write(`visage ${cmd.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/** Exit code of a command refused because the library is damaged or from a newer Visage. */
export const EXIT_LIBRARY_REFUSED = 3;

function isSqliteCorrupt(e: unknown): boolean {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' && (c.startsWith('SQLITE_CORRUPT') || c === 'SQLITE_NOTADB');
}

function dbFlag(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--db' || a.startsWith('--db='));
  if (i < 0) return undefined;
  const a = args[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
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
