/**
 * Face detection with the RFB-320 detector (Ultra-Light-Fast-Generic-Face-Detector).
 *
 * The network sees a fixed 320x240 input, so a whole large photo shrinks small faces below its
 * smallest anchor (10 px). We run it on the whole image and, for images large enough to hide
 * small faces, on a grid of overlapping tiles; detections from all passes are merged by NMS,
 * tile detections cut by a tile border (that is not an image border) are dropped, because the
 * neighbouring tile or the whole-image pass sees that face whole, and so are detections lying
 * inside a larger face (parts of a close-up face that a tile took for faces).
 */
import type { Box } from './types';
import { nms } from './geometry';
import { dropNestedDetections } from './nested';
import type { RgbImage } from './image';
import type { ort } from './onnx-session';
import { Tensor } from 'onnxruntime-node';

/** Minimum detector confidence to keep a face. */
export const DETECT_SCORE_THRESHOLD = 0.7;
/** IoU above which two detections are the same face. */
export const DETECT_NMS_IOU = 0.3;
/** Images whose longer side is at least this get tiled passes as well. */
export const TILE_MIN_SIDE = 400;
/** Tiles overlap by this fraction of their size, so a face at a seam is whole in some tile. */
export const TILE_OVERLAP = 0.25;
/**
 * 'guided' tiling (TileMode): a tile is run only where an earlier pass (the whole image, then the
 * coarser tiles) saw a hint of a face that pass may have resolved too coarsely: a candidate
 * scoring at least TILE_HINT_SCORE (below the keep threshold: a face too small for that pass
 * often still scores a little) or a kept face whose shorter side is under TILE_HINT_NET_PX pixels
 * at the network's scale (near the smallest anchor, 10 px: smaller faces may sit beside it).
 * Chosen by eval-detect on the group photos and their 12 MP copies (docs/speed.md).
 */
export const TILE_HINT_SCORE = 0.3;
export const TILE_HINT_NET_PX = 24;
/** 'all': every tile of every level; 'guided': only the tiles where an earlier pass hints at a small face. */
export const TILE_MODES = ['all', 'guided'] as const;
export type TileMode = (typeof TILE_MODES)[number];
/** Faces smaller than this (pixels, shorter box side in the decoded image) are ignored. */
export const MIN_FACE_PX = 12;

const NET_W = 320;
const NET_H = 240;

export interface Detection {
  box: Box;
  score: number;
}

/**
 * Revisions of how the detector finds faces, stored with each photo (photos.detector_rev):
 * 0 = before netRegion, 1 = regions narrower than 4:3 widened (netRegion).
 */
export const DETECTOR_REV = 1;

/**
 * Would today's detector look at a photo of this shape (pixels, as the detector sees it)
 * differently from revision `rev`? Only a photo narrower than 4:3 changed at revision 1 (a wider
 * one and its tiles are run as before).
 */
export function detectsDifferently(rev: number, width: number, height: number): boolean {
  return rev < 1 && width < height * (NET_W / NET_H);
}

/**
 * The region the network is run on for an area of the image: an area narrower than the network's
 * 4:3 (a portrait or square photo, or such a tile) is widened about its centre to 4:3, so that its
 * faces keep their shape; what the widened region adds outside the image is grey (regionToInput).
 * Stretched to 320x240 as it was, a 3:4 portrait photo's faces were drawn 1.78x too wide, a 92x112
 * passport-style photo's 1.62x, and RFB-320 missed them: att-faces' 400 photos (92x112), photos
 * with no face found 18 -> 4; pins-celebs (portrait head shots) 2 -> 0; five-celebrity 3 -> 1.
 * A wider area is left as it was (squeezed vertically): letterboxing the 3:2 group photos too gave
 * worse boxes and two false faces between neighbours on the annotated set (count error 0 -> 0.22),
 * widening only left it at recall 1.000, precision 0.977, count error 0. Measured on the whole of
 * each set (docs/models.md "The detector's aspect"). A 4:3 area (every 12 MP camera photo held
 * level) is unchanged.
 */
export function netRegion(r: Box): Box {
  const w = r.height * (NET_W / NET_H);
  if (r.width >= w) return r;
  return { x: r.x - (w - r.width) / 2, y: r.y, width: w, height: r.height };
}

