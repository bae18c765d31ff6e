/**
 * The people feature's API, as the app, the CLI and tests see it (implemented by
 * app/people/people-service.ts over the SQLite store and the clustering core).
 *
 * Every correction is one SQLite transaction that writes both the new state and an append-only log
 * entry carrying what is needed to undo it; corrections are never lost or silently undone by a
 * re-scan, a re-cluster, a model change, a crash or an upgrade.
 */
import type { Box } from '../engine/face-types';

export type PersonId = number;
export type FaceId = number;
export type PhotoId = number;

export interface PersonSummary {
  id: PersonId;
  name: string | null;
  hidden: boolean;
  faceCount: number;
  photoCount: number;
  /** The face shown for the person: the user's choice, else the best-quality face. */
  coverFaceId: FaceId | null;
  /** True when the user named, merged, confirmed or assigned faces to this person. */
  userTouched: boolean;
}

export interface FaceInfo {
  id: FaceId;
  photoId: PhotoId;
  photoPath: string;
  box: Box;
  /** Oriented size of the photo the box refers to. */
  photoWidth: number;
  photoHeight: number;
  score: number;
  quality: number;
  personId: PersonId | null;
  personName: string | null;
  /** 'user' = the user put it there (never moved by the machine); 'machine' = clustering did. */
  source: 'user' | 'machine' | null;
  confirmed: boolean;
}

export interface PhotoInfo {
  id: PhotoId;
  path: string;
  width: number;
  height: number;
  takenAt: string | null;
  faces: FaceInfo[];
}

/** A photo of a person, with the person's best face in it (the one people.faces lists first). */
export interface PersonPhoto {
  id: PhotoId;
  path: string;
  width: number;
  height: number;
  takenAt: string | null;
  faceId: FaceId;
}

export interface PersonSuggestion {
  personId: PersonId;
  name: string | null;
  similarity: number;
}

export interface FaceSuggestion {
  faceId: FaceId;
  similarity: number;
}

/** A user's correction. Every kind is undoable. */
export type Correction =
  | { kind: 'name'; personId: PersonId; name: string | null }
  | { kind: 'merge'; targetId: PersonId; sourceIds: PersonId[] }
  /** Selected faces become a new person (optionally named). */
  | { kind: 'split'; faceIds: FaceId[]; name?: string | null }
  /** Faces go to an existing person (user assignment: never moved by the machine). */
  | { kind: 'move'; faceIds: FaceId[]; personId: PersonId }
  /** "Not this person": permanent cannot-link; the faces leave the person. */
  | { kind: 'reject'; faceIds: FaceId[]; personId: PersonId }
  /** Accept the machine's assignment (or a suggestion) of faces to a person. */
  | { kind: 'confirm'; faceIds: FaceId[]; personId: PersonId }
  | { kind: 'hide'; personId: PersonId; hidden: boolean }
  | { kind: 'cover'; personId: PersonId; faceId: FaceId }
  /** Not a face (a false detection): removed from people and never clustered again. */
  | { kind: 'not-a-face'; faceIds: FaceId[] }
  /** Decisions restored from an export file or XMP sidecars (app/people/import-export.ts). */
  | { kind: 'import'; source: string; plan: ImportPlan };

/**
 * What an import applies, in library face ids. Persons are given by a key of the import
 * (`ref`): a new person is created for each, unless `existingId` names one of this library.
 */
export interface ImportPlan {
  persons: { ref: string; existingId?: PersonId; name: string | null; hidden: boolean }[];
  assignments: { faceId: FaceId; person: string; source: 'user' | 'machine'; confirmed: boolean }[];
  rejections: { faceId: FaceId; person: string }[];
  notAFace: FaceId[];
  covers: { person: string; faceId: FaceId }[];
}

export interface CorrectionResult {
  /** Id of the log entry (for undo). */
  correctionId: number;
  /** Persons created (split) or touched. */
  personIds: PersonId[];
  /** When naming used an existing person's name: that person, proposed for a merge. */
  mergeProposal?: { personId: PersonId; name: string };
}

export interface LoggedCorrection {
  id: number;
  at: string;
  kind: Correction['kind'];
  correction: Correction;
  undone: boolean;
}

export interface ClusterStats {
  people: number;
  assigned: number;
  unassigned: number;
  created: number;
  seconds: number;
}

export interface PeopleApi {
  listPeople(opts?: { includeHidden?: boolean; query?: string }): PersonSummary[];
  getPerson(id: PersonId): PersonSummary | null;
  /** A person's faces, best first (user-assigned, then by quality, then by id); `offset`/`limit` page them. */
  personFaces(id: PersonId, opts?: { offset?: number; limit?: number }): FaceInfo[];
  /** Every face id of a person, in personFaces' order (cheap: ids only). */
  personFaceIds(id: PersonId): FaceId[];
  /**
   * The distinct photos of a person's faces ("not a face" excluded), newest taken first (undated
   * last), then by path; `offset`/`limit` page them.
   */
  personPhotos(id: PersonId, opts?: { offset?: number; limit?: number }): PersonPhoto[];
  /** Every photo id of a person, in personPhotos' order (cheap: ids only; its length is the count). */
  personPhotoIds(id: PersonId): PhotoId[];
  /** Faces in no person (not marked "not a face"), best quality first. */
  unassignedFaces(opts?: { offset?: number; limit?: number }): FaceInfo[];
  photo(id: PhotoId): PhotoInfo | null;
  face(id: FaceId): FaceInfo | null;
  /** For an unassigned (or any) face: the most likely people, best first. */
  suggestPeople(faceId: FaceId, k?: number): PersonSuggestion[];
  /** For a person: the unassigned faces most likely to be them ("Is this Anna?"). */
  suggestFaces(personId: PersonId, k?: number): FaceSuggestion[];
  /** People ranked by similarity to this one (for "merge with..."). */
  similarPeople(personId: PersonId, k?: number): PersonSuggestion[];
  correct(c: Correction): CorrectionResult;
  undo(): LoggedCorrection | null;
  redo(): LoggedCorrection | null;
  history(limit?: number): LoggedCorrection[];
  /** Assign new faces (after a scan) incrementally and cluster the unassigned pool. */
  update(): ClusterStats;
  /** Re-cluster everything from scratch, reproducing every user decision (blocks until done). */
  recluster(): ClusterStats;
  /**
   * The same re-cluster computed in a worker thread (the caller's event loop keeps turning); a
   * result the library outdated meanwhile is discarded and computed again. Rejects on abort
   * (AbortError) or failure with the library unchanged.
   */
  reclusterInWorker?(opts?: { signal?: AbortSignal }): Promise<ClusterStats>;
}
