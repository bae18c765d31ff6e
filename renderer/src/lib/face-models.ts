/**
 * The face models in plain words for Settings' "Face model" area (the engine knows them by id:
 * app/faces/models/registry.ts; docs/models.md says how they compare).
 */
import type { LibraryModelState, ModelMoveOutcome } from '../../../app/contract/contract';
import { plural } from './format';

const NAMES: Record<string, { name: string; older?: boolean }> = {
  'dlib-resnet-v1': { name: 'dlib ResNet', older: true },
  'mobilefacenet-192': { name: 'MobileFaceNet' },
  'faceplugin-512-pca128': { name: 'FacePlugin 512', older: true },
  'fused-dlib-mfn-128': { name: 'dlib ResNet + MobileFaceNet (fused)' },
};

/** A model's name for people (its id when it has none). */
export function modelName(id: string): string {
  return NAMES[id]?.name ?? id;
}

/** What the library uses and, when it is not the default, why moving is worth it. */
export function modelSummary(s: LibraryModelState): string {
  const mine = NAMES[s.model];
  if (!s.moveAvailable) return `This library uses ${modelName(s.model)}, the default face model.`;
  return (
    `This library uses ${modelName(s.model)}${mine?.older ? ' (older)' : ''}. ${modelName(s.defaultModel)} groups people better on library-like photos. ` +
    'Moving embeds every face again from its photo; the library stays usable meanwhile, and every name and correction is kept.'
  );
}

/** "n of N photos" of a running move (before its first photo: "Starting…"). */
export function moveProgressText(done: number, total: number): string {
  return total > 0 ? `${done.toLocaleString()} of ${plural(total, 'photo')}` : 'Starting…';
}

/** The notice at the end of a move. */
export function moveOutcomeText(o: ModelMoveOutcome): string {
  const to = modelName(o.target);
  const unread = o.failedPhotos ? `; ${plural(o.failedPhotos, 'photo')} could not be read and keep their old faces` : '';
  if (o.outcome === 'switched') return o.error ? `Moved to ${to}, but ${o.error}` : `This library now uses ${to}: ${plural(o.switched, 'face')} moved, your corrections kept${unread}`;
  if (o.outcome === 'cancelled') return `Move to ${to} stopped: the library still uses its model, and the move can be resumed`;
  return `Move to ${to} failed: ${o.error ?? 'unknown error'}`;
}
