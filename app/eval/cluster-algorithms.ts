/**
 * The clustering algorithms `visage eval-clusters --algorithm` compares on the same faces:
 * - `visage`: Visage's full re-cluster (app/people/recluster.ts) with the given thresholds;
 * - `dbscan`: Immich's (app/people/baselines/dbscan.ts);
 * - `linear`: Ente's (app/people/baselines/linear.ts).
 * For the baselines a cluster of one face counts as unassigned (as Visage's minClusterSize 2 does).
 */
import { dbscanCluster } from '../people/baselines/dbscan';
import { linearCluster } from '../people/baselines/linear';
import { toPeople } from '../people/baselines/unit-rows';
import { PeopleIndex } from '../people/people-index';
import { rng } from '../people/synthetic';
import { recluster } from '../people/recluster';
import type { ModelThresholds } from '../people/thresholds';
import type { FaceColumns, FaceId, PersonId } from '../people/types';

export const ALGORITHMS = ['visage', 'dbscan', 'linear'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface BaselineParams {
  /** Cosine distance (dbscan: maxDistance, linear: distance). */
  distance: number;
  /** dbscan: neighbours a core point needs, itself included. */
  minFaces: number;
  /** linear: the low-quality faces' distance, as a share of `distance` (Ente: 0.16 / 0.24). */
  lowQualityRatio: number;
}

/**
 * Default baseline distances per embedding model (a cosine distance is on its model's scale),
 * chosen on the tuning part (docs/clustering.md: "Baselines"): the value with the highest mean
 * BCubed F1 over the tuning parts of lfw-dev, pins-celebs, vn-celebs and sports-celebs, among
 * those whose mean BCubed precision is >= 0.97 (`npm run eval:people -- --model ID --part tune
 * --algorithm dbscan|linear --sweep distance=...`).
 */
export const BASELINE_DEFAULTS_BY_MODEL: Readonly<Record<string, Readonly<Record<'dbscan' | 'linear', BaselineParams>>>> = {
  'dlib-resnet-v1': {
    dbscan: { distance: 0.045, minFaces: 3, lowQualityRatio: 2 / 3 },
    linear: { distance: 0.045, minFaces: 3, lowQualityRatio: 2 / 3 },
  },
  'mobilefacenet-192': {
    dbscan: { distance: 0.425, minFaces: 3, lowQualityRatio: 2 / 3 },
    linear: { distance: 0.45, minFaces: 3, lowQualityRatio: 2 / 3 },
  },
};

/** The baselines' defaults for a model's vectors; throws for a model nobody tuned them on. */
export function baselineDefaults(model: string, algorithm: 'dbscan' | 'linear'): BaselineParams {
  const row = BASELINE_DEFAULTS_BY_MODEL[model];
  if (!row) throw new Error(`no baseline distances tuned for model "${model}" (known: ${Object.keys(BASELINE_DEFAULTS_BY_MODEL).join(', ')})`);
  return { ...row[algorithm] };
}

export function isAlgorithm(s: string): s is Algorithm {
  return (ALGORITHMS as readonly string[]).includes(s);
}

/** How runAlgorithm takes the faces. */
export interface RunOptions {
  /** Visage only: add the faces `batch` at a time in id order (the incremental path after scans, addFaces) instead of one re-cluster. */
  batch?: number;
  /** 0 (default): the library's order (ids as scanned); k > 0: a seeded shuffle (shuffled). */
  order?: number;
  /**
   * With `order` > 0: each face's folder (any number; faces of one folder share it). The folders
   * then come in a seeded order, each folder's faces together in id order, as a scan walks a
   * library folder by folder (an event, a year); without it every face is shuffled on its own.
   */
  folders?: ArrayLike<number>;
}

/**
 * face id -> person (null = unassigned) for every face of `faces`. Every algorithm here is
 * deterministic for one order of the faces (Visage's re-cluster takes them by id, its incremental
 * path and Ente's in turn), and where merges sit near their bars the order can decide some of
 * them: `opts.order` runs the same faces in another order, the result mapped back to their ids.
 */
export function runAlgorithm(
  algorithm: Algorithm,
  faces: FaceColumns,
  th: ModelThresholds,
  /** The baselines' distances (Visage reads `th`). */
  params: BaselineParams | null,
  opts: RunOptions = {},
): Map<FaceId, PersonId | null> {
  if (!opts.order) return cluster(algorithm, faces, th, params, opts.batch);
  const { faces: inOrder, rows } = shuffled(faces, opts.order, opts.folders);
  const out = new Map<FaceId, PersonId | null>();
  for (const [id, person] of cluster(algorithm, inOrder, th, params, opts.batch)) out.set(faces.ids[rows[id - 1]!]!, person);
  return out;
}

function cluster(algorithm: Algorithm, faces: FaceColumns, th: ModelThresholds, params: BaselineParams | null, batch?: number): Map<FaceId, PersonId | null> {
  if (algorithm === 'visage' && batch) return incremental(faces, th, batch);
  if (algorithm === 'visage') return recluster({ model: th, faces }).assignment;
  if (!params) throw new Error(`${algorithm} needs its distances (baselineDefaults)`);
  const labels =
    algorithm === 'dbscan'
      ? dbscanCluster(faces, { maxDistance: params.distance, minFaces: params.minFaces })
      : linearCluster(faces, { distance: params.distance, lowQualityDistance: params.distance * params.lowQualityRatio, qualityMin: th.qualityMin });
  const people = toPeople(labels, 2);
  const out = new Map<FaceId, PersonId | null>();
  for (let i = 0; i < faces.n; i++) out.set(faces.ids[i]!, people[i]!);
  return out;
}

/**
 * The faces in a seeded shuffle (of the faces, or of their folders: RunOptions.folders), renumbered
 * 1..n in it (rows and ids alike; photos kept); `rows[k]` = the row face k + 1 came from.
 */
export function shuffled(faces: FaceColumns, seed: number, folders?: ArrayLike<number>): { faces: FaceColumns; rows: number[] } {
  const next = rng(seed);
  const shuffle = <T>(a: T[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  let rows: number[];
  if (folders) {
    const byFolder = new Map<number, number[]>();
    const byId = Array.from({ length: faces.n }, (_, i) => i).sort((a, b) => faces.ids[a]! - faces.ids[b]!);
    for (const i of byId) {
      const f = folders[i]!;
      if (!byFolder.has(f)) byFolder.set(f, []);
      byFolder.get(f)!.push(i);
    }
    rows = shuffle([...byFolder.keys()].sort((a, b) => a - b)).flatMap((f) => byFolder.get(f)!);
  } else rows = shuffle(Array.from({ length: faces.n }, (_, i) => i));
  const embeddings = new Int8Array(faces.n * 128);
  rows.forEach((r, k) => embeddings.set(faces.embeddings.subarray(r * 128, (r + 1) * 128), k * 128));
  return {
    faces: { n: faces.n, ids: rows.map((_, k) => k + 1), photoIds: rows.map((r) => faces.photoIds[r]!), quality: rows.map((r) => faces.quality[r]!), embeddings },
    rows,
  };
}

/** Visage's incremental path: PeopleIndex.addFaces over the faces in id order, `batch` at a time. */
function incremental(faces: FaceColumns, th: ModelThresholds, batch: number): Map<FaceId, PersonId | null> {
  const index = new PeopleIndex({ model: th });
  const order = Array.from({ length: faces.n }, (_, i) => i).sort((a, b) => faces.ids[a]! - faces.ids[b]!);
  for (let start = 0; start < order.length; start += batch) {
    const rows = order.slice(start, start + batch);
    index.addFaces(
      rows.map((i) => ({ id: faces.ids[i]!, photoId: faces.photoIds[i]!, quality: faces.quality[i]!, embedding: faces.embeddings.slice(i * 128, (i + 1) * 128) })),
    );
  }
  return index.assignment();
}
