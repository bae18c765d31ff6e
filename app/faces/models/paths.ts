import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../platform/paths';

/**
 * Where built ONNX models live: $VISAGE_MODELS_DIR, else (packaged app) process.resourcesPath/models,
 * else <project root>/models.
 */
export function modelsDir(): string {
  if (process.env.VISAGE_MODELS_DIR) return resolve(process.env.VISAGE_MODELS_DIR);
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, 'models'))) return join(resources, 'models');
  return join(projectRoot(), 'models');
}