/**
 * Resample a region of the image to 320x240, normalised (x-127)/128, planar (exported for its test).
 * Output pixels whose centre falls outside the image are grey (127: 0 after normalising).
 */
export function regionToInput(img: RgbImage, r: Box, dst: Float32Array): void {
  const sx = r.width / NET_W;
  const sy = r.height / NET_H;
  const plane = NET_W * NET_H;
  const { data, width, height } = img;
  // Area-averaging when shrinking by more than 2x (avoids aliasing), bilinear otherwise.
  const stepX = Math.max(1, Math.floor(sx));
  const stepY = Math.max(1, Math.floor(sy));
  if (stepX > 1 || stepY > 1) {
    areaToInput(img, r, sx, sy, stepX, stepY, dst);
    return;
  }
  for (let v = 0; v < NET_H; v++) {
    for (let u = 0; u < NET_W; u++) {
      const o = v * NET_W + u;
      if (!inside(r.x + (u + 0.5) * sx, width) || !inside(r.y + (v + 0.5) * sy, height)) {
        dst[o] = dst[plane + o] = dst[2 * plane + o] = 0;
        continue;
      }
      const x = r.x + (u + 0.5) * sx - 0.5;
      const y = r.y + (v + 0.5) * sy - 0.5;
      const x0 = Math.max(0, Math.min(width - 1, Math.floor(x)));
      const y0 = Math.max(0, Math.min(height - 1, Math.floor(y)));
      const x1 = Math.min(width - 1, x0 + 1), y1 = Math.min(height - 1, y0 + 1);
      const fx = Math.max(0, Math.min(1, x - x0)), fy = Math.max(0, Math.min(1, y - y0));
      for (let c = 0; c < 3; c++) {
        const p00 = data[(y0 * width + x0) * 3 + c]!, p01 = data[(y0 * width + x1) * 3 + c]!;
        const p10 = data[(y1 * width + x0) * 3 + c]!, p11 = data[(y1 * width + x1) * 3 + c]!;
        const val = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
        dst[c * plane + o] = (val - 127) / 128;
      }
    }
  }
}

/**
 * regionToInput when shrinking by more than 2x: each output pixel averages the stepX x stepY
 * block at its corner (clamped to the image). The sums are of integers, so summing a block wholly
 * inside without clamping, in any order, gives the values of the clamped loop bit for bit
 * (test/unit/resample.test.ts). The columns whose blocks are inside are one run; across it the
 * common blocks (2x2 for the 3x3 tiles, 3x3 for the 2x2 tiles of a 12 MP photo) are unrolled,
 * which is about a third less CPU than the loop over every pixel with its checks.
 */
