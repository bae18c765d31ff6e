import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type CliCommand } from '../command';
import { FacePipeline } from '../../faces/pipeline';
import { modelsDir } from '../../faces/models/paths';
import { projectRoot } from '../../platform/paths';

async function status(json: boolean): Promise<number> {
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
  }
  return engine ? 0 : 1;
}

export const command: CliCommand = {
  name: 'status',
  summary: 'show the engine status: models, execution provider',
  usage: 'usage: visage status [--json]',
  async run(args) {
    const p = parseArgs(args, { booleans: ['json'] });
    return status(p.flags.has('json'));
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
