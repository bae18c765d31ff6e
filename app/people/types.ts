/** Data types of the people (clustering) core. Pure data: the store maps its rows onto these. */
import type { FaceId, PersonId, PhotoId } from '../contract/people';

export type { FaceId, PersonId, PhotoId };

/** One face as clustering sees it. */
export interface ClusterFace {
  id: FaceId;
  /** Faces of one photo are different people (cannot-link). */
  photoId: PhotoId;
  /** Int8Array(128), as in FaceRecord.embedding. */
  embedding: Int8Array;
  /** FaceQuality.score, 0..1. Below the model's qualityMin a face never seeds a person. */
  quality: number;
}

/** Many faces in columns (what a 1M-face library should be handed over as: no object per face). */
export interface FaceColumns {
  n: number;
  ids: ArrayLike<number>;
  photoIds: ArrayLike<number>;
  quality: ArrayLike<number>;
  /** n * 128 int8 values, row i = face i. */
  embeddings: Int8Array;
}

export interface PersonRecord {
  id: PersonId;
  name?: string | null;
  /**
   * Created or named by the user. Such a person survives every re-cluster with its id and name,
   * even when it ends up with no face.
   */
  userNamed?: boolean;
}

/** The user's decisions; a re-cluster reproduces all of them. */
export interface UserDecisions {
  /** face -> person the user assigned it to or confirmed (must-link; never moved by the machine). */
  assigned: ReadonlyMap<FaceId, PersonId>;
  /** face -> people the user said it is not (permanent cannot-link). */
  rejected: ReadonlyMap<FaceId, ReadonlySet<PersonId>>;
}

export interface FaceMove {
  faceId: FaceId;
  from: PersonId | null;
  to: PersonId | null;
}

/** What an operation changed, for the store to persist. */
export interface ChangeSet {
  moves: FaceMove[];
  /** People the machine created (ids came from newPersonId). */
  created: PersonId[];
  /** Machine-made, unnamed people left without any face (the store may delete them). */
  emptied: PersonId[];
}

export interface Suggestion {
  personId: PersonId;
  /** Best prototype cosine. */
  score: number;
}

export interface FaceSuggestion {
  faceId: FaceId;
  score: number;
}

export function emptyDecisions(): UserDecisions {
  return { assigned: new Map(), rejected: new Map() };
}

export function columnsFromFaces(faces: readonly ClusterFace[]): FaceColumns {
  const n = faces.length;
  const ids = new Float64Array(n);
  const photoIds = new Float64Array(n);
  const quality = new Float32Array(n);
  const embeddings = new Int8Array(n * 128);
  faces.forEach((f, i) => {
    if (!(f.embedding instanceof Int8Array) || f.embedding.length !== 128) throw new Error(`face ${f.id}: embedding must be Int8Array(128)`);
    ids[i] = f.id;
    photoIds[i] = f.photoId;
    quality[i] = f.quality;
    embeddings.set(f.embedding, i * 128);
  });
  return { n, ids, photoIds, quality, embeddings };
}
