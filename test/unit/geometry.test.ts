import { describe, expect, it } from 'vitest';
import type { Point } from '../../app/faces/types';
import { applySimilarity, containment, dropNested, fitSimilarity, invertSimilarity, iou, nms } from '../../app/faces/geometry';
import { tfPad } from '../../app/faces/models/build/onnx-graph';

describe('similarity transform (Umeyama)', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const theta = 0.3, s = 1.7;
    const t = { a: s * Math.cos(theta), b: s * Math.sin(theta), tx: 12.5, ty: -4 };
    const from: Point[] = [[10, 20], [50, 22], [30, 45], [15, 70], [48, 69]];
    const to = from.map((p) => applySimilarity(t, p));
    const fit = fitSimilarity(from, to);
    expect(fit.a).toBeCloseTo(t.a, 10);
    expect(fit.b).toBeCloseTo(t.b, 10);
    expect(fit.tx).toBeCloseTo(t.tx, 8);
    expect(fit.ty).toBeCloseTo(t.ty, 8);
  });

  it('is the least-squares fit when points are noisy', () => {
    const from: Point[] = [[0, 0], [10, 0], [0, 10], [10, 10]];
    const to: Point[] = [[1, 0], [11, 0], [0, 10], [10, 10]]; // one corner pushed
    const fit = fitSimilarity(from, to);
    // Residual of the fit must not exceed that of the identity (a feasible similarity).
    const res = (t: typeof fit) => from.reduce((acc, p, i) => {
      const q = applySimilarity(t, p);
      return acc + (q[0] - to[i]![0]) ** 2 + (q[1] - to[i]![1]) ** 2;
    }, 0);
    expect(res(fit)).toBeLessThanOrEqual(res({ a: 1, b: 0, tx: 0, ty: 0 }) + 1e-12);
  });

  it('inverts', () => {
    const t = { a: 0.8, b: -0.4, tx: 3, ty: 7 };
    const inv = invertSimilarity(t);
    const p: Point = [13, -2];
    const back = applySimilarity(inv, applySimilarity(t, p));
    expect(back[0]).toBeCloseTo(p[0], 10);
    expect(back[1]).toBeCloseTo(p[1], 10);
  });

  it('rejects degenerate input', () => {
    expect(() => fitSimilarity([[1, 1], [1, 1]], [[0, 0], [1, 1]])).toThrow();
    expect(() => fitSimilarity([[1, 1]], [[0, 0]])).toThrow();
  });
});

describe('IoU and NMS', () => {
  it('computes IoU', () => {
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 0, y: 0, width: 10, height: 10 })).toBe(1);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });

  it('keeps the best of overlapping boxes and all separate ones', () => {
    const boxes = [
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 1, y: 1, width: 10, height: 10 },
      { x: 50, y: 50, width: 10, height: 10 },
      { x: 2, y: 0, width: 10, height: 10 },
    ];
    const keep = nms(boxes, [0.8, 0.95, 0.7, 0.9], 0.3);
    expect(keep).toEqual([1, 2]);
  });

  it('keeps overlapping boxes below the IoU threshold', () => {
    const boxes = [{ x: 0, y: 0, width: 10, height: 10 }, { x: 8, y: 0, width: 10, height: 10 }];
    expect(nms(boxes, [0.9, 0.8], 0.3).sort()).toEqual([0, 1]);
  });
});

describe('nested boxes (parts of a face)', () => {
  const face = { x: 100, y: 100, width: 300, height: 400 };
  it('measures how much of a box lies inside another', () => {
    expect(containment({ x: 150, y: 300, width: 100, height: 100 }, face)).toBe(1);
    expect(containment({ x: 350, y: 100, width: 100, height: 100 }, face)).toBeCloseTo(0.5);
    expect(containment({ x: 0, y: 0, width: 50, height: 50 }, face)).toBe(0);
    expect(containment({ x: 150, y: 150, width: 0, height: 10 }, face)).toBe(0);
  });

  it('drops a box mostly inside a larger one scoring at least as high, and nothing else', () => {
    const boxes = [
      face,
      { x: 150, y: 300, width: 120, height: 150 }, // the nose and mouth of `face`: dropped
      { x: 350, y: 150, width: 100, height: 100 }, // half inside: kept
      { x: 600, y: 100, width: 300, height: 400 }, // a face beside it: kept
      { x: 650, y: 200, width: 100, height: 100 }, // inside the face beside, but scoring higher: kept
    ];
    expect(dropNested(boxes, [1, 0.8, 0.9, 0.9, 0.95], 0.6)).toEqual([0, 2, 3, 4]);
    // the same box twice is NMS's business, not this rule's
    expect(dropNested([face, { ...face }], [0.9, 0.9], 0.6)).toEqual([0, 1]);
  });
});

describe('TensorFlow padding arithmetic', () => {
  it('matches TF SAME and VALID output sizes and pad split', () => {
    expect(tfPad(150, 7, 2, 'valid')).toEqual([0, 0, 72]);
    expect(tfPad(112, 3, 2, 'same')).toEqual([0, 1, 56]);
    expect(tfPad(35, 3, 1, 'same')).toEqual([1, 1, 35]);
    expect(tfPad(7, 3, 2, 'same')).toEqual([1, 1, 4]);
  });
});
