/**
 * 68-point facial landmarks (iBUG 300-W order) from a detected face box.
 *
 * Two interchangeable models (registry ids): face-api.js's FaceLandmark68Net (MIT, default) takes
 * a 112x112 RGB square crop; faceplugin's fr_landmark takes a 64x64 grey crop. Both return
 * coordinates relative to their crop. We run a second pass on a crop re-centred on the first
 * pass's landmarks, which makes the points insensitive to how the detector framed the face.
 */
import type { Box, Point } from './types';
import type { LandmarkModel } from './models/registry';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { regionMap, warpAffine, type RgbImage } from './image';
import { boxOfPoints } from './geometry';

/** Side of the landmark crop relative to the detector box's longer side. */
export const LANDMARK_CROP_SCALE = 1.0;
/** Second pass: crop side relative to the span of the first-pass landmarks. */
export const LANDMARK_REFINE_SCALE = 1.15;

/**
 * The second pass when asked for 'auto' (RefineMode): the first pass crops where the second would
 * on average, from the detector box by these offsets (fractions of the box's longer side) and
 * scale. Measured over the 265 faces of the 46 group photos (RFB-320 boxes, face-api landmarks):
 * the re-centred crop's centre is 0.015 left of and 0.098 below the box's (sd 0.024, 0.046), its
 * side 0.89x the box's (sd 0.09): RFB boxes reach higher up the forehead than the 68 points.
 */
export const LANDMARK_AUTO_DX = -0.015;
export const LANDMARK_AUTO_DY = 0.098;
export const LANDMARK_AUTO_SCALE = 0.89;
/**
 * 'auto': a face gets the second pass only when its re-centred crop moves by more than this
 * fraction of the first crop's side, or changes its side by more (the first pass saw the face
 * framed as the second would, so a second run would see nearly the same pixels).
 */
export const LANDMARK_AUTO_TOLERANCE = 0.05;

/**
 * How many landmark passes: 'always' two (the second on the crop re-centred on the first's points);
 * 'auto' one on a crop placed as the second pass would place it, and the second only for faces
 * the first framed badly; 'never' one on the box.
 */
export const REFINE_MODES = ['always', 'auto', 'never'] as const;
export type RefineMode = (typeof REFINE_MODES)[number];

/** Most crops in one landmark run (a group photo's faces; bounds the input tensor at 16 x 150 KB). */
export const LANDMARK_BATCH = 16;

export function squareAround(cx: number, cy: number, side: number): Box {
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

export class LandmarkDetector {
  constructor(
    private readonly session: InferenceSession,
    readonly model: LandmarkModel,
  ) {}

  /** Landmarks of several faces in one image, in image pixels; `timings` gets each pass's ms. */
  async detect(img: RgbImage, boxes: Box[], refine: boolean | RefineMode = true, timings?: { landmarks1: number; landmarks2: number }): Promise<Point[][]> {
    if (boxes.length === 0) return [];
    const mode: RefineMode = refine === true ? 'always' : refine === false ? 'never' : refine;
    const auto = mode === 'auto' && this.model.channels === 3;
    let t = performance.now();
    const firstCrops = boxes.map((b) => (auto ? autoCrop(b) : this.initialCrop(b)));
    const first = await this.run(img, firstCrops);
    if (timings) timings.landmarks1 += performance.now() - t;
    if (mode === 'never') return first;
    t = performance.now();
    const crops = first.map((pts) => {
      const b = boxOfPoints(pts);
      // The 68 points span brow-to-chin; centre on them and cover them with a margin.
      return squareAround(b.x + b.width / 2, b.y + b.height / 2, Math.max(b.width, b.height) * LANDMARK_REFINE_SCALE);
    });
    const again = crops.map((c, i) => !auto || moved(firstCrops[i]!, c) > LANDMARK_AUTO_TOLERANCE);
    const second = await this.run(img, crops.filter((_, i) => again[i]));
    let k = 0;
    const out = first.map((pts, i) => (again[i] ? second[k++]! : pts));
    if (timings) timings.landmarks2 += performance.now() - t;
    return out;
  }

  initialCrop(b: Box): Box {
    if (this.model.channels === 1) {
      // faceplugin's model was used with the box squared on its height.
      return squareAround(b.x + b.width / 2, b.y + b.height / 2, b.height);
    }
    return squareAround(b.x + b.width / 2, b.y + b.height / 2, Math.max(b.width, b.height) * LANDMARK_CROP_SCALE);
  }

  /** Does the graph take a batch of crops (a symbolic first dimension)? face-api's does; faceplugin's is fixed to 1. */
  private get batched(): boolean {
    const meta = (this.session as { inputMetadata?: readonly { shape?: readonly (number | string)[] }[] }).inputMetadata?.[0];
    return typeof meta?.shape?.[0] === 'string';
  }

  private async run(img: RgbImage, crops: Box[]): Promise<Point[][]> {
    const S = this.model.inputSize;
    const C = this.model.channels;
    const plane = S * S;
    const results: Point[][] = [];
    // All the photo's faces in one session run where the graph allows it (one call's overhead
    // instead of one a face); one crop at a time otherwise.
    const batch = this.batched ? Math.max(1, Math.min(LANDMARK_BATCH, crops.length)) : 1;
    for (let start = 0; start < crops.length; start += batch) {
      const part = crops.slice(start, start + batch);
      const input = new Float32Array(part.length * C * plane);
      part.forEach((crop, b) => {
        const patch = warpAffine(img, regionMap(crop, S, S), S, S);
        const base = b * C * plane;
        if (C === 3) {
          for (let i = 0; i < plane; i++) {
            input[base + i] = patch[i * 3]!;
            input[base + plane + i] = patch[i * 3 + 1]!;
            input[base + 2 * plane + i] = patch[i * 3 + 2]!;
          }
        } else {
          for (let i = 0; i < plane; i++) {
            const grey = 0.299 * patch[i * 3]! + 0.587 * patch[i * 3 + 1]! + 0.114 * patch[i * 3 + 2]!;
            input[base + i] = Math.round(grey) / 256;
          }
        }
      });
      const out = await this.session.run({ [this.session.inputNames[0]!]: new Tensor('float32', input, [part.length, C, S, S]) });
      const v = out[this.session.outputNames[0]!]!.data as Float32Array;
      const per = v.length / part.length;
      part.forEach((crop, b) => {
        const pts: Point[] = [];
        for (let k = 0; k < 68; k++) pts.push([crop.x + v[b * per + k * 2]! * crop.width, crop.y + v[b * per + k * 2 + 1]! * crop.height]);
        results.push(pts);
      });
    }
    return results;
  }
}

/** The first crop of 'auto': where the second pass would crop, on average (LANDMARK_AUTO_*). */
function autoCrop(b: Box): Box {
  const side = Math.max(b.width, b.height);
  return squareAround(b.x + b.width / 2 + LANDMARK_AUTO_DX * side, b.y + b.height / 2 + LANDMARK_AUTO_DY * side, side * LANDMARK_AUTO_SCALE);
}

/** How far crop `b` is from `a`: the larger of its centre's shift and its side's change, over a's side. */
function moved(a: Box, b: Box): number {
  const shift = Math.hypot(a.x + a.width / 2 - (b.x + b.width / 2), a.y + a.height / 2 - (b.y + b.height / 2));
  return Math.max(shift, Math.abs(b.width - a.width)) / a.width;
}
