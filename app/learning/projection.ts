/**
 * Keeps every face's stored 128 bytes in step with the active head: embedding = head(base). The
 * base embedding (the network's own vector) is kept, so adopting a head, rolling back, or a new
 * scan never runs the network again. Heads belong to an embedding model.
 */
import type Database from 'better-sqlite3';
import { getEmbedder } from '../faces/models/registry';
import { activeHeadId, headRecordBytes, BASE_HEAD } from '../store/heads-repo';
import {
  groupCounter,
  groupPage,
  maxFaceId,
  projectionWriter,
  recordBases,
  recordBasesInRange,
  staleHeads,
  type StoredHead,
} from '../store/projection-repo';
import type { ProjectionSync } from '../people/projection-sync';
import { decodeHeadRecord, type HeadRecord } from './record';
import { projectRows } from './head';
import { quantize } from '../faces/quantize';
import { NotFoundError } from '../contract/errors';

// The active head and a pending switch are data (app/store/heads-repo.ts); re-exported for the
// callers that think of them as the projection's state.
export { BASE_HEAD, activeHeadId, activeHeadThresholds, clearPendingSwitch, pendingSwitch, setActiveHeadId } from '../store/heads-repo';
export { STALENESS_QUERIES } from '../store/projection-repo';

export function loadHead(db: Database.Database, id: string): HeadRecord | null {
  if (id === BASE_HEAD) return null;
  const record = headRecordBytes(db, id);
  if (!record) throw new NotFoundError('head', `no head ${id}`);
  return decodeHeadRecord(record);
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

/** Where a run over the stale faces is: the stale head groups, the one being paged, the last id done in it. */
interface Cursor {
  heads: StoredHead[];
  i: number;
  after: number;
}

const cursorAt = (heads: StoredHead[]): Cursor => ({ heads, i: 0, after: 0 });

/** Faces whose ids one preparing step covers (range scans of an index, a few ms). */
const PREPARE_STEP = 50_000;

/**
 * Records the base of newly scanned faces and counts the stale ones, in id ranges with a turn of
 * the event loop between them (no scan of a large library in one go). Returns the count and a
 * cursor at the first stale face.
 */
async function prepareRun(db: Database.Database, model: string, t: Target): Promise<{ total: number; cursor: Cursor }> {
  const max = maxFaceId(db);
  const record = recordBasesInRange(db);
  for (let lo = 0; lo < max; lo += PREPARE_STEP) {
    record(model, lo, lo + PREPARE_STEP);
    if (lo + PREPARE_STEP < max) await new Promise(setImmediate);
  }
  const heads = staleHeads(db, model, t.stored);
  let total = 0;
  for (const head of heads) {
    const count = groupCounter(db, head);
    for (let lo = 0; lo < max; lo += PREPARE_STEP) {
      total += count(model, lo, lo + PREPARE_STEP);
      if (lo + PREPARE_STEP < max) await new Promise(setImmediate);
    }
  }
  return { total, cursor: cursorAt(heads) };
}

/**
 * Projects up to `limit` stale faces from `cursor` on, and moves it past them: one stale head group
 * after the other, each in id order (keyset pagination on the group's index, whose entries end
 * with the id: one page of base embeddings in memory, whatever the library's size). The caller
 * holds the transaction. Returns how many were done.
 */
function projectPage(db: Database.Database, t: Target, cursor: Cursor, limit: number): number {
  const rows: { id: number; base_embedding: Buffer }[] = [];
  while (rows.length < limit && cursor.i < cursor.heads.length) {
    const head = cursor.heads[cursor.i];
    if (head === undefined) break;
    const want = limit - rows.length;
    const got = groupPage(db, t.model, head, cursor.after, want);
    rows.push(...got);
    const last = got[got.length - 1];
    if (got.length < want || !last) {
      cursor.i++;
      cursor.after = 0;
    } else cursor.after = last.id;
  }
  const update = projectionWriter(db);
  const bytes = projectFaces(db, t, rows.map((f) => f.base_embedding));
  rows.forEach((f, i) => {
    const b = bytes[i];
    if (b) update(f.id, b, t.stored);
  });
  return rows.length;
}

/**
 * Re-projects the faces of `model` whose vectors are not those of the active head, synchronously
 * in one transaction (paged, so that a large catch-up never holds every base embedding at once).
 * For the few faces a scan adds; a head adopted or rolled back re-projects the library with
 * `reprojectInChunks`. With nothing stale (every update() and recluster() of a settled library)
 * it reads no face row: a few index seeks. Returns how many changed.
 */
export function syncProjections(db: Database.Database, model: string): number {
  recordBases(db, model);
  const t = target(db, model);
  const cursor = cursorAt(staleHeads(db, model, t.stored));
  if (!cursor.heads.length) return 0;
  return db.transaction(() => {
    let done = 0;
    for (;;) {
      const n = projectPage(db, t, cursor, 10_000);
      if (!n) return done;
      done += n;
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
 * docs/learning.md). Faces go group by group (those of one previous head, or of the base
 * network), in id order within a group. Stops cleanly on `signal`: whatever is left stays stale
 * for the next call or `syncProjections`. If the active head changes between chunks, the run
 * follows the new one. Returns how many faces were re-projected.
 */
export async function reprojectInChunks(db: Database.Database, model: string, opts: ReprojectOptions = {}): Promise<number> {
  const chunk = Math.max(1, Math.floor(opts.chunk ?? REPROJECT_CHUNK));
  if (opts.signal?.aborted) return 0;
  let t = target(db, model);
  let { total, cursor } = await prepareRun(db, model, t);
  let done = 0;
  for (;;) {
    if (opts.signal?.aborted) break;
    if (activeHeadId(db, model) !== t.id) {
      // Another head became active meanwhile: start over under it.
      t = target(db, model);
      const run = await prepareRun(db, model, t);
      cursor = run.cursor;
      total = done + run.total;
      continue;
    }
    if (done === 0 && total === 0) break;
    const n = db.transaction(() => projectPage(db, t, cursor, chunk))();
    if (!n) break;
    done += n;
    total = Math.max(total, done);
    opts.onProgress?.(done, total);
    await new Promise(setImmediate);
  }
  return done;
}

/**
 * The projection sync app/people uses (PeopleService's `projections` option): every face of a
 * model brought to the active head's vector before clustering reads them.
 */
export const projectionSync: ProjectionSync = { sync: syncProjections };
