/**
 * The people feature's types that cross a process boundary (the app, the CLI and tests see them;
 * app/people/api.ts is the service interface that uses them).
 *
 * Every correction is one SQLite transaction that writes both the new state and an append-only log
 * entry carrying what is needed to undo it; corrections are never lost or silently undone by a
 * re-scan, a re-cluster, a model change, a crash or an upgrade.
 */
import type { Box, Point } from './geometry';

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
  /** Birth date 'YYYY-MM-DD' (null: unknown). */
  birthDate: string | null;
  /** The date of the person's most recent photo ('YYYY-MM-DD', PhotoInfo.date), null for none. */
  latestPhotoDate: string | null;
}

/**
 * The orders of the People page and `visage people --sort` (app/people/people-list-order.ts sorts):
 * named people first (the default), most photos, by name (unnamed last), most recent photo.
 */
export const PEOPLE_SORTS = ['named-first', 'photos', 'name', 'recent'] as const;
export type PeopleSort = (typeof PEOPLE_SORTS)[number];

/** Its filters (`--filter`): everyone, the named, the unnamed, or the hidden people only. */
export const PEOPLE_FILTERS = ['all', 'named', 'unnamed', 'hidden'] as const;
export type PeopleFilter = (typeof PEOPLE_FILTERS)[number];

/** Which people people.list gives, in which order. */
export interface PeopleListOptions {
  /** Hidden people too (the 'hidden' filter gives only them, with or without this). */
  includeHidden?: boolean;
  /** Name search: case- and accent-insensitive; an unnamed person is found as "unnamed". */
  query?: string;
  /** Default 'named-first'. */
  sort?: PeopleSort;
  /** Default 'all'. */
  filter?: PeopleFilter;
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
  /** The person's birth date ('YYYY-MM-DD'), null when unknown or in no person. */
  personBirthDate: string | null;
  /** Drawn by the user ("draw a face by hand"): kept by re-scans. */
  manual: boolean;
}

/** A person tagged on a photo without a face (back of the head, far away). */
export interface PhotoTag {
  personId: PersonId;
  name: string | null;
}

export interface PhotoInfo {
  id: PhotoId;
  path: string;
  width: number;
  height: number;
  takenAt: string | null;
  /** The photo's date 'YYYY-MM-DD' that ages are counted at: the EXIF date taken, else the file's date. */
  date: string;
  faces: FaceInfo[];
  /** People on the photo whose face is not visible ("Add a person without a face"). */
  tags: PhotoTag[];
  /**
   * Whether the photo's file is there (set by the engine when it answers people.photo): 'offline'
   * when its library folder is unplugged or unreachable (or an empty mount point): the photo stays
   * in the library and comes back with the folder; 'missing' when the folder is there but the file
   * is not (moved or deleted since the last scan).
   */
  file?: 'here' | 'offline' | 'missing';
}

/** A photo of a person, with the person's best face in it (the one people.faces lists first). */
export interface PersonPhoto {
  id: PhotoId;
  path: string;
  width: number;
  height: number;
  takenAt: string | null;
  /** As PhotoInfo.date. */
  date: string;
  /** The face to open the photo on; null for a photo the person is tagged on without a face. */
  faceId: FaceId | null;
  /** The person is on this photo without a visible face (a tag, no face of theirs in it). */
  noFace: boolean;
}

export interface PersonSuggestion {
  personId: PersonId;
  name: string | null;
  similarity: number;
}

/** One "Same person?" question: two people the merge queue asks about (app/people/merge-queue.ts). */
export interface MergeSuggestion {
  a: PersonSummary;
  b: PersonSummary;
  /** Average linkage of the two albums: mean cosine over every pair of their faces (-1..1). */
  similarity: number;
}

/** The merge queue: the first `limit` pairs, best first, and how many pairs it holds in all. */
export interface MergeQueue {
  pairs: MergeSuggestion[];
  total: number;
}

export interface FaceSuggestion {
  faceId: FaceId;
  similarity: number;
}

/**
 * A face the user drew, as analysed (app/faces/pipeline.ts analyseBox), kept in its 'add-face'
 * correction so that a redo puts the same face back.
 */
export interface ManualFace {
  /** Full-resolution upright pixels. */
  box: Box;
  score: number;
  landmarks: Point[];
  quality: { size: number; sharpness: number; yaw: number; pitch: number; roll: number; score: number };
  /** The 128-byte int8 embedding, base64. */
  embedding: string;
  modelId: string;
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
  /** Sets (YYYY-MM-DD) or clears (null) a person's birth date. */
  | { kind: 'birthday'; personId: PersonId; birthDate: string | null }
  /** Hides every unnamed person (shown in the list) with at most `maxPhotos` photos. */
  | { kind: 'hide-small'; maxPhotos: number }
  /** A face the user drew on a photo (faces.add), optionally put in a person at once. Undo deletes it. */
  | { kind: 'add-face'; photoId: PhotoId; face: ManualFace; personId?: PersonId }
  /** The person (`personId`, or a new person named `name`) is on the photo without a visible face. */
  | { kind: 'tag-photo'; photoId: PhotoId; personId?: PersonId; name?: string }
  /** Removes such a tag. */
  | { kind: 'untag-photo'; photoId: PhotoId; personId: PersonId }
  /**
   * "Same person?" answered No: people `a` and `b` are two people for good. Each one's faces now
   * reject the other (permanent cannot-links, anchored on the faces, so re-clusters that renumber
   * people keep it); the merge queue never offers the pair again. Undoing it lifts them.
   */
  | { kind: 'not-same'; a: PersonId; b: PersonId }
  /** Decisions restored from an export file or XMP sidecars (app/people/import-export.ts). */
  | { kind: 'import'; source: string; plan: ImportPlan };

/**
 * What an import applies, in library face ids. Persons are given by a key of the import
 * (`ref`): a new person is created for each, unless `existingId` names one of this library.
 */
export interface ImportPlan {
  persons: { ref: string; existingId?: PersonId; name: string | null; hidden: boolean; birthDate?: string | null }[];
  assignments: { faceId: FaceId; person: string; source: 'user' | 'machine'; confirmed: boolean }[];
  rejections: { faceId: FaceId; person: string }[];
  notAFace: FaceId[];
  covers: { person: string; faceId: FaceId }[];
  /**
   * Whole persons of this library merged into a plan person (as the merge correction does): an
   * unnamed person whose tagged faces all carry a name that another person already has
   * (app/interop/name-tags.ts). Absent in plans logged before it existed.
   */
  merges?: { person: string; sourceId: PersonId }[];
  /** Faces drawn by hand in the source that this library lacks: added (analysed from their box). */
  addFaces?: { photoId: PhotoId; face: ManualFace; person: string | null; source: 'user' | 'machine'; confirmed: boolean }[];
  /** People on photos without a face. */
  tags?: { photoId: PhotoId; person: string }[];
}

export interface CorrectionResult {
  /** Id of the log entry (for undo). */
  correctionId: number;
  /** Faces the correction added (add-face, an import of drawn faces). */
  faceIds?: FaceId[];
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
