/** `visage errors`: files the scanner could not index, and why. */
import { parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { resolveDbPath } from '../../platform/paths';
import { errorJson } from '../../store/rows-json';
import { openStoreForReading } from '../open-store';

export const command: CliCommand = {
  name: 'errors',
  summary: 'List files the scanner could not index, with an error code',
  usage: 'usage: visage errors [--db FILE] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string' }, booleans: ['json'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const store = openStoreForReading(resolveDbPath(stringFlag(p, 'db')));
    try {
      const errors = store.errors.all().map(errorJson);
      if (p.flags.has('json')) {
        process.stdout.write(`${JSON.stringify({ count: errors.length, errors })}\n`);
      } else {
        for (const e of errors) process.stdout.write(`${e.code}\t${e.path}\t${e.message}\n`);
        process.stdout.write(`${errors.length} error(s)\n`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
