/**
 * `visage reembed --db FILE --model ID`: switch the library to another embedding model. Every face
 * is re-embedded in place from its stored landmarks (ids kept), then people are re-clustered with
 * the new model's thresholds, reproducing every user decision.
 */
import { parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { FacePipeline } from '../../faces/pipeline';
import { getEmbedder } from '../../faces/models/registry';
import { reembedLibrary } from '../../library/reembed';
import { peopleServiceFor } from '../people-service';
import { resolveDbPath } from '../../platform/paths';
import { openStoreForReading } from '../open-store';
import { setLibraryModel } from '../../store/settings';

export const command: CliCommand = {
  name: 'reembed',
  summary: 'switch the library to another embedding model, keeping every correction',
  usage: 'usage: visage reembed --db FILE --model ID [--provider P] [--json]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', model: 'string', provider: 'string' }, booleans: ['json'] });
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const model = stringFlag(p, 'model');
    if (!model) throw new UsageError('--model ID is required');
    try {
      getEmbedder(model);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const dbPath = resolveDbPath(stringFlag(p, 'db'));
    const store = openStoreForReading(dbPath);
    try {
      const engine = await FacePipeline.create({ embedder: model, provider: (stringFlag(p, 'provider') as 'cpu' | undefined) ?? 'auto' });
      const r = await reembedLibrary(store, engine, (d, t) => {
        if (d % 50 === 0 || d === t) progress(`reembed: ${d}/${t} photos`);
      });
      await engine.close();
      setLibraryModel(store.db, model);
      const people = peopleServiceFor(store.db, dbPath, { model }).recluster();
      const out = { ...r, people };
      process.stdout.write(p.flags.has('json') ? `${JSON.stringify(out)}\n` : `re-embedded ${r.faces} face(s) of ${r.photos} photo(s) with ${model}; ${people.people} people\n`);
      return r.failed.length ? 1 : 0;
    } finally {
      store.close();
    }
  },
};
