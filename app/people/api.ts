/**
 * The people service's interface, as the engine, the CLI and tests drive it (implemented by
 * app/people/people-service.ts over the SQLite store and the clustering core).
 *
 * Every correction is one SQLite transaction that writes both the new state and an append-only log
 * entry carrying what is needed to undo it; corrections are never lost or silently undone by a
 * re-scan, a re-cluster, a model change, a crash or an upgrade.
 */
import type { Box } from '../contract/geometry';
import type { ClusterStats, Correction, CorrectionResult, FaceId, FaceInfo, FaceSuggestion, LoggedCorrection, ManualFace, MergeQueue, PeopleListOptions, PersonId, PersonPhoto, PersonSuggestion, PersonSummary, PhotoId, PhotoInfo } from '../contract/people';

/**
 * Analyses the face in a box of a photo with the library's model (app/library/drawn-face.ts
 * lazyFaceDrawer): handed in by whoever holds a face engine, so that people never loads one.
 */
export type DrawFace = (photoId: PhotoId, box: Box) => Promise<ManualFace>;

export interface PeopleApi {
  /** Embedding model whose faces are clustered (a drawn face must be of it). */
  readonly model: string;
  /** People in the People page's order and filter (default: named first, hidden people left out). */
  listPeople(opts?: PeopleListOptions): PersonSummary[];
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
  /**
   * Photos showing every one of `personIds` (2 or more live people); with `only`, no face of any
   * other live, not hidden person either (faces in no person and of hidden people do not count).
   * In personPhotos' order, each with the first person's best face; unknown people: NotFoundError.
   */
  photosTogether(personIds: PersonId[], opts?: { only?: boolean; offset?: number; limit?: number }): PersonPhoto[];
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
  /** "Same person?": pairs of people most likely one person, best first (app/people/merge-queue.ts), the first `limit` and the count. */
  suggestMerges(limit?: number): MergeQueue;
  /** Answers "Same person?": yes merges a and b (undoable merge), no records a not-same correction. */
  answerMerge(a: PersonId, b: PersonId, same: boolean): CorrectionResult;
  correct(c: Correction): CorrectionResult;
  undo(): LoggedCorrection | null;
  /**
   * Redoes the oldest undone correction. One that would put back a face drawn with another model
   * than the library's (drawn before a move to another face model) throws RedrawNeededError and
   * stays redoable: redoDrawing redoes it.
   */
  redo(): LoggedCorrection | null;
  /**
   * redo(), the faces the correction draws that are of another model first analysed again from
   * their boxes by `draw` (the library never holds vectors of two models).
   */
  redoDrawing?(draw: DrawFace): Promise<LoggedCorrection | null>;
  history(limit?: number): LoggedCorrection[];
  /** Assign new faces (after a scan) incrementally and cluster the unassigned pool. */
  update(): ClusterStats;
  /**
   * Faces no clustering has decided yet (scanned by `visage scan --no-cluster`, or by a version
   * that did not cluster after the command line's scans): update() puts them into people. `all`:
   * every face of the library is one of them (it was never clustered).
   */
  unclusteredFaces?(): { faces: number; all: boolean };
  /** A model switch waits for its re-group (an interrupted `visage reembed` or Settings move). */
  regroupPending?(): boolean;
  /** Re-cluster everything from scratch, reproducing every user decision (blocks until done). */
  recluster(): ClusterStats;
  /**
   * The same re-cluster computed in a worker thread (the caller's event loop keeps turning); a
   * result the library outdated meanwhile is discarded and computed again. Rejects on abort
   * (AbortError) or failure with the library unchanged.
   */
  reclusterInWorker?(opts?: { signal?: AbortSignal }): Promise<ClusterStats>;
}
