/**
 * Unrecognisable faces (app/people/unrecognisable.ts): faces whose vectors sit near the model's
 * unrecognisable direction (heavily blurred faces) never become a person of their own and never
 * join one, in the full re-cluster and in the incremental path; real people around them are
 * grouped as before. With the rule off the same faces form a "person": the test can fail.
 */
import { describe, expect, it } from 'vitest';
import { runAlgorithm } from '../../app/eval/cluster-algorithms';
import { quantize } from '../../app/faces/quantize';
import { thresholdsFor } from '../../app/people/thresholds';
import type { FaceColumns } from '../../app/people/types';
import { DIM } from '../../app/people/vector';
import { unitVectors } from '../helpers/unit-vectors';

const MODEL = 'mobilefacenet-192';

function library(): { cols: FaceColumns; blurred: number[]; people: Map<number, string> } {
  const th = thresholdsFor(MODEL);
  const dir = th.unrecognisableDirection!;
  const { gauss, unit, mix } = unitVectors(7);
  /** A random unit vector orthogonal to the unrecognisable direction. */
  const away = () => {
    const x = Float64Array.from({ length: DIM }, gauss);
    const d = x.reduce((s, v, i) => s + v * dir[i]!, 0);
    return unit(x.map((v, i) => v - d * dir[i]!));
  };
  const rows: { v: Float64Array; who: string }[] = [];
  for (const who of ['ann', 'bob']) {
    const centre = away();
    for (let i = 0; i < 12; i++) rows.push({ v: mix(centre, away(), 0.85), who });
  }
  // Blurred faces: near the direction (cosine ~0.8) and so near each other (~0.65): seed quality.
  for (let i = 0; i < 12; i++) rows.push({ v: mix(Float64Array.from(dir), away(), 0.8), who: 'blurred' });
  const n = rows.length;
  const cols: FaceColumns = { n, ids: new Float64Array(n), photoIds: new Float64Array(n), quality: new Float32Array(n), embeddings: new Int8Array(n * DIM) };
  const people = new Map<number, string>();
  const blurred: number[] = [];
  rows.forEach((row, i) => {
    (cols.ids as Float64Array)[i] = i + 1;
    (cols.photoIds as Float64Array)[i] = i + 1;
    (cols.quality as Float32Array)[i] = 0.5;
    cols.embeddings.set(quantize(Float32Array.from(row.v), 0.6), i * DIM);
    if (row.who === 'blurred') blurred.push(i + 1);
    else people.set(i + 1, row.who);
  });
  return { cols, blurred, people };
}

describe('unrecognisable faces', () => {
  const { cols, blurred, people } = library();
  const check = (assignment: Map<number, number | null>) => {
    for (const f of blurred) expect(assignment.get(f), `blurred face ${f}`).toBeNull();
    // Each real identity is one person of its own.
    for (const who of ['ann', 'bob']) {
      const ps = new Set([...people].filter(([, w]) => w === who).map(([f]) => assignment.get(f)));
      expect(ps.size, who).toBe(1);
      expect([...ps][0], who).not.toBeNull();
    }
  };

  it('the MobileFaceNet default has the rule on, with a fitted direction', () => {
    const th = thresholdsFor(MODEL);
    expect(th.unrecognisable).toBeLessThan(1);
    expect(th.unrecognisableDirection?.length).toBe(DIM);
  });

  it('re-cluster: the blurred faces stay unassigned; the people are grouped', () => {
    check(runAlgorithm('visage', cols, thresholdsFor(MODEL), null));
  });

  it('incremental (faces added 6 at a time): the same', () => {
    check(runAlgorithm('visage', cols, thresholdsFor(MODEL), null, { batch: 6 }));
  });

  it('with the rule off the blurred faces make a person of their own', () => {
    const off = runAlgorithm('visage', cols, thresholdsFor(MODEL, { unrecognisable: 1 }), null);
    const ps = new Set(blurred.map((f) => off.get(f)));
    expect(ps.size).toBe(1);
    expect([...ps][0]).not.toBeNull();
  });

  it('a learned head turns the rule off (the direction is the base network’s)', async () => {
    const { effectiveThresholds } = await import('../../app/people/thresholds');
    expect(effectiveThresholds(MODEL, { cluster: 0.6 }).unrecognisable).toBe(1);
    expect(effectiveThresholds(MODEL, null).unrecognisable).toBe(0.4);
    expect(effectiveThresholds(MODEL, {}).unrecognisable).toBe(0.4); // the base network's (activeHeadThresholds)
  });
});
