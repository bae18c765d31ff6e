/** Row shapes of the library database, as the repositories return them. */

export interface PhotoRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  mtime_ms: number;
  width: number;
  height: number;
  orientation: number;
  format: string | null;
  taken_at: string | null;
  camera_make: string | null;
  camera_model: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  /** The detector revision that found its faces (app/faces/detect.ts DETECTOR_REV; 0: before revisions were kept). */
  detector_rev: number;
  indexed_at: string;
}

/** What the scanner hands the store for one photo (everything but the id and time). */
export type NewPhoto = Omit<PhotoRow, 'id' | 'indexed_at'>;

export interface FaceRow {
  id: number;
  photo_id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  landmarks: string;
  embedding: Buffer;
  model_id: string;
  q_size: number | null;
  q_sharpness: number | null;
  q_yaw: number | null;
  q_pitch: number | null;
  q_roll: number | null;
  q_score: number | null;
  not_a_face?: number;
  /** 1: drawn by the user (kept by re-scans). */
  manual?: number;
}

export interface ErrorRow {
  id: number;
  path: string;
  code: string;
  message: string;
  at: string;
  size: number | null;
  mtime_ms: number | null;
}

export type JobState = 'pending' | 'done' | 'failed';

export interface JobRow {
  id: number;
  scan_id: number;
  path: string;
  size: number;
  mtime_ms: number;
  state: JobState;
  attempts: number;
}

export interface ScanRow {
  id: number;
  roots: string;
  started_at: string;
  walk_done: number;
  finished_at: string | null;
}

export interface PersonRow {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  created_at: string;
  user_named: number;
  merged_into: number | null;
  /** 'YYYY-MM-DD' or null; absent in rows a correction logged before schema v7. */
  birth_date?: string | null;
}

export interface CorrectionRow {
  id: number;
  at: string;
  kind: string;
  payload: string;
  undone: number;
}
