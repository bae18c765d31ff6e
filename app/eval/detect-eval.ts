/**
 * Detection accuracy on annotated group photos (../shared/datasets/group-photos/annotations.json):
 * recall and precision against dlib's face boxes (a detection matches an unmatched annotated box
 * at IoU >= 0.5, best scores first), and face-count error against CompreFace's nose points.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../faces/types';
import type { FacePipeline } from '../faces/pipeline';
import { iou } from '../faces/geometry';

export const MATCH_IOU = 0.5;

interface Annotations {
  dlib_boxes_ltwh?: Record<string, { boxes: { left: number; top: number; width: number; height: number }[] }>;
  compreface_noses?: Record<string, { nose_points_xy: [number, number][]; face_count: number }>;
}

/** Greedy matching of detections (best score first) to ground-truth boxes. */
export function matchBoxes(dets: { box: Box; score: number }[], truth: Box[], minIou = MATCH_IOU): number {
  const used = new Uint8Array(truth.length);
  let matched = 0;
  for (const d of [...dets].sort((a, b) => b.score - a.score)) {
    let best = -1, bestIou = minIou;
    truth.forEach((t, i) => {
      if (used[i]) return;
      const v = iou(d.box, t);
      if (v >= bestIou) {
        bestIou = v;
        best = i;
      }
    });
    if (best >= 0) {
      used[best] = 1;
      matched++;
    }
  }
  return matched;
}

function findFile(root: string, name: string): string | undefined {
  const direct = [join(root, name), join(root, '_group', name)];
  for (const d of direct) if (existsSync(d)) return d;
  for (const entry of readdirSync(root)) {
    const p = join(root, entry);
    if (statSync(p).isDirectory() && existsSync(join(p, name))) return join(p, name);
  }
  return undefined;
}

export interface DetectEvalResult {
  recall: number;
  precision: number;
  /** Mean |detected faces - annotated faces| over the CompreFace-counted photos. */
  countError: number;
  /** Share of annotated noses that fall inside some detection. */
  noseRecall: number;
  boxImages: number;
  boxes: number;
  detections: number;
  countImages: number;
  /** Annotated photos that are not in the folder (left out of every figure above). */
  missing: string[];
  perImage: { file: string; truth: number; detected: number; matched?: number }[];
  seconds: number;
}

export async function evaluateDetection(engine: FacePipeline, dataDir: string, annotationsFile?: string): Promise<DetectEvalResult> {
  const t0 = performance.now();
  const annPath = annotationsFile ?? join(dataDir, 'annotations.json');
  const ann = JSON.parse(readFileSync(annPath, 'utf8')) as Annotations;
  const perImage: DetectEvalResult['perImage'] = [];
  const missing: string[] = [];
  let boxes = 0, matched = 0, detections = 0, boxImages = 0;
  for (const [name, a] of Object.entries(ann.dlib_boxes_ltwh ?? {})) {
    const file = findFile(dataDir, name);
    if (!file) {
      missing.push(name);
      continue;
    }
    const r = await engine.analyzeFile(file);
    const truth = a.boxes.map((b) => ({ x: b.left, y: b.top, width: b.width, height: b.height }));
    const m = matchBoxes(r.faces, truth);
    boxes += truth.length;
    matched += m;
    detections += r.faces.length;
    boxImages++;
    perImage.push({ file: name, truth: truth.length, detected: r.faces.length, matched: m });
  }
  let countErr = 0, countImages = 0, noses = 0, nosesHit = 0;
  for (const [name, a] of Object.entries(ann.compreface_noses ?? {})) {
    const file = findFile(dataDir, name);
    if (!file) {
      if (!missing.includes(name)) missing.push(name);
      continue;
    }
    const r = await engine.analyzeFile(file);
    countErr += Math.abs(r.faces.length - a.face_count);
    countImages++;
    for (const [x, y] of a.nose_points_xy) {
      noses++;
      if (r.faces.some((f) => x >= f.box.x && x <= f.box.x + f.box.width && y >= f.box.y && y <= f.box.y + f.box.height)) nosesHit++;
    }
    perImage.push({ file: name, truth: a.face_count, detected: r.faces.length });
  }
  return {
    recall: boxes ? matched / boxes : 0,
    precision: detections ? matched / detections : 0,
    countError: countImages ? countErr / countImages : 0,
    noseRecall: noses ? nosesHit / noses : 0,
    boxImages,
    boxes,
    detections,
    countImages,
    missing,
    perImage,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
