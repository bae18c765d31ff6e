import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs, progress, stringFlag, UsageError, type CliCommand } from '../command';
import { FacePipeline } from '../../faces/pipeline';
import { EMBEDDER_FACEPLUGIN, getEmbedder } from '../../faces/models/registry';
import { pca } from '../../faces/models/build/pca';
import { encodeProjection } from '../../faces/embed';
import { l2normalize } from '../../faces/quantize';
import { decodePhoto } from '../../faces/image';
import { alignFace } from '../../faces/align';
import { FusedEmbedder } from '../../faces/fused-embed';
import { treeParts } from '../../eval/cluster-parts';

const usage =
  'usage: visage fit-projection --data DIR [--data DIR...] --out FILE [--model ID] [--part tune] [--json]\n' +
  '  Fits the PCA that projects a wider embedding (faceplugin-512-pca128, the default, or\n' +
  '  mobilefacenet-192, fused-dlib-mfn-128) to 128-D, on every face found in the images under the\n' +
  '  DIRs (never use the evaluation data). --part tune: only the tuning identities of each labelled\n' +
  '  <identity>/<image> DIR (app/eval/cluster-parts.ts: lfw-dev folds 1-3, half of the others by hash).\n' +
  '  Writes the VPRJ projection file.';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.pgm', '.gif', '.tif', '.tiff']);

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listImages(p));
    else if (IMAGE_EXT.has(extname(e).toLowerCase())) out.push(p);
  }
  return out.sort();
}

export const command: CliCommand = {
  name: 'fit-projection',
  summary: 'fit the PCA projection to 128-D of an embedder wider than 128 (faceplugin 512-D, MobileFaceNet 192-D)',
  usage,
  async run(args) {
    const p = parseArgs(args, { values: { data: 'strings', out: 'string', model: 'string', part: 'string' }, booleans: ['json'] });
    const dirs = (p.values.data as string[] | undefined) ?? [];
    const out = stringFlag(p, 'out');
    if (!dirs.length || !out) throw new UsageError('--data and --out are required');
    for (const d of dirs) if (!existsSync(d)) throw new UsageError(`no such folder: ${d}`);
    const model = getEmbedder(stringFlag(p, 'model') ?? EMBEDDER_FACEPLUGIN.id);
    if (!model.projection) throw new UsageError(`${model.id} has no projection to fit`);
    const part = stringFlag(p, 'part');
    if (part !== undefined && part !== 'tune') throw new UsageError('--part must be tune (a projection is never fitted on the reporting part)');
    // A fused model's parts are mirror-averaged as in use (its PCA sees what it will project).
    const engine = await FacePipeline.create({ embedder: model.id, provider: 'cpu', flip: !!model.fusion });
    const samples: Float32Array[] = [];
    const files = dirs.flatMap((d) => {
      if (!part) return listImages(d);
      const { parts } = treeParts(d);
      return [...parts].filter(([, pt]) => pt === 'tune').flatMap(([id]) => listImages(join(d, id)));
    });
    for (const [i, f] of files.entries()) {
      try {
        const photo = await decodePhoto(f);
        const dets = await engine.detect(photo.image);
        const lms = await engine.landmarksFor(photo.image, dets);
        const net = engine.embedderNet;
        const raws = net instanceof FusedEmbedder ? await net.rawFaces(photo.image, lms) : (await net.raw(lms.map((l) => alignFace(photo.image, l, model).pixels))).map(l2normalize);
        samples.push(...raws);
      } catch (e) {
        progress(`fit-projection: skipped ${f}: ${(e as Error).message}`);
      }
      if (i % 100 === 99) progress(`fit-projection: ${i + 1}/${files.length} images, ${samples.length} faces`);
    }
    await engine.close();
    if (samples.length < 256) throw new Error(`only ${samples.length} faces found; need at least 256`);
    const r = pca(samples, 128);
    writeFileSync(out, encodeProjection({ from: model.outputDims, to: 128, mean: r.mean, matrix: r.components }));
    const summary = { faces: samples.length, images: files.length, explained: Math.round(r.explained * 1e4) / 1e4, out };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  },
};
