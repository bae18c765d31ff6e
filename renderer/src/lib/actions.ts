/**
 * Corrections with undo: every correction goes through `correct`, which shows a toast with Undo;
 * `undo`/`redo` (Ctrl/Cmd+Z, Ctrl/Cmd+Shift+Z) do the same for the last one.
 */
import type { Correction, CorrectionResult, FaceAdded, LoggedCorrection } from '../../../app/contract/contract';
import type { Box } from '../../../app/contract/geometry';
import { api } from './api';
import { inOrder } from './in-order';
import { toasts } from './toasts.svelte';

export function describe(c: Correction): string {
  const n = 'faceIds' in c ? c.faceIds.length : 0;
  const faces = `${n} face${n === 1 ? '' : 's'}`;
  switch (c.kind) {
    case 'name':
      return c.name ? `Named “${c.name}”` : 'Name removed';
    case 'merge':
      return `Merged ${c.sourceIds.length + 1} people`;
    case 'split':
      return `Split ${faces} into a new person`;
    case 'move':
      return `Moved ${faces}`;
    case 'reject':
      return `Removed ${faces} from this person`;
    case 'confirm':
      return `Confirmed ${faces}`;
    case 'hide':
      return c.hidden ? 'Person hidden' : 'Person shown';
    case 'cover':
      return 'Cover changed';
    case 'not-a-face':
      return `Marked ${faces} as not a face`;
    case 'birthday':
      return c.birthDate ? `Birthday set to ${c.birthDate}` : 'Birthday removed';
    case 'hide-small':
      return `Hid unnamed people with at most ${c.maxPhotos} photo${c.maxPhotos === 1 ? '' : 's'}`;
    case 'add-face':
      return 'Face added';
    case 'tag-photo':
      return 'Person added without a face';
    case 'untag-photo':
      return 'Person removed from this photo';
    case 'not-same':
      return 'Kept two people apart';
    case 'import':
      return c.source === 'xmp' ? 'Names read from XMP' : `Imported people from ${c.source}`;
  }
}

/**
 * The corrections the UI makes through people.correct (imports come from Settings' import
 * buttons, drawn faces from faces.add: `addFace`).
 */
export type UiCorrection = Exclude<Correction, { kind: 'import' } | { kind: 'add-face' }>;

/** "Draw a face by hand": the face in `box` (photo pixels) added, with Undo; null when refused. */
export async function addFace(photoId: number, box: Box, personId?: number): Promise<FaceAdded | null> {
  try {
    const r = await inOrder(() => api().call('faces.add', { photoId, box, ...(personId !== undefined ? { personId } : {}) }));
    toasts.show('Face added', { action: { label: 'Undo', run: () => void undo() } });
    return r;
  } catch (e) {
    toasts.error((e as Error).message);
    return null;
  }
}

export async function correct(c: UiCorrection, message?: string): Promise<CorrectionResult | null> {
  try {
    const r = await inOrder(() => api().call('people.correct', c));
    toasts.show(message ?? describe(c), { action: { label: 'Undo', run: () => void undo() } });
    return r;
  } catch (e) {
    toasts.error((e as Error).message);
    return null;
  }
}

/** "Same person?" answered (people.answerMerge): yes merges a and b, no keeps them apart; either with Undo. */
export async function answerMerge(a: number, b: number, same: boolean, message: string): Promise<CorrectionResult | null> {
  try {
    const r = await inOrder(() => api().call('people.answerMerge', { a, b, same }));
    toasts.show(message, { action: { label: 'Undo', run: () => void undo() } });
    return r;
  } catch (e) {
    toasts.error((e as Error).message);
    return null;
  }
}

export async function undo(): Promise<LoggedCorrection | null> {
  try {
    const r = await inOrder(() => api().call('people.undo'));
    if (r) toasts.show(`Undone: ${describe(r.correction)}`, { action: { label: 'Redo', run: () => void redo() } });
    else toasts.show('Nothing to undo');
    return r;
  } catch (e) {
    toasts.error((e as Error).message);
    return null;
  }
}

export async function redo(): Promise<LoggedCorrection | null> {
  try {
    const r = await inOrder(() => api().call('people.redo'));
    if (r) toasts.show(`Redone: ${describe(r.correction)}`, { action: { label: 'Undo', run: () => void undo() } });
    else toasts.show('Nothing to redo');
    return r;
  } catch (e) {
    toasts.error((e as Error).message);
    return null;
  }
}
