/**
 * `visage settings`: the library's people settings - the clustering strictness (set in the app,
 * `<db>.settings.json`) and "Ignore faces smaller than N pixels" (`--min-face-px N`, 0 = off; kept
 * in the database, app/store/face-visibility.ts). Faces below the size are hidden from people,
 * unassigned faces, suggestions and clustering, never deleted: lowering it brings them back.
 */
import { numberFlag, parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { minFacePixels as minFacePixelsSchema } from '../../contract/contract';
import { resolveDbPath } from '../../platform/paths';
import { minFacePixels, setMinFacePixels } from '../../store/face-visibility';
import { libraryStrictness } from '../people-service';
import { openStoreForReading } from '../open-store';

export const command: CliCommand = {
  name: 'settings',
  summary: "show the library's people settings, or set --min-face-px N (ignore faces smaller than N pixels)",
  usage: 'usage: visage settings [--db FILE] [--min-face-px N] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', 'min-face-px': 'number' }, booleans: ['json'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const raw = numberFlag(p, 'min-face-px');
    const px = raw === undefined ? undefined : minFacePixelsSchema.safeParse(raw);
    if (px && !px.success) throw new UsageError('--min-face-px N: a whole number of pixels, 0 (none ignored) to 2000');
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const store = openStoreForReading(dbPath, px ? 'visage settings' : undefined);
    try {
      if (px?.success) setMinFacePixels(store.db, px.data);
      const settings = { strictness: libraryStrictness(dbPath), minFacePixels: minFacePixels(store.db) };
      process.stdout.write(
        p.flags.has('json')
          ? `${JSON.stringify(settings)}\n`
          : `strictness\t${settings.strictness}\nignore faces smaller than\t${settings.minFacePixels ? `${settings.minFacePixels} px` : 'off'}\n`,
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
