/** Geometry that crosses process boundaries: face boxes and landmark points. */

/** Axis-aligned box in pixels of the EXIF-oriented (upright) image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Point = [number, number];