function areaToInput(img: RgbImage, r: Box, sx: number, sy: number, stepX: number, stepY: number, dst: Float32Array): void {
  const plane = NET_W * NET_H;
  const { data, width, height } = img;
  const n = stepX * stepY;
  const row = width * 3;
  const d1 = dst.subarray(plane);
  const d2 = dst.subarray(2 * plane);
  const xs = new Int32Array(NET_W);
  const xs3 = new Int32Array(NET_W);
  const colInside = new Uint8Array(NET_W);
  // [uA, uB): the columns whose centre and whole block are inside the image.
  let uA = NET_W, uB = 0;
  for (let u = 0; u < NET_W; u++) {
    const x0 = Math.floor(r.x + u * sx);
    xs[u] = x0;
    xs3[u] = x0 * 3;
    colInside[u] = inside(r.x + (u + 0.5) * sx, width) ? 1 : 0;
    if (colInside[u] && x0 >= 0 && x0 + stepX <= width) {
      if (u < uA) uA = u;
      uB = u + 1;
    }
  }
  for (let v = 0; v < NET_H; v++) {
    const o0 = v * NET_W;
    if (!inside(r.y + (v + 0.5) * sy, height)) {
      dst.fill(0, o0, o0 + NET_W);
      d1.fill(0, o0, o0 + NET_W);
      d2.fill(0, o0, o0 + NET_W);
      continue;
    }
    const y0 = Math.floor(r.y + v * sy);
    const rowsInside = y0 >= 0 && y0 + stepY <= height;
    const fa = rowsInside && uA < uB ? uA : NET_W;
    const fb = rowsInside && uA < uB ? uB : NET_W;
    // Outside the run: grey, or the block clamped to the image.
    for (let u = 0; u < NET_W; u++) {
      if (u === fa) {
        u = fb - 1;
        continue;
      }
      const o = o0 + u;
      if (!colInside[u]) {
        dst[o] = d1[o] = d2[o] = 0;
        continue;
      }
      const x0 = xs[u]!;
      let a0 = 0, a1 = 0, a2 = 0;
      for (let dy = 0; dy < stepY; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y0 + dy));
        for (let dx = 0; dx < stepX; dx++) {
          const xx = Math.min(width - 1, Math.max(0, x0 + dx));
          const p = (yy * width + xx) * 3;
          a0 += data[p]!; a1 += data[p + 1]!; a2 += data[p + 2]!;
        }
      }
      dst[o] = (a0 / n - 127) / 128;
      d1[o] = (a1 / n - 127) / 128;
      d2[o] = (a2 / n - 127) / 128;
    }
    const base = y0 * row;
    if (stepX === 2 && stepY === 2) {
      for (let u = fa; u < fb; u++) {
        const p = base + xs3[u]!, q = p + row;
        const o = o0 + u;
        dst[o] = ((data[p]! + data[p + 3]! + data[q]! + data[q + 3]!) / n - 127) / 128;
        d1[o] = ((data[p + 1]! + data[p + 4]! + data[q + 1]! + data[q + 4]!) / n - 127) / 128;
        d2[o] = ((data[p + 2]! + data[p + 5]! + data[q + 2]! + data[q + 5]!) / n - 127) / 128;
      }
    } else if (stepX === 3 && stepY === 3) {
      for (let u = fa; u < fb; u++) {
        const p = base + xs3[u]!, q = p + row, s = q + row;
        const o = o0 + u;
        const a0 = data[p]! + data[p + 3]! + data[p + 6]! + data[q]! + data[q + 3]! + data[q + 6]! + data[s]! + data[s + 3]! + data[s + 6]!;
        const a1 = data[p + 1]! + data[p + 4]! + data[p + 7]! + data[q + 1]! + data[q + 4]! + data[q + 7]! + data[s + 1]! + data[s + 4]! + data[s + 7]!;
        const a2 = data[p + 2]! + data[p + 5]! + data[p + 8]! + data[q + 2]! + data[q + 5]! + data[q + 8]! + data[s + 2]! + data[s + 5]! + data[s + 8]!;
        dst[o] = (a0 / n - 127) / 128;
        d1[o] = (a1 / n - 127) / 128;
        d2[o] = (a2 / n - 127) / 128;
      }
    } else {
      const span = stepX * 3;
      for (let u = fa; u < fb; u++) {
        let a0 = 0, a1 = 0, a2 = 0;
        for (let dy = 0, p0 = base + xs3[u]!; dy < stepY; dy++, p0 += row) {
          for (let p = p0, end = p0 + span; p < end; p += 3) {
            a0 += data[p]!; a1 += data[p + 1]!; a2 += data[p + 2]!;
          }
        }
        const o = o0 + u;
        dst[o] = (a0 / n - 127) / 128;
        d1[o] = (a1 / n - 127) / 128;
        d2[o] = (a2 / n - 127) / 128;
      }
    }
  }
}

/** Is a pixel centre at coordinate c inside an image side of n pixels? */
function inside(c: number, n: number): boolean {
  return c >= 0 && c < n;
}

/** The regions to run the detector on: the whole image, plus overlapping tiles for large images. */
export function detectionRegions(width: number, height: number): Box[] {
  return detectionLevels(width, height).flat();
}

/** detectionRegions by level: [whole image], then the 2x2 tiles, then the 3x3 tiles (if any). */
export function detectionLevels(width: number, height: number): Box[][] {
  const regions: Box[][] = [[{ x: 0, y: 0, width, height }]];
  const longer = Math.max(width, height);
  if (longer < TILE_MIN_SIDE) return regions;
  // Tiles of the net's 4:3 aspect; n per side so that each tile is about half (or, for very
  // large photos, a third) of the image. Each level catches faces of half the previous size.
  const levels = longer >= 1600 ? [2, 3] : [2];
  for (const n of levels) {
    const tw = width / (n - (n - 1) * TILE_OVERLAP);
    const th = height / (n - (n - 1) * TILE_OVERLAP);
    const level: Box[] = [];
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        level.push({ x: i * tw * (1 - TILE_OVERLAP), y: j * th * (1 - TILE_OVERLAP), width: tw, height: th });
      }
    }
    regions.push(level);
  }
  return regions;
}

