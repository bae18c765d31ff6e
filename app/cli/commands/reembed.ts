/**
 * `visage reembed --db FILE --model ID`: switch the library to another embedding model. Every face's
 * new vector is computed from its stored landmarks into a side table while the library stays on the
 * old model (another Visage may go on using it); then one transaction switches faces and model, and
 * people are re-clustered with the new model's thresholds, reproducing every user decision. A run
 * killed before the switch leaves the old model in use and resumes where it stopped.
 */
import { parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { FacePipeline } from '../../faces/pipeline';
import { embedderFlag } from '../engine-flags';
import { computePending, switchModel } from '../../library/reembed';
import { peopleServiceFor } from '../people-service';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { acquireLibraryLock } from '../../store/lock';

/** Seconds between two progress lines (and always the first and the last photo). */
const PROGRESS_EVERY_S = 5;

export const command: CliCommand = {
  name: 'reembed',
  summary: 'switch the library to another embedding model, keeping every correction',
  usage:
    'usage: visage reembed --db FILE --model ID [--provider P] [--json]\n' +
    '  Progress on stderr; the library stays on its old model until the end (a killed run resumes).\n' +
    '  --json: one JSON line at the end (model, photos, faces, resumed, switched, failed, people).',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', model: 'string', provider: 'string' }, booleans: ['json'] });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const model = embedderFlag(p);
    if (!model) throw new UsageError('--model ID is required');
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    // Phase 1 writes only the side table, one photo a transaction: no lock, the library stays usable.
    const store = openStoreForReading(dbPath);
    try {
      const engine = await FacePipeline.create({ embedder: model, provider: (stringFlag(p, 'provider') as 'cpu' | undefined) ?? 'auto' });
      let last = -Infinity;
      const r = await computePending(store, engine, (pr) => {
        if (pr.done === 1 || pr.done === pr.photos || pr.seconds - last >= PROGRESS_EVERY_S) {
          last = pr.seconds;
          const rate = pr.seconds > 0 ? pr.done / pr.seconds : 0;
          const eta = rate > 0 ? Math.round((pr.photos - pr.done) / rate) : 0;
          progress(`reembed: ${pr.done}/${pr.photos} photos, ${pr.faces} faces embedded with ${model}${pr.resumed ? ` (+${pr.resumed} from an interrupted run)` : ''}, ${pr.seconds.toFixed(0)} s, about ${eta} s left`);
        }
      });
      await engine.close();
      // Phase 2: the switch and the re-cluster rewrite people: hold the library's lock.
      const lock = acquireLibraryLock(dbPath, 'visage reembed');
      let out;
      try {
        const switched = switchModel(store, model);
        progress(`reembed: switched ${switched} faces to ${model}; re-clustering`);
        const people = peopleServiceFor(store.db, dbPath, { model }).recluster();
        out = { ...r, switched, people };
      } finally {
        lock.release();
      }
      process.stdout.write(
        p.flags.has('json')
          ? `${JSON.stringify(out)}\n`
          : `re-embedded ${r.faces} face(s) of ${r.photos} photo(s) with ${model}${r.resumed ? ` (${r.resumed} from an interrupted run)` : ''}; ${out.switched} switched; ${out.people.people} people\n`,
      );
      return r.failed.length ? 1 : 0;
    } finally {
      store.close();
    }
  },
};
