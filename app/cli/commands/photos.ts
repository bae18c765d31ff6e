/**
 * `visage photos`: list the indexed photos; with `--with ID,ID[,...]` the photos of those people
 * together (each of them in the photo), with `--only` also no other person (not hidden) in it -
 * faces in no person do not count (people.photosTogether).
 */
import { parseArgs, stringFlag, UsageError, type CliCommand, type ParsedArgs } from '../command';
import { NotFoundError } from '../../contract/errors';
import { resolveDbPath } from '../../platform/paths';
import { photoJson } from '../../store/rows-json';
import type { Store } from '../../store/store';
import { CorrectionError } from '../../people/people-service';
import { openStoreForReading } from '../open-store';
import { peopleServiceFor } from '../people-service';

/** The people of --with: 2 to 20 distinct positive ids. */
function withIds(raw: string): number[] {
  const ids = raw.split(',').map((s) => Number(s.trim()));
  if (ids.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError('--with must be comma-separated person ids, e.g. --with 3,7');
  const unique = [...new Set(ids)];
  if (unique.length < 2 || unique.length > 20) throw new UsageError('--with needs 2 to 20 different person ids');
  return unique;
}

function together(store: Store, dbPath: string, p: ParsedArgs, raw: string): number {
  const ids = withIds(raw);
  const only = p.flags.has('only');
  let photos;
  try {
    photos = peopleServiceFor(store.db, dbPath).photosTogether(ids, { only });
  } catch (e) {
    if (e instanceof NotFoundError || e instanceof CorrectionError) throw new UsageError(e.message);
    throw e;
  }
  if (p.flags.has('json')) process.stdout.write(`${JSON.stringify({ with: ids, only, count: photos.length, photos })}\n`);
  else {
    for (const ph of photos) process.stdout.write(`${ph.path}\t${ph.date}\n`);
    process.stdout.write(`${photos.length} photo(s) with ${only ? 'only ' : ''}people ${ids.join(', ')}\n`);
  }
  return 0;
}

export const command: CliCommand = {
  name: 'photos',
  summary: 'List the photos in the library database',
  usage: 'usage: visage photos [--db FILE] [--with ID,ID[,...] [--only]] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', with: 'string' }, booleans: ['json', 'only'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const withRaw = stringFlag(p, 'with');
    if (p.flags.has('only') && withRaw === undefined) throw new UsageError('--only needs --with ID,ID');
    if (withRaw !== undefined) withIds(withRaw);
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const store = openStoreForReading(dbPath);
    try {
      if (withRaw !== undefined) return together(store, dbPath, p, withRaw);
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
