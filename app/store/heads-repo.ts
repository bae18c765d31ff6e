/**
 * Learned heads (schema v5 `heads`: every trained head with its record and figures) and which one
 * each embedding model uses: the active head and a head switch not finished yet, kept in the
 * settings table. Pure data: the head math is app/learning's.
 */
import type Database from 'better-sqlite3';
import { deleteSetting, getSetting, setSetting } from './settings';

/** The id of "no head": the embedding network's own vectors. */
export const BASE_HEAD = 'base';

const activeKey = (model: string) => `learning.activeHead.${model}`;

/**
 * A head switch not finished yet: set with the active head, cleared by the re-cluster that follows
 * the re-projection (PeopleService.recluster or reclusterInWorker, in the transaction that persists
 * it). An engine that closed or crashed in between finds it at its next start and finishes the job
 * (LearningService.resumePending).
 */
const pendingKey = (model: string) => `learning.pendingSwitch.${model}`;

export function activeHeadId(db: Database.Database, model: string): string {
  return getSetting(db, activeKey(model)) ?? BASE_HEAD;
}

/**
 * Makes `id` the active head of `model`, recording in the same transaction that the library is
 * to be re-projected and people re-clustered (`pendingSwitch`).
 */
export function setActiveHeadId(db: Database.Database, model: string, id: string): void {
  db.transaction(() => {
    setSetting(db, activeKey(model), id);
    setSetting(db, pendingKey(model), id);
  })();
}

/**
 * The head `model`'s library was switched to whose re-projection and re-cluster have not finished
 * (the engine stopped in between, or they are running now), or null.
 */
export function pendingSwitch(db: Database.Database, model: string): string | null {
  return getSetting(db, pendingKey(model));
}

/** The switch is done: every face re-projected and people re-clustered (call in the re-cluster's transaction). */
export function clearPendingSwitch(db: Database.Database, model: string): void {
  deleteSetting(db, pendingKey(model));
}

/** Clustering thresholds re-calibrated for a head (kept in its summary, app/learning/calibrate.ts). */
export interface HeadThresholds {
  cluster?: number;
  assign?: number;
  suggest?: number;
}

/** The thresholds stored with the active head, or none for the base network (or a head without them). */
export function activeHeadThresholds(db: Database.Database, model: string): HeadThresholds {
  const id = activeHeadId(db, model);
  if (id === BASE_HEAD) return {};
  const r = db.prepare<[string], { summary: string }>('SELECT summary FROM heads WHERE id = ?').get(id);
  if (!r) return {};
  return (JSON.parse(r.summary) as { thresholds?: HeadThresholds }).thresholds ?? {};
}

/** A head's encoded record (app/learning/record.ts), or undefined for no such head. */
export function headRecordBytes(db: Database.Database, id: string): Buffer | undefined {
  return db.prepare<[string], { record: Buffer }>('SELECT record FROM heads WHERE id = ?').get(id)?.record;
}

export interface HeadRow {
  id: string;
  model_id: string;
  version: number;
  parent: string | null;
  created_at: string;
  adopted: number;
  /** JSON: the head's figures and re-calibrated thresholds (LearningService). */
  summary: string;
}

/** Every head of a model, newest first. */
export function headRows(db: Database.Database, model: string): HeadRow[] {
  return db
    .prepare<[string], HeadRow>('SELECT id, model_id, version, parent, created_at, adopted, summary FROM heads WHERE model_id = ? ORDER BY created_at DESC, version DESC')
    .all(model);
}

/** The highest version of a model's heads (0 for none). */
export function maxHeadVersion(db: Database.Database, model: string): number {
  return db.prepare<[string], { v: number | null }>('SELECT MAX(version) AS v FROM heads WHERE model_id = ?').get(model)?.v ?? 0;
}

export function headExists(db: Database.Database, id: string, model: string): boolean {
  return !!db.prepare<[string, string], { id: string }>('SELECT id FROM heads WHERE id = ? AND model_id = ?').get(id, model);
}

export function insertHead(
  db: Database.Database,
  h: { id: string; model: string; version: number; parent: string | null; createdAt: string; adopted: boolean; record: Buffer | Uint8Array; summary: string },
): void {
  db.prepare('INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    h.id,
    h.model,
    h.version,
    h.parent,
    h.createdAt,
    h.adopted ? 1 : 0,
    h.record,
    h.summary,
  );
}
