/**
 * effectiveThresholds is the one entry for clustering thresholds: the model's row, the active
 * head's re-calibrated thresholds, then the strictness. It must give exactly the numbers the
 * engine computed before with strictnessOverrides (app/engine/host.ts) over the plain service's
 * thresholds, for every model, strictness and head.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_THRESHOLDS, effectiveThresholds, thresholdsFor, type HeadThresholds, type Strictness } from '../../app/people/thresholds';

const STRICTNESS: Strictness[] = ['loose', 'normal', 'strict'];
const HEADS: (HeadThresholds | null)[] = [null, {}, { cluster: 0.93 }, { cluster: 0.955, assign: 0.95 }, { cluster: 0.47, suggest: 0.28 }];

describe('effectiveThresholds', () => {
  it('equals the engine host strictnessOverrides over the plain thresholds, for every model x strictness x head', async () => {
    const { strictnessOverrides } = await import('../../app/engine/host');
    let checked = 0;
    for (const model of Object.keys(MODEL_THRESHOLDS)) {
      for (const s of STRICTNESS) {
        for (const head of HEADS) {
          // What PeopleService did before: thresholdsFor(model, {...head, ...overrides}), the
          // overrides computed by the host from a plain service's thresholds (head applied).
          // (An unrealistic head can make the moved thresholds inconsistent: both refuse it alike.)
          const outcome = (f: () => unknown) => {
            try {
              return f();
            } catch (e) {
              return { threw: (e as Error).message };
            }
          };
          const old = outcome(() => {
            const plain = thresholdsFor(model, { ...(head ?? {}) });
            const overrides = strictnessOverrides(plain, s);
            return thresholdsFor(model, { ...(head ?? {}), ...(overrides ?? {}) });
          });
          expect(outcome(() => effectiveThresholds(model, head, s)), `${model} ${s} ${JSON.stringify(head)}`).toEqual(old);
          checked++;
        }
      }
    }
    expect(checked).toBe(Object.keys(MODEL_THRESHOLDS).length * STRICTNESS.length * HEADS.length);
  });

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
});
