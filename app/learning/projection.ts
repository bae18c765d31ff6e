/**
 * Keeps every face's stored 128 bytes in step with the active head: embedding = head(base). The
 * base embedding (the network's own vector) is kept, so adopting a head, rolling back, or a new
 * scan never runs the network again. Heads belong to an embedding model.
 */
import type Database from 'better-sqlite3';
import { getEmbedder } from '../faces/models/registry';
import { deleteSetting, getSetting, setSetting } from '../store/settings';
import { decodeHeadRecord, type HeadRecord } from './record';
import { projectRows } from './head';
import { quantize } from '../faces/quantize';
import { NotFoundError } from '../contract/errors';

export const BASE_HEAD = 'base';

const activeKey = (model: string) => `learning.activeHead.${model}`;

export function activeHeadId(db: Database.Database, model: string): string {
  return getSetting(db, activeKey(model)) ?? BASE_HEAD;
}

/**
 * A head switch not finished yet: set with the active head, cleared by the re-cluster that follows
 * the re-projection (PeopleService.recluster or reclusterInWorker, in the transaction that persists it). An engine that closed or crashed
 * in between finds it at its next start and finishes the job (LearningService.resumePending).
 */
const pendingKey = (model: string) => `learning.pendingSwitch.${model}`;

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

export function loadHead(db: Database.Database, id: string): HeadRecord | null {
  if (id === BASE_HEAD) return null;
  const r = db.prepare<[string], { record: Buffer }>('SELECT record FROM heads WHERE id = ?').get(id);
  if (!r) throw new NotFoundError('head', `no head ${id}`);
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

/** `faces.head_id` of a group of faces: a head's id, or NULL for the base network's own vectors. */
type StoredHead = string | null;

/**
 * The faces of one head group, through its partial index (schema v5): faces_head holds the faces
 * projected with a head, faces_no_head those carrying the base network's vector. NULL and a head's
 * id are written out differently (a bound NULL could not select a partial index).
 */
const group = (head: StoredHead) =>
  head === null ? 'faces INDEXED BY faces_no_head WHERE head_id IS NULL' : 'faces INDEXED BY faces_head WHERE head_id = @head';

/**
 * The staleness lookups. A face is stale when its head_id is not the active head's. Each lookup is
 * answered from an index, never by a scan of the faces table: with nothing stale (every update()
 * and recluster() of a settled library) no face row is read. INDEXED BY keeps these plans whatever
 * statistics the planner has (after an ANALYZE it would count a group's id range by reading the
 * table's rows), and a statement fails outright if its index were missing.
 */
const SQL = {
  /**
   * Faces inserted by a scan carry only `embedding` (the base): record it as their base, through
   * faces_no_base, which holds only the faces of the last scan (faces_no_head holds every face of
   * the base network).
   */
  recordBases:
    'UPDATE faces INDEXED BY faces_no_base SET base_embedding = embedding WHERE base_embedding IS NULL AND head_id IS NULL AND model_id = @model',
  /** Whether some face of the model carries the base network's vector. */
  baseInUse: `SELECT 1 FROM ${group(null)} AND model_id = @model LIMIT 1`,
  /** The heads faces of the model carry, one after the other (MIN on an index: one seek). */
  firstHead: 'SELECT MIN(head_id) AS h FROM faces INDEXED BY faces_head WHERE model_id = @model AND head_id IS NOT NULL',
  nextHead: 'SELECT MIN(head_id) AS h FROM faces INDEXED BY faces_head WHERE model_id = @model AND head_id > @head',
  /** Faces of a group in an id range. */
  count: (head: StoredHead) => `SELECT COUNT(*) AS n FROM ${group(head)} AND model_id = @model AND id > @lo AND id <= @hi`,
  /** A page of a group in id order (the index entries end with the id: keyset pagination). */
  page: (head: StoredHead) =>
    `SELECT id, base_embedding FROM ${group(head)} AND model_id = @model AND base_embedding IS NOT NULL AND id > @after ORDER BY id LIMIT @limit`,
};

/** Every staleness lookup as it runs (test/unit/learning-reproject.test.ts checks each one's query plan). */
export const STALENESS_QUERIES: readonly string[] = [
  SQL.recordBases,
  `${SQL.recordBases} AND id > @lo AND id <= @hi`,
  SQL.baseInUse,
  SQL.firstHead,
  SQL.nextHead,
  SQL.count(null),
  SQL.count('head'),
  SQL.page(null),
  SQL.page('head'),
];

/**
 * The groups of stale faces of `model`: the head_id values its faces carry other than `active`'s
 * (NULL: the base network). A library holds a handful of heads, so this is a few index seeks,
 * whatever the number of faces.
 */
function staleHeads(db: Database.Database, model: string, active: StoredHead): StoredHead[] {
  const heads: StoredHead[] = [];
  if (db.prepare(SQL.baseInUse).get({ model })) heads.push(null);
  const next = db.prepare<{ model: string; head: string }, { h: string | null }>(SQL.nextHead);
  const first = db.prepare<{ model: string }, { h: string | null }>(SQL.firstHead);
  for (let h = first.get({ model })!.h; h !== null; h = next.get({ model, head: h })!.h) heads.push(h);
  return heads.filter((h) => h !== active);
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
  const max = db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM faces').get()!.m ?? 0;
  const record = db.prepare<{ model: string; lo: number; hi: number }>(`${SQL.recordBases} AND id > @lo AND id <= @hi`);
  for (let lo = 0; lo < max; lo += PREPARE_STEP) {
    record.run({ model, lo, hi: lo + PREPARE_STEP });
    if (lo + PREPARE_STEP < max) await new Promise(setImmediate);
  }
  const heads = staleHeads(db, model, t.stored);
  let total = 0;
  for (const head of heads) {
    const count = db.prepare<{ model: string; head: StoredHead; lo: number; hi: number }, { n: number }>(SQL.count(head));
    for (let lo = 0; lo < max; lo += PREPARE_STEP) {
      total += count.get({ model, head, lo, hi: lo + PREPARE_STEP })!.n;
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
    const head = cursor.heads[cursor.i]!;
    const want = limit - rows.length;
    const got = db
      .prepare<{ model: string; head: StoredHead; after: number; limit: number }, { id: number; base_embedding: Buffer }>(SQL.page(head))
      .all({ model: t.model, head, after: cursor.after, limit: want });
    rows.push(...got);
    if (got.length < want) {
      cursor.i++;
      cursor.after = 0;
    } else cursor.after = got[got.length - 1]!.id;
  }
  const update = db.prepare('UPDATE faces SET embedding = ?, head_id = ? WHERE id = ?');
  const bytes = projectFaces(db, t, rows.map((f) => f.base_embedding));
  rows.forEach((f, i) => update.run(bytes[i], t.stored, f.id));
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
  db.prepare(SQL.recordBases).run({ model });
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

/** Thresholds re-calibrated for the active head (stored with it), or none for the base network. */
export function activeHeadThresholds(db: Database.Database, model: string): { cluster?: number; assign?: number; suggest?: number } {
  const id = activeHeadId(db, model);
  if (id === BASE_HEAD) return {};
  const r = db.prepare<[string], { summary: string }>('SELECT summary FROM heads WHERE id = ?').get(id);
  if (!r) return {};
  return (JSON.parse(r.summary) as { thresholds?: { cluster?: number; assign?: number; suggest?: number } }).thresholds ?? {};
}
