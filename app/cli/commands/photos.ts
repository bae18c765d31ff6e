/** `visage photos`: list the indexed photos. */
import { parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { resolveDbPath } from '../../platform/paths';
import { photoJson } from '../../store/rows-json';
import { openStoreForReading } from '../open-store';

export const command: CliCommand = {
  name: 'photos',
  summary: 'List the photos in the library database',
  usage: 'usage: visage photos [--db FILE] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string' }, booleans: ['json'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const store = openStoreForReading(resolveDbPath(stringFlag(p, 'db')));
    try {
      const photos = store.photos.allWithFaceCounts().map((r) => photoJson(r, r.face_count));
      if (p.flags.has('json')) {
        process.stdout.write(`${JSON.stringify({ count: photos.length, photos })}\n`);
      } else {
        for (const ph of photos) {
          process.stdout.write(`${ph.path}\t${ph.width}x${ph.height}\t${ph.faces} face(s)${ph.takenAt ? `\t${ph.takenAt}` : ''}\n`);
        }
        process.stdout.write(`${photos.length} photo(s)\n`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
