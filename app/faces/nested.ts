/**
 * The close-up rule: parts of a face are not faces. On a close-up face (a portrait, a selfie) the
 * detector's tiles see its nose and mouth, or an eye and a cheek, as small faces of their own, cut
 * by no tile border and overlapping the whole face by little IoU, so NMS keeps them. The detector
 * drops them (app/faces/detect.ts); the store drops those an earlier detector stored (migration
 * v10, app/store/nested-faces.ts). One rule for both.
 */
import { dropNested } from './geometry';
import type { Box } from './types';

/**
 * A detection lying by at least this share of its own area (0..1) inside a larger detection that
 * scores at least as high is dropped. Measured (docs/models.md "Close-up faces"): such boxes were
 * 170 of the 9,889 faces of the evaluation sets (pins-celebs' head shots 94 of 871; 161 at 0.8, 194
 * at 0.4). eval-detect is the same at 0.4, 0.6 and 0.8 (recall unchanged; the 12 MP copies'
 * precision 0.824 -> 0.840); 0.6 = "most of it inside", not tuned further.
 */
export const DETECT_NESTED_CONTAINMENT = 0.6;

/** The indices of the detections the close-up rule keeps, in the given order. */
export function dropNestedDetections(boxes: Box[], scores: number[]): number[] {
  return dropNested(boxes, scores, DETECT_NESTED_CONTAINMENT);
}
