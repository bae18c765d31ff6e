/** Stored rows as the JSON the CLI prints and the app receives (camelCase, parsed fields). */
import type { ErrorRow, FaceRow, PhotoRow } from './types';

export function photoJson(p: PhotoRow, faceCount?: number) {
  return {
    id: p.id,
    path: p.path,
    hash: p.hash,
    size: p.size,
    mtimeMs: p.mtime_ms,
    width: p.width,
    height: p.height,
    orientation: p.orientation,
    format: p.format,
    takenAt: p.taken_at,
    cameraMake: p.camera_make,
    cameraModel: p.camera_model,
    gps: p.gps_lat !== null && p.gps_lon !== null ? { lat: p.gps_lat, lon: p.gps_lon } : null,
    indexedAt: p.indexed_at,
    ...(faceCount !== undefined ? { faces: faceCount } : {}),
  };
}

export function faceJson(f: FaceRow & { path?: string }, encoding: 'base64' | 'hex' = 'base64') {
  return {
    id: f.id,
    photoId: f.photo_id,
    ...(f.path !== undefined ? { path: f.path } : {}),
    box: { x: f.x, y: f.y, width: f.w, height: f.h },
    score: f.score,
    landmarks: JSON.parse(f.landmarks) as [number, number][],
    quality: {
      size: f.q_size,
      sharpness: f.q_sharpness,
      yaw: f.q_yaw,
      pitch: f.q_pitch,
      roll: f.q_roll,
      score: f.q_score,
    },
    modelId: f.model_id,
    embedding: f.embedding.toString(encoding),
    embeddingEncoding: encoding,
  };
}

export function errorJson(e: ErrorRow) {
  return { path: e.path, code: e.code, message: e.message, at: e.at };
}
