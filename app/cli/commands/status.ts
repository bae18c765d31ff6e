import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type CliCommand } from '../command';
import { FaceEngine } from '../../pipeline/face-engine';
import { modelsDir, projectRoot } from '../../models/paths';

async function status(json: boolean): Promise<number> {
  const dir = modelsDir();
  const manifestFile = join(dir, 'manifest.json');
  const manifest = existsSync(manifestFile) ? JSON.parse(readFileSync(manifestFile, 'utf8')) : null;
  let engine: FaceEngine | null = null;
  let error: string | null = null;
  try {
    engine = await FaceEngine.create();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const info = {
    version: JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version as string,
    modelsDir: dir,
    models: manifest?.models?.map((m: { id: string; version: number }) => `${m.id}@${m.version}`) ?? [],
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
  summary: 'start Visage without the desktop shell (browser mode; prints the engine status for now)',
  usage: 'usage: visage start',
  async run(args) {
    parseArgs(args, {});
    const code = await status(false);
    process.stdout.write('\nThe desktop shell is not available on this machine. Use the command line meanwhile:\n');
    process.stdout.write('  npx visage detect PHOTO.jpg --json      faces in a photo\n  npx visage help                          every command\n');
    return code;
  },
};
