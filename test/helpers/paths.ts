import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
/** The shared datasets live beside the checkout (../shared/datasets), never inside it. */
export const DATASETS = resolve(ROOT, '..', 'shared', 'datasets');
export const GROUP = join(DATASETS, 'group-photos', '_group');
export const LFW = join(DATASETS, 'lfw-dev');
export const PEOPLE = join(DATASETS, 'people');
/** The built models: where the engine finds them too ($VISAGE_MODELS_DIR, else <root>/models; app/faces/models/paths.ts). */
export const MODELS_DIR = process.env.VISAGE_MODELS_DIR ? resolve(process.env.VISAGE_MODELS_DIR) : join(ROOT, 'models');
export const CLI = join(ROOT, 'bin', 'visage.js');

export function requireDatasets(): void {
  if (!existsSync(DATASETS)) throw new Error(`datasets not found at ${DATASETS}`);
}
