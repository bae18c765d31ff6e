/**
 * Keeps every face's stored 128 bytes in step with the active head: embedding = head(base). The
 * base embedding (the network's own vector) is kept, so adopting a head, rolling back, or a new
 * scan never runs the network again. Heads belong to an embedding model.
 */
import type Database from 'better-sqlite3';
import { getEmbedder } from '../models/registry';
import { getSetting, setSetting } from '../store/settings';
import { decodeHeadRecord, type HeadRecord } from './record';
import { projectQuantized } from './head';

export const BASE_HEAD = 'base';

const activeKey = (model: string) => `learning.activeHead.${model}`;

export function activeHeadId(db: Database.Database, model: string): string {
  return getSetting(db, activeKey(model)) ?? BASE_HEAD;
}

export function setActiveHeadId(db: Database.Database, model: string, id: string): void {
  setSetting(db, activeKey(model), id);
}

export function loadHead(db: Database.Database, id: string): HeadRecord | null {
  if (id === BASE_HEAD) return null;
  const r = db.prepare<[string], { record: Buffer }>('SELECT record FROM heads WHERE id = ?').get(id);
  if (!r) throw new Error(`no head ${id}`);
  return decodeHeadRecord(r.record);
}

/** Base vector of a face as floats (the int8 bytes scaled back). */
export function baseVector(bytes: Buffer, scale: number): Float32Array {
  const v = new Float32Array(128);
  for (let i = 0; i < 128; i++) v[i] = (((bytes[i]! << 24) >> 24) * scale) / 127;
  return v;
}

/**
 * Re-projects the faces of `model` whose vectors are not those of the active head. Returns how
 * many changed. Cheap when nothing is out of date (one indexed query).
 */
export function syncProjections(db: Database.Database, model: string): number {
  const active = activeHeadId(db, model);
  // Faces inserted by a scan carry only `embedding` (the base): record it as their base.
  db.prepare('UPDATE faces SET base_embedding = embedding WHERE base_embedding IS NULL AND head_id IS NULL AND model_id = ?').run(model);
  const stale = db
    .prepare<{ model: string; active: string | null }, { id: number; base_embedding: Buffer }>(
      'SELECT id, base_embedding FROM faces WHERE model_id = @model AND base_embedding IS NOT NULL AND head_id IS NOT @active',
    )
    .all({ model, active: active === BASE_HEAD ? null : active });
  if (!stale.length) return 0;
  const head = loadHead(db, active);
  const scale = getEmbedder(model).quantScale;
  const update = db.prepare('UPDATE faces SET embedding = ?, head_id = ? WHERE id = ?');
  db.transaction(() => {
    for (const f of stale) {
      if (!head) {
        update.run(f.base_embedding, null, f.id);
      } else {
        const q = projectQuantized(head.shape, head.weights, baseVector(f.base_embedding, scale), scale);
        update.run(Buffer.from(q.buffer, q.byteOffset, 128), active, f.id);
      }
    }
  })();
  return stale.length;
}

/** Thresholds re-calibrated for the active head (stored with it), or none for the base network. */
export function activeHeadThresholds(db: Database.Database, model: string): { cluster?: number; assign?: number; suggest?: number } {
  const id = activeHeadId(db, model);
  if (id === BASE_HEAD) return {};
  const r = db.prepare<[string], { summary: string }>('SELECT summary FROM heads WHERE id = ?').get(id);
  if (!r) return {};
  return (JSON.parse(r.summary) as { thresholds?: { cluster?: number; assign?: number; suggest?: number } }).thresholds ?? {};
}
