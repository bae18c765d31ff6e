/** Settings' "Face model" words (renderer/src/lib/face-models.ts): what the library uses, the progress, the notice at the end. */
import { describe, expect, it } from 'vitest';
import type { LibraryModelState } from '../../app/contract/contract';
import { modelName, modelSummary, moveOutcomeText, moveProgressText } from '../../renderer/src/lib/face-models';

const state = (model: string): LibraryModelState => ({ model, defaultModel: 'mobilefacenet-192', moveAvailable: model !== 'mobilefacenet-192', move: null, resumable: null, last: null });

describe('face model words', () => {
  it('names the library model and the default; an older model gets the reason to move', () => {
    expect(modelSummary(state('dlib-resnet-v1'))).toMatch(/^This library uses dlib ResNet \(older\)\. MobileFaceNet groups people better on library-like photos\. /);
    expect(modelSummary(state('mobilefacenet-192'))).toBe('This library uses MobileFaceNet, the default face model.');
    // An id the UI has no name for is shown as it is.
    expect(modelName('some-new-model')).toBe('some-new-model');
    expect(modelSummary(state('some-new-model'))).toMatch(/^This library uses some-new-model\. MobileFaceNet/);
  });

  it('progress in photos, and the notice for each outcome', () => {
    expect(moveProgressText(0, 0)).toBe('Starting…');
    expect(moveProgressText(3, 1200)).toBe(`3 of ${(1200).toLocaleString()} photos`);
    expect(moveProgressText(1, 1)).toBe('1 of 1 photo');
    expect(moveOutcomeText({ target: 'mobilefacenet-192', outcome: 'switched', switched: 42, failedPhotos: 0, error: null })).toBe('This library now uses MobileFaceNet: 42 faces moved, your corrections kept');
    expect(moveOutcomeText({ target: 'mobilefacenet-192', outcome: 'switched', switched: 40, failedPhotos: 1, error: null })).toContain('; 1 photo could not be read and keep their old faces');
    expect(moveOutcomeText({ target: 'mobilefacenet-192', outcome: 'switched', switched: 40, failedPhotos: 0, error: 're-grouping people failed: x' })).toBe('Moved to MobileFaceNet, but re-grouping people failed: x');
    expect(moveOutcomeText({ target: 'mobilefacenet-192', outcome: 'cancelled', switched: 0, failedPhotos: 0, error: null })).toMatch(/stopped: .* can be resumed$/);
    expect(moveOutcomeText({ target: 'mobilefacenet-192', outcome: 'failed', switched: 0, failedPhotos: 0, error: 'disk full' })).toBe('Move to MobileFaceNet failed: disk full');
  });
});
