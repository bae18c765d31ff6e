import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root (where package.json lives), from this file's place in src or dist. */
export function projectRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

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
