/**
 * `visage serve --db FILE [--port N] [--no-open]`: Visage in a local browser (browser mode) over
 * a chosen library database. Prints one line: `Visage is running at http://127.0.0.1:PORT/?token=...`.
 */
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { resolveDbPath } from '../../platform/paths';

const USAGE = `usage: visage serve --db FILE [--port N] [--no-open] [--in-process]
  Serve the Visage UI to a local browser on 127.0.0.1 (a new random token each launch).
  --db FILE       library database (created if missing)
  --port N        port (default: a free one)
  --no-open       do not open the browser
  --in-process    run the engine in the server's process (default: a child process)`;

export async function runServe(dbFlag: string | undefined, args: string[]): Promise<number> {
  const p = parseArgs(args, { values: { db: 'string', port: 'number' }, booleans: ['no-open', 'in-process'] });
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
  const port = numberFlag(p, 'port');
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError('--port must be 0..65535');
  const dbPath = resolveDbPath(stringFlag(p, 'db') ?? dbFlag);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { serveUntilStopped } = require('../../server/serve') as typeof import('../../server/serve');
  return serveUntilStopped({ dbPath, port, open: !p.flags.has('no-open'), inProcess: p.flags.has('in-process') });
}

export const command: CliCommand = {
  name: 'serve',
  summary: 'Serve the Visage UI to a local browser for a library database (browser mode)',
  usage: USAGE,
  async run(args) {
    if (!args.includes('--db') && !args.some((a) => a.startsWith('--db='))) throw new UsageError('give the library database with --db FILE');
    return runServe(undefined, args);
  },
};
