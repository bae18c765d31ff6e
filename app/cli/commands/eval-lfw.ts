import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { numberFlag, parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions, mergeSpecs } from '../engine-flags';
import { FacePipeline } from '../../faces/pipeline';
import { evaluateLfw } from '../../eval/lfw-eval';

const usage = `usage: visage eval-lfw --data DIR [--sets N] [--json]\n  DIR holds images/<Name>/<Name>_NNNN.jpg, people.txt and pairs.txt (LFW layout)\n  --sets N          only the first N pair sets (each set's threshold is chosen on the others)\n${ENGINE_USAGE}`;

export const command: CliCommand = {
  name: 'eval-lfw',
  summary: 'LFW verification accuracy of the full pipeline (standard protocol)',
  usage,
  async run(args) {
    const p = parseArgs(args, mergeSpecs(ENGINE_FLAGS, { values: { data: 'string', sets: 'number' }, booleans: ['json'] }));
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const data = stringFlag(p, 'data');
    if (!data) throw new UsageError('--data DIR is required');
    if (!existsSync(join(data, 'pairs.txt')) || !existsSync(join(data, 'images'))) {
      throw new UsageError(`${data} is not an LFW folder (needs pairs.txt and images/)`);
    }
    const sets = numberFlag(p, 'sets');
    if (sets !== undefined && (sets < 2 || !Number.isInteger(sets))) throw new UsageError('--sets needs an integer >= 2');
    const engine = await FacePipeline.create(engineOptions(p));
    progress(`eval-lfw: ${engine.info.embedder} (landmarks ${engine.info.landmarks}) on ${engine.info.provider}`);
    const r = await evaluateLfw(engine, data, { maxSets: sets, onProgress: (d, t) => progress(`eval-lfw: ${d}/${t} images`) });
    await engine.close();
    const round = (x: number) => Math.round(x * 1e5) / 1e5;
    const out = { ...r, accuracy: round(r.accuracy), std: round(r.std), stderr: round(r.stderr), auc: round(r.auc), globalThreshold: round(r.globalThreshold) };
    if (!p.flags.has('json')) {
      process.stdout.write(`accuracy ${(r.accuracy * 100).toFixed(2)}% +- ${(r.stderr * 100).toFixed(2)} (AUC ${r.auc.toFixed(4)}) on ${r.pairs} pairs, ${r.bytesPerFace} bytes/face\n`);
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  },
};
