/**
 * Keeps every face's stored 128 bytes in step with the active head: embedding = head(base). The
 * base embedding (the network's own vector) is kept, so adopting a head, rolling back, or a new
 * scan never runs the network again. Heads belong to an embedding model.
 */
import type Database from 'better-sqlite3';
import { getEmbedder } from '../models/registry';
import { getSetting, setSetting } from '../store/settings';
import { decodeHeadRecord, type HeadRecord } from './record';
import { projectRows } from './head';
import { quantize } from '../vision/quantize';

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
 * Faces per transaction of a chunked re-projection: ~50 ms of work with a linear head on a 2-core
 * machine (scripts/bench-reproject.js), the longest the engine stops answering meanwhile.
 */
export const REPROJECT_CHUNK = 2000;

/** The head faces of a model should carry now; its record is loaded at the first face to project. */
interface Target {
  /** The active head's id ('base' for the network itself). */
  id: string;
  /** What `faces.head_id` holds for it (NULL for the base). */
  stored: string | null;
  model: string;
  loaded?: { head: HeadRecord | null; scale: number };
}

function target(db: Database.Database, model: string): Target {
  const id = activeHeadId(db, model);
  return { id, stored: id === BASE_HEAD ? null : id, model };
}

/**
 * The stored 128 bytes of faces under `t`: their base bytes themselves, or head(base) quantised.
 * One batch through the head (rows are independent: the same bytes as one face at a time).
 */
function projectFaces(db: Database.Database, t: Target, bases: Buffer[]): Buffer[] {
  if (!bases.length) return bases;
  const { head, scale } = (t.loaded ??= { head: loadHead(db, t.id), scale: getEmbedder(t.model).quantScale });
  if (!head) return bases;
  const x = new Float32Array(bases.length * 128);
  bases.forEach((b, i) => x.set(baseVector(b, scale), i * 128));
  const y = projectRows(head.shape, head.weights, x, bases.length);
  return bases.map((_, i) => {
    const q = quantize(y.subarray(i * 128, (i + 1) * 128), scale);
    return Buffer.from(q.buffer, q.byteOffset, 128);
  });
}

const STALE = 'model_id = @model AND base_embedding IS NOT NULL AND head_id IS NOT @active';
/** Faces inserted by a scan carry only `embedding` (the base): record it as their base. */
const RECORD_BASES = 'UPDATE faces SET base_embedding = embedding WHERE base_embedding IS NULL AND head_id IS NULL AND model_id = @model';

/** Faces whose ids one preparing step covers (range scans of the primary key, a few ms). */
const PREPARE_STEP = 50_000;

/**
 * Records the base of newly scanned faces and counts the stale ones, in id ranges with a turn of
 * the event loop between them (no full-table scan in one go on a large library).
 */
async function prepareRun(db: Database.Database, model: string, t: Target): Promise<number> {
  const max = db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM faces').get()!.m ?? 0;
  const record = db.prepare<{ model: string; lo: number; hi: number }>(`${RECORD_BASES} AND id > @lo AND id <= @hi`);
  const count = db.prepare<{ model: string; active: string | null; lo: number; hi: number }, { n: number }>(
    `SELECT COUNT(*) AS n FROM faces WHERE ${STALE} AND id > @lo AND id <= @hi`,
  );
  let n = 0;
  for (let lo = 0; lo < max; lo += PREPARE_STEP) {
    const range = { model, lo, hi: lo + PREPARE_STEP };
    record.run(range);
    n += count.get({ ...range, active: t.stored })!.n;
    if (lo + PREPARE_STEP < max) await new Promise(setImmediate);
  }
  return n;
}

/**
 * Projects up to `limit` stale faces with ids above `after` (keyset pagination on the primary key:
 * one page of base embeddings in memory, whatever the library's size). The caller holds the
 * transaction. Returns how many were done and the last id (the next page's `after`).
 */
function projectPage(db: Database.Database, model: string, t: Target, after: number, limit: number): { n: number; last: number } {
  const rows = db
    .prepare<{ model: string; active: string | null; after: number; limit: number }, { id: number; base_embedding: Buffer }>(
      `SELECT id, base_embedding FROM faces WHERE ${STALE} AND id > @after ORDER BY id LIMIT @limit`,
    )
    .all({ model, active: t.stored, after, limit });
  const update = db.prepare('UPDATE faces SET embedding = ?, head_id = ? WHERE id = ?');
  const bytes = projectFaces(db, t, rows.map((f) => f.base_embedding));
  rows.forEach((f, i) => update.run(bytes[i], t.stored, f.id));
  return { n: rows.length, last: rows.length ? rows[rows.length - 1]!.id : after };
}

/**
 * Re-projects the faces of `model` whose vectors are not those of the active head, synchronously
 * in one transaction (paged, so that a large catch-up never holds every base embedding at once).
 * For the few faces a scan adds; a head adopted or rolled back re-projects the library with
 * `reprojectInChunks`. Returns how many changed.
 */
export function syncProjections(db: Database.Database, model: string): number {
  db.prepare(RECORD_BASES).run({ model });
  const t = target(db, model);
  return db.transaction(() => {
    let done = 0;
    for (let after = 0; ; ) {
      const page = projectPage(db, model, t, after, 10_000);
      if (!page.n) return done;
      done += page.n;
      after = page.last;
    }
  })();
}

export interface ReprojectOptions {
  /** Faces per transaction (default REPROJECT_CHUNK). */
  chunk?: number;
  /** Stops before the next chunk: faces done keep the new head, the rest stay stale. */
  signal?: AbortSignal;
  /** After each chunk: faces done so far, of the faces stale at the start (or more, if faces came in). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Re-projects every stale face of `model` (head_id is not the active head) in chunks, one
 * transaction each, yielding to the event loop between chunks: the engine keeps answering while a
 * large library moves to a new head (old and new vectors are comparable meanwhile, see
 * docs/learning.md). Stops cleanly on `signal`: whatever is left stays stale for the next call or
 * `syncProjections`. If the active head changes between chunks, the run follows the new one.
 * Returns how many faces were re-projected.
 */
export async function reprojectInChunks(db: Database.Database, model: string, opts: ReprojectOptions = {}): Promise<number> {
  const chunk = Math.max(1, Math.floor(opts.chunk ?? REPROJECT_CHUNK));
  if (opts.signal?.aborted) return 0;
  let t = target(db, model);
  let total = await prepareRun(db, model, t);
  let done = 0;
  let after = 0;
  for (;;) {
    if (opts.signal?.aborted) break;
    if (activeHeadId(db, model) !== t.id) {
      // Another head became active meanwhile: start over under it.
      t = target(db, model);
      after = 0;
      total = done + (await prepareRun(db, model, t));
      continue;
    }
    if (done === 0 && total === 0) break;
    const page = db.transaction(() => projectPage(db, model, t, after, chunk))();
    if (!page.n) break;
    done += page.n;
    after = page.last;
    total = Math.max(total, done);
    opts.onProgress?.(done, total);
    await new Promise(setImmediate);
  }
  return done;
}

/** Thresholds re-calibrated for the active head (stored with it), or none for the base network. */
export function activeHeadThresholds(db: Database.Database, model: string): { cluster?: number; assign?: number; suggest?: number } {
  const id = activeHeadId(db, model);
  if (id === BASE_HEAD) return {};
  const r = db.prepare<[string], { summary: string }>('SELECT summary FROM heads WHERE id = ?').get(id);
  if (!r) return {};
  return (JSON.parse(r.summary) as { thresholds?: { cluster?: number; assign?: number; suggest?: number } }).thresholds ?? {};
}
