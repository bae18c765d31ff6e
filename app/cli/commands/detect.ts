import { existsSync, statSync } from 'node:fs';
import { parseArgs, progress, UsageError, type CliCommand } from '../command';
import { ENGINE_FLAGS, ENGINE_USAGE, engineOptions, mergeSpecs } from '../engine-flags';
import { FacePipeline } from '../../faces/pipeline';
import { ImageError } from '../../faces/image';

const usage = `usage: visage detect IMAGE... [--json] [--embeddings]\n${ENGINE_USAGE}`;

export const command: CliCommand = {
  name: 'detect',
  summary: 'find faces in images: box, 68 landmarks, score, quality (and 128-byte embedding)',
  usage,
  async run(args) {
    const p = parseArgs(args, mergeSpecs(ENGINE_FLAGS, { booleans: ['json', 'embeddings'] }));
    if (p.positionals.length === 0) throw new UsageError('no image given');
    for (const f of p.positionals) {
      if (!existsSync(f)) throw new UsageError(`no such file: ${f}`);
      if (statSync(f).isDirectory()) throw new UsageError(`${f} is a folder (use "visage scan" for folders)`);
    }
    const engine = await FacePipeline.create(engineOptions(p));
    progress(`engine: ${engine.info.embedder} on ${engine.info.provider}`);
    const results = [];
    let failed = 0;
    for (const file of p.positionals) {
      try {
        const a = await engine.analyzeFile(file);
        results.push({
          file,
          width: a.width,
          height: a.height,
          orientation: a.orientation,
          faces: a.faces.map((f) => ({
            box: f.box,
            score: f.score,
            landmarks: f.landmarks,
            quality: f.quality,
            modelId: f.modelId,
            ...(p.flags.has('embeddings') ? { embedding: Buffer.from(f.embedding.buffer, f.embedding.byteOffset, 128).toString('base64') } : {}),
          })),
          timings: Object.fromEntries(Object.entries(a.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
        });
        if (!p.flags.has('json')) process.stdout.write(`${file}: ${a.faces.length} face(s)\n`);
      } catch (e) {
        failed++;
        const code = e instanceof ImageError ? e.code : 'error';
        const message = e instanceof Error ? e.message : String(e);
        results.push({ file, error: { code, message } });
        progress(`${file}: ${code}: ${message}`);
      }
    }
    await engine.close();
    if (p.flags.has('json')) process.stdout.write(`${JSON.stringify({ provider: engine.info.provider, model: engine.info.embedder, results })}\n`);
    return failed ? 1 : 0;
  },
};
