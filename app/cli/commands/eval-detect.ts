import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions, mergeSpecs } from '../engine-flags';
import { FacePipeline } from '../../faces/pipeline';
import { evaluateDetection } from '../../eval/detect-eval';

const usage = `usage: visage eval-detect --data DIR [--annotations FILE] [--json]\n  DIR holds the photos (directly or in a sub-folder such as _group/) and annotations.json\n${ENGINE_USAGE}`;

export const command: CliCommand = {
  name: 'eval-detect',
  summary: 'detection recall/precision on annotated group photos',
  usage,
  async run(args) {
    const p = parseArgs(args, mergeSpecs(ENGINE_FLAGS, { values: { data: 'string', annotations: 'string' }, booleans: ['json'] }));
    if (p.positionals.length) throw new UsageError(`unexpected argument ${p.positionals[0]}`);
    const data = stringFlag(p, 'data');
    if (!data) throw new UsageError('--data DIR is required');
    const ann = stringFlag(p, 'annotations') ?? join(data, 'annotations.json');
    if (!existsSync(ann)) throw new UsageError(`no annotations file at ${ann}`);
    const engine = await FacePipeline.create(engineOptions(p));
    progress(`eval-detect: on ${engine.info.provider}`);
    const r = await evaluateDetection(engine, data, ann);
    await engine.close();
    // Said whatever the output format: a figure over fewer photos than annotated must not pass silently.
    if (r.missing.length) progress(`eval-detect: ${r.missing.length} annotated photo(s) not found under ${data}, left out: ${r.missing.join(', ')}`);
    if (!p.flags.has('json')) {
      for (const im of r.perImage) progress(`  ${im.file}: ${im.detected} detected, ${im.truth} annotated${im.matched !== undefined ? `, ${im.matched} matched` : ''}`);
      process.stdout.write(`recall ${r.recall.toFixed(3)}, precision ${r.precision.toFixed(3)}, count error ${r.countError.toFixed(2)} (${r.boxImages} box-annotated and ${r.countImages} count-annotated photos; ${r.missing.length} annotated photo(s) not found)\n`);
    }
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  },
};
