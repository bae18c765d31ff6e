import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, stringFlag, type CliCommand } from '../command';
import { FacePipeline } from '../../faces/pipeline';
import { modelsDir } from '../../faces/models/paths';
import { projectRoot, resolveDbPath } from '../../platform/paths';
import { checkLibraryHealth } from '../../store/health';

/**
 * Exit codes: 0 ready, 1 the face engine is not ready or the library has a problem (each said in
 * one sentence: damaged, newer, full disk, read-only or unreachable folder).
 */
async function status(json: boolean, db: string): Promise<number> {
  const library = checkLibraryHealth(db);
  const dir = modelsDir();
  const manifestFile = join(dir, 'manifest.json');
  const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { models?: { id: string; version: number }[] }) : null;
  let engine: FacePipeline | null = null;
  let error: string | null = null;
  try {
    engine = await FacePipeline.create();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const info = {
    version: (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version,
    modelsDir: dir,
    models: manifest?.models?.map((m) => `${m.id}@${m.version}`) ?? [],
    library,
    engine: engine ? { ready: true, provider: engine.info.provider, embedder: engine.info.embedder, fallbacks: engine.info.fallbacks.map((f) => f.provider) } : { ready: false, error },
  };
  await engine?.close();
  if (json) process.stdout.write(`${JSON.stringify(info)}\n`);
  else {
    process.stdout.write(`Visage ${info.version}\n`);
    process.stdout.write(`  models: ${info.models.join(', ') || 'none built (run "npm run models")'} in ${dir}\n`);
    process.stdout.write(
      engine ? `  face engine: ready, ${info.engine.embedder} on ${info.engine.provider}\n` : `  face engine: NOT ready: ${error}\n`,
    );
    const schema = library.schema === null ? '' : ` (schema v${library.schema})`;
    process.stdout.write(`  library: ${library.db}${schema}: ${library.problems.length ? 'PROBLEM' : 'ok'}\n`);
    for (const line of [...library.problems, ...library.notes]) process.stdout.write(`    ${line}\n`);
    const last = library.lastScan;
    if (last) {
      process.stdout.write(
        `  last scan: ${last.photos} photo(s), ${last.faces} face(s) in ${last.seconds} s: ${last.photosPerSecond} photos/s ` +
          `on ${last.provider} (${last.workers} engine${last.workers === 1 ? '' : 's'}, ${last.embedder}), ${last.finishedAt}\n`,
      );
    }
  }
  return engine && library.problems.length === 0 ? 0 : 1;
}

export const command: CliCommand = {
  name: 'status',
  summary: 'show the engine and library status: models, provider, library problems',
  usage: 'usage: visage status [--db FILE] [--json]\n  The face engine, and the library: damaged, full disk, read-only or offline folders, a scan to resume.',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string' }, booleans: ['json'] });
    return status(p.flags.has('json'), resolveDbPath(stringFlag(p, 'db')));
  },
};

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'start Visage in browser mode on the default library (what `npm start` runs without Electron)',
  usage: 'usage: visage start [--port N] [--no-open] [--in-process]\n  Like `visage serve` on the default library database (VISAGE_DATA_DIR overrides its folder).',
  async run(args) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runServe } = require('./serve') as typeof import('./serve');
    return runServe(undefined, args.filter((a) => !a.startsWith('--db')));
  },
};
