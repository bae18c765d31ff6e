/**
 * effectiveThresholds is the one entry for clustering thresholds: the model's row, the active
 * head's re-calibrated thresholds, then the strictness. (When it replaced the engine host's own
 * strictness overrides it was checked equal to them for every model x strictness x head.)
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { DEFAULT_MODEL_ID, MODEL_THRESHOLDS, effectiveThresholds, thresholdsFor } from '../../app/people/thresholds';

describe('effectiveThresholds', () => {
  it("'normal' is the model's row with the head's thresholds; strict and loose move merge, assign and album by half the verify-cluster gap", () => {
    const base = MODEL_THRESHOLDS['dlib-resnet-v1']!;
    expect(effectiveThresholds('dlib-resnet-v1', null)).toEqual(thresholdsFor('dlib-resnet-v1'));
    const step = (base.cluster - base.verify) / 2;
    const strict = effectiveThresholds('dlib-resnet-v1', null, 'strict');
    expect(strict.cluster).toBeCloseTo(base.cluster + step, 12);
    expect(strict.assign).toBeCloseTo(base.assign + step, 12);
    expect(strict.album).toBeCloseTo(base.album + step, 12);
    expect(strict.albumGroup).toBeCloseTo(base.albumGroup + step, 12);
    expect(strict.verify).toBe(base.verify);
    const loose = effectiveThresholds('dlib-resnet-v1', { cluster: 0.93 }, 'loose');
    expect(loose.cluster).toBeCloseTo(0.93 - Math.max(0.005, (0.93 - base.verify) / 2), 12);
    // a model without the album rule keeps it off
    expect(effectiveThresholds('faceplugin-512-pca128', null, 'loose').album).toBe(1);
    expect(() => effectiveThresholds('no-such-model', null, 'strict')).toThrow(/no clustering thresholds/);
  });

  it("the people's default model is the registry's default embedder, and it has thresholds", () => {
    expect(DEFAULT_MODEL_ID).toBe(DEFAULT_EMBEDDER);
    expect(MODEL_THRESHOLDS[DEFAULT_EMBEDDER]?.modelId).toBe(DEFAULT_EMBEDDER);
  });
});