export class FaceDetector {
  constructor(private readonly session: ort.InferenceSession) {}

  /** `opts.timings` (when given) gets the ms spent on the whole image and on the tiles added to it. */
  async detect(
    img: RgbImage,
    opts: { scoreThreshold?: number; tiles?: boolean; tileMode?: TileMode; timings?: { detectWhole: number; detectTiles: number } } = {},
  ): Promise<Detection[]> {
    const threshold = opts.scoreThreshold ?? DETECT_SCORE_THRESHOLD;
    const guided = opts.tileMode === 'guided';
    const levels = opts.tiles === false ? [[{ x: 0, y: 0, width: img.width, height: img.height }]] : detectionLevels(img.width, img.height);
    const boxes: Box[] = [];
    const scores: number[] = [];
    /** Centres of the hints of small faces seen so far ('guided'). */
    const hints: [number, number][] = [];
    const input = new Float32Array(3 * NET_W * NET_H);
    let t = performance.now();
    for (let li = 0; li < levels.length; li++) {
      if (li === 1 && opts.timings) {
        opts.timings.detectWhole += performance.now() - t;
        t = performance.now();
      }
      for (const area of levels[li]!) {
        if (guided && li > 0 && !hints.some(([x, y]) => x >= area.x && x < area.x + area.width && y >= area.y && y < area.y + area.height)) continue;
        const r = netRegion(area);
        regionToInput(img, r, input);
        const out = await this.session.run({ input: new Tensor('float32', input, [1, 3, NET_H, NET_W]) });
        const sc = out.scores!.data as Float32Array;
        const bx = out.boxes!.data as Float32Array;
        const n = sc.length / 2;
        const isTile = li > 0;
        const netPx = NET_W / r.width; // network pixels per image pixel in this region
        for (let k = 0; k < n; k++) {
          const s = sc[k * 2 + 1]!;
          if (s < (guided ? Math.min(threshold, TILE_HINT_SCORE) : threshold)) continue;
          const x1 = r.x + bx[k * 4]! * r.width;
          const y1 = r.y + bx[k * 4 + 1]! * r.height;
          const x2 = r.x + bx[k * 4 + 2]! * r.width;
          const y2 = r.y + bx[k * 4 + 3]! * r.height;
          if (guided && (s < threshold || Math.min(x2 - x1, y2 - y1) * netPx < TILE_HINT_NET_PX)) hints.push([(x1 + x2) / 2, (y1 + y2) / 2]);
          if (s < threshold) continue;
          if (isTile && cutByTileEdge(x1, y1, x2, y2, r, img.width, img.height)) continue;
          const box = clampBox({ x: x1, y: y1, width: x2 - x1, height: y2 - y1 }, img.width, img.height);
          if (Math.min(box.width, box.height) < MIN_FACE_PX) continue;
          boxes.push(box);
          scores.push(s);
        }
      }
    }
    const merged = nms(boxes, scores, DETECT_NMS_IOU).map((i) => ({ box: boxes[i]!, score: scores[i]! }));
    const kept = dropNestedDetections(merged.map((d) => d.box), merged.map((d) => d.score)).map((k) => merged[k]!);
    if (opts.timings) opts.timings[levels.length > 1 ? 'detectTiles' : 'detectWhole'] += performance.now() - t;
    return kept;
  }
}

function cutByTileEdge(x1: number, y1: number, x2: number, y2: number, r: Box, W: number, H: number): boolean {
  const m = 2;
  return (
    (x1 <= r.x + m && r.x > 0) ||
    (y1 <= r.y + m && r.y > 0) ||
    (x2 >= r.x + r.width - m && r.x + r.width < W - 1) ||
    (y2 >= r.y + r.height - m && r.y + r.height < H - 1)
  );
}

function clampBox(b: Box, W: number, H: number): Box {
  const x1 = Math.max(0, b.x), y1 = Math.max(0, b.y);
  const x2 = Math.min(W, b.x + b.width), y2 = Math.min(H, b.y + b.height);
  return { x: x1, y: y1, width: Math.max(0, x2 - x1), height: Math.max(0, y2 - y1) };
}
