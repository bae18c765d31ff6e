/** Flags shared by commands that run the face engine. */
import { PROVIDER_CHOICES, type ProviderChoice } from '../faces/onnx-session';
import { UsageError, numberFlag, stringFlag, type FlagSpec, type ParsedArgs } from './command';
import type { FacePipelineOptions } from '../faces/pipeline';
import { getEmbedder, getLandmarkModel } from '../faces/models/registry';
import { REFINE_MODES, type RefineMode } from '../faces/landmarks';
import { TILE_MODES, type TileMode } from '../faces/detect';

export const ENGINE_FLAGS: FlagSpec = {
  values: { model: 'string', landmarks: 'string', provider: 'string', threads: 'number', batch: 'number', 'models-dir': 'string', 'landmark-passes': 'string', 'tile-mode': 'string' },
  booleans: ['no-flip', 'no-tiles'],
};

export const ENGINE_USAGE =
  '  --model ID        embedder (dlib-resnet-v1 | faceplugin-512-pca128 | mobilefacenet-192)\n' +
  '  --landmarks ID    landmark model (faceapi-landmark68 | faceplugin-landmark68)\n' +
  '  --provider P      auto | cpu | cuda | dml | coreml | webgpu (default auto)\n' +
  '  --threads N       CPU threads per model; --batch N faces per embedder batch\n' +
  '  --no-flip         do not average the mirrored face; --no-tiles: whole-image detection only\n' +
  '  --landmark-passes always | auto | never (default always: a second pass on the re-centred crop)\n' +
  '  --tile-mode all | guided (default all: every detection tile; guided: where a small face is hinted)';

export function mergeSpecs(...specs: FlagSpec[]): FlagSpec {
  return {
    values: specs.reduce<NonNullable<FlagSpec['values']>>((all, s) => Object.assign(all, s.values), {}),
    booleans: specs.flatMap((s) => s.booleans ?? []),
  };
}

/** --model ID checked against the registry's embedders (a UsageError names the known ones); undefined when absent. */
export function embedderFlag(p: ParsedArgs): string | undefined {
  const model = stringFlag(p, 'model');
  try {
    if (model) getEmbedder(model);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return model;
}

/** --landmark-passes always|auto|never checked (a UsageError names them); undefined when absent. */
export function landmarkPassesFlag(p: ParsedArgs): RefineMode | undefined {
  const passes = stringFlag(p, 'landmark-passes');
  if (passes !== undefined && !REFINE_MODES.includes(passes as RefineMode)) throw new UsageError(`--landmark-passes must be one of ${REFINE_MODES.join(', ')}`);
  return passes as RefineMode | undefined;
}

export function engineOptions(p: ParsedArgs): FacePipelineOptions {
  const provider = stringFlag(p, 'provider');
  if (provider && !PROVIDER_CHOICES.includes(provider as ProviderChoice)) {
    throw new UsageError(`unknown provider "${provider}" (one of ${PROVIDER_CHOICES.join(', ')})`);
  }
  const model = embedderFlag(p);
  const landmarks = stringFlag(p, 'landmarks');
  try {
    if (landmarks) getLandmarkModel(landmarks);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const passes = landmarkPassesFlag(p);
  const tileMode = stringFlag(p, 'tile-mode');
  if (tileMode !== undefined && !TILE_MODES.includes(tileMode as TileMode)) throw new UsageError(`--tile-mode must be one of ${TILE_MODES.join(', ')}`);
  const threads = numberFlag(p, 'threads');
  const batch = numberFlag(p, 'batch');
  if (threads !== undefined && (threads < 1 || !Number.isInteger(threads))) throw new UsageError('--threads must be a positive integer');
  if (batch !== undefined && (batch < 1 || !Number.isInteger(batch))) throw new UsageError('--batch must be a positive integer');
  return {
    embedder: model,
    landmarks,
    provider: provider as ProviderChoice | undefined,
    threads,
    batchSize: batch,
    flip: !p.flags.has('no-flip'),
    tiles: !p.flags.has('no-tiles'),
    modelsDir: stringFlag(p, 'models-dir'),
    landmarkPasses: passes,
    tileMode: tileMode as TileMode | undefined,
  };
}
