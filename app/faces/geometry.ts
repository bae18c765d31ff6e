/**
 * Geometry for face boxes: IoU, non-maximum suppression, nested boxes, and the 2-D similarity transform
 * (rotation + uniform scale + translation) fitted by least squares (Umeyama, 1991).
 */
import type { Box, Point } from './types';

/** The area two boxes share (0 when they do not overlap). */
function intersectionArea(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
}

export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy non-maximum suppression: keeps the highest-scoring box and drops every box overlapping
 * a kept one by more than `threshold` IoU. Returns indices into `boxes`, best first.
 */
export function nms(boxes: Box[], scores: number[], threshold: number): number[] {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const keep: number[] = [];
  const removed = new Uint8Array(boxes.length);
  for (const i of order) {
    if (removed[i]) continue;
    keep.push(i);
    for (const j of order) {
      if (!removed[j] && j !== i && iou(boxes[i]!, boxes[j]!) > threshold) removed[j] = 1;
    }
  }
  return keep;
}

/** The share of `inner`'s area that lies inside `outer` (intersection over the inner box's area; 0 for an empty box). */
export function containment(inner: Box, outer: Box): number {
  const area = inner.width * inner.height;
  return area > 0 ? intersectionArea(inner, outer) / area : 0;
}

/**
 * Drops every box that lies, by at least `threshold` of its own area, inside a larger box scoring
 * at least as high: a part of a face, not a face (IoU cannot see it: a small box inside a large one
 * overlaps it by little of their union). Returns the indices kept, in the given order.
 */
export function dropNested(boxes: Box[], scores: number[], threshold: number): number[] {
  const keep: number[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    const area = b.width * b.height;
    const inside = boxes.some((o, j) => j !== i && o.width * o.height > area && scores[j]! >= scores[i]! && containment(b, o) >= threshold);
    if (!inside) keep.push(i);
  }
  return keep;
}

/** x' = a*x - b*y + tx ; y' = b*x + a*y + ty  (a = s cos θ, b = s sin θ). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity transform mapping `from[i]` onto `to[i]` (Umeyama without reflection).
 * Needs at least two distinct points.
 */
export function fitSimilarity(from: Point[], to: Point[]): Similarity {
  const n = from.length;
  if (n < 2 || to.length !== n) throw new Error('fitSimilarity needs >= 2 matching points');
  let mfx = 0, mfy = 0, mtx = 0, mty = 0;
  for (let i = 0; i < n; i++) {
    mfx += from[i]![0]; mfy += from[i]![1]; mtx += to[i]![0]; mty += to[i]![1];
  }
  mfx /= n; mfy /= n; mtx /= n; mty /= n;
  // For 2-D similarity the closed form reduces to: a = Σ(fx·tx + fy·ty)/Σ|f|², b = Σ(fx·ty − fy·tx)/Σ|f|²
  let sxx = 0, sab = 0, sba = 0;
  for (let i = 0; i < n; i++) {
    const fx = from[i]![0] - mfx, fy = from[i]![1] - mfy;
    const tx = to[i]![0] - mtx, ty = to[i]![1] - mty;
    sxx += fx * fx + fy * fy;
    sab += fx * tx + fy * ty;
    sba += fx * ty - fy * tx;
  }
  if (sxx === 0) throw new Error('fitSimilarity: source points coincide');
  const a = sab / sxx;
  const b = sba / sxx;
  return { a, b, tx: mtx - (a * mfx - b * mfy), ty: mty - (b * mfx + a * mfy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return [t.a * p[0] - t.b * p[1] + t.tx, t.b * p[0] + t.a * p[1] + t.ty];
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** Uniform scale factor of a similarity transform. */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

export function boxOfPoints(points: Point[]): Box {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const [x, y] of points) {
    if (x < x1) x1 = x;
    if (y < y1) y1 = y;
    if (x > x2) x2 = x;
    if (y > y2) y2 = y;
  }
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

/** Mean of the points of `pts` at the given indices (e.g. an eye's landmarks). */
export function meanPoint(pts: Point[], idx: number[]): Point {
  let x = 0, y = 0;
  for (const i of idx) {
    x += pts[i]![0];
    y += pts[i]![1];
  }
  return [x / idx.length, y / idx.length];
}
