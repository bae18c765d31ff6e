/**
 * `visage restore --from FILE [--db FILE]`: put a backup (from `visage.backups/`, offered by the
 * message a damaged library prints) in place of the library. The backup is checked first
 * (integrity_check, schema); the files in place are moved aside, never deleted; refused while the
 * app or another command has the library open (app/store/restore.ts).
 */
import { parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { resolveDbPath } from '../../platform/paths';
import { listBackups } from '../../store/backup';
import { RestoreError, restoreBackup } from '../../store/restore';

export const command: CliCommand = {
  name: 'restore',
  summary: 'put a backup of the library back in place (the current files are kept aside)',
  usage: `usage: visage restore --from FILE [--db FILE] [--json]
       visage restore --list [--db FILE] [--json]
  --from FILE   the backup to restore (e.g. the newest in visage.backups/ beside the library)
  --list        list the backups beside the library, newest last`,
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', from: 'string' }, booleans: ['json', 'list'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const json = p.flags.has('json');
    if (p.flags.has('list')) {
      const all = listBackups(dbPath).map((b) => ({ file: b.file, version: b.version, takenAt: b.takenAt.toISOString() }));
      process.stdout.write(json ? `${JSON.stringify({ db: dbPath, backups: all })}\n` : `${all.map((b) => `${b.takenAt}  v${b.version}  ${b.file}`).join('\n') || '(no backups)'}\n`);
      return 0;
    }
    const from = stringFlag(p, 'from');
    if (!from) throw new UsageError('--from FILE is required (or --list)');
    try {
      const r = restoreBackup(dbPath, from);
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        process.stdout.write(
          `restored ${r.from} (schema v${r.version}) as ${r.db}` +
            (r.keptAside.length ? `; the previous files are kept as ${r.keptAside.join(', ')}\n` : '\n'),
        );
      }
      return 0;
    } catch (e) {
      if (e instanceof RestoreError) {
        process.stderr.write(`visage restore: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  },
};
