/**
 * Clustering thresholds, one row per embedding model (all similarities are cosines on the int8
 * embeddings). Like PhotoPrism's internal/ai/face thresholds, the numbers live in one named
 * table so that they can be calibrated and reviewed in one place; docs/clustering.md explains
 * each column and where each number comes from.
 *
 * Rule of thumb from the LFW measurements in shared/brief/MODELS.md: a clustering threshold must
 * be stricter than the verification threshold (a chain of "same person" verdicts at the
 * verification threshold glues strangers together).
 */
export interface ModelThresholds {
  /** Registry id of the embedding model, as in FaceRecord.modelId. */
  modelId: string;
  /** Pair verification threshold (same person above), for reference and for "maybe" suggestions. */
  verify: number;
  /** Average-linkage merge threshold for pool clustering and full re-clusters. */
  cluster: number;
  /** A new face joins an existing person when its best prototype scores at least this. */
  assign: number;
  /** ... and beats the best prototype of every other eligible person by at least this margin. */
  margin: number;
  /** Lowest similarity offered as a suggestion ("Is this Anna?"). */
  suggest: number;
  /** A pool group becomes a new person only with at least this many seed-quality faces. */
  minClusterSize: number;
  /** FaceQuality.score below this: the face never seeds a person (it may still join one). */
  qualityMin: number;
  /** Most prototypes kept per person. */
  prototypes: number;
  /**
   * Most prototypes kept per person the user named (>= prototypes): a named person's atypical
   * faces (cap, sunglasses, profile, another decade) get prototypes of their own, so their
   * look-alikes join the person; machine people, the many, keep the cheaper `prototypes`.
   */
  namedPrototypes: number;
  /** Neighbours looked up per face when building the similarity graph. */
  knn: number;
  /**
   * The album rule: a face no prototype decided joins a named person whose mean cosine to the
   * person's faces (its whole album) is at least this (>= 1: off); docs/clustering.md.
   */
  album: number;
  /** ... for named people with at least this many seed-quality (or user) faces. */
  albumMinFaces: number;
  /**
   * The album rule for groups: a new group of pool faces (or, in a full re-cluster, a machine
   * person) joins a named person when its mean cosine to the person's album reaches this (>= 1: off).
   */
  albumGroup: number;
  /**
   * The album check on prototype decisions: a face whose nearest prototype is a named person's
   * does not join that person by prototype when another named candidate's album (mean cosine to
   * its faces) is closer than that person's; the album rule then decides, or nobody does. A
   * look-alike stranger is near one odd face of a person, not near the person's whole album
   * (LFW K=3: a fifth fewer strangers in named people, docs/clustering.md). Needs album means
   * (album or albumGroup < 1).
   */
  albumCheck: boolean;
}

export const MODEL_THRESHOLDS: Readonly<Record<string, Readonly<ModelThresholds>>> = Object.freeze({
  // dlib ResNet v1 (face-api.js FaceRecognitionNet), native 128-D. LFW: verification 98.8%;
  // average-linkage clustering best pairwise F1 0.865 at cos 0.94 (0.93-0.95 is a narrow band).
  // Calibrated with `visage eval-clusters` on lfw-dev/images (6,165 faces, 2,835 identities) with
  // Visage's pipeline (mirror-averaged embeddings): see docs/clustering.md for the sweep.
  'dlib-resnet-v1': Object.freeze({
    modelId: 'dlib-resnet-v1',
    verify: 0.912,
    cluster: 0.945,
    assign: 0.945,
    margin: 0.01,
    suggest: 0.9,
    minClusterSize: 2,
    qualityMin: 0.2,
    prototypes: 5,
    namedPrototypes: 10,
    knn: 24,
    album: 0.94,
    albumMinFaces: 5,
    albumGroup: 0.93,
    albumCheck: true,
  }),
  // faceplugin MobileFaceNet-like 512-D, PCA to 128-D then int8. LFW: verification 99.1%;
  // average-linkage clustering best pairwise F1 0.961 at cos 0.45. Much wider similarity scale.
  // Calibrated on lfw-dev/images with Visage's pipeline and PCA projection (docs/clustering.md):
  // LFW verification threshold 0.321; cluster sweep best at 0.50.
  'faceplugin-512-pca128': Object.freeze({
    modelId: 'faceplugin-512-pca128',
    verify: 0.32,
    cluster: 0.5,
    assign: 0.5,
    margin: 0.03,
    suggest: 0.3,
    minClusterSize: 2,
    qualityMin: 0.2,
    prototypes: 5,
    namedPrototypes: 5,
    knn: 24,
    album: 1,
    albumMinFaces: 5,
    albumGroup: 1,
    albumCheck: false,
  }),
});

export const DEFAULT_MODEL_ID = 'dlib-resnet-v1';

/** The thresholds of a model; throws for an unknown model (never cluster with a wrong scale). */
export function thresholdsFor(model: string | ModelThresholds, overrides?: Partial<ModelThresholds>): ModelThresholds {
  const base = typeof model === 'string' ? MODEL_THRESHOLDS[model] : model;
  if (!base) throw new Error(`no clustering thresholds for model "${String(model)}"`);
  const t = { ...base, ...overrides };
  // A named person never keeps fewer prototypes than any other person.
  t.namedPrototypes = Math.max(t.namedPrototypes ?? t.prototypes, t.prototypes);
  // A table without the album rule (an older test table, a partial override) leaves it off.
  t.album ??= 1;
  t.albumMinFaces ??= 5;
  t.albumGroup ??= 1;
  t.albumCheck ??= false;
  if (!(t.assign <= 1 && t.cluster <= 1 && t.suggest <= t.assign)) throw new Error('inconsistent thresholds');
  if (t.minClusterSize < 1 || t.prototypes < 1 || t.knn < 1) throw new Error('inconsistent thresholds');
  return t;
}
