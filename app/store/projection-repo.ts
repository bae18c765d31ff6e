/**
 * The faces' projection columns (schema v5): `base_embedding` (the network's own 128 bytes, kept)
 * and `head_id` (the head `embedding` was projected with; NULL for the base network). The
 * staleness lookups app/learning/projection.ts runs to keep every face under the active head, each
 * answered from an index.
 */
import type Database from 'better-sqlite3';

/** `faces.head_id` of a group of faces: a head's id, or NULL for the base network's own vectors. */
export type StoredHead = string | null;

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
  /** The drawn faces among those recordBases is about to record (drawn faces a scan analysed again). */
  unrecordedDrawn: 'SELECT id FROM faces INDEXED BY faces_no_base WHERE base_embedding IS NULL AND head_id IS NULL AND model_id = @model AND manual = 1 ORDER BY id',
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
  SQL.unrecordedDrawn,
  SQL.baseInUse,
  SQL.firstHead,
  SQL.nextHead,
  SQL.count(null),
  SQL.count('head'),
  SQL.page(null),
  SQL.page('head'),
];

/** Records the base of the model's newly scanned faces (all of them). */
export function recordBases(db: Database.Database, model: string): void {
  db.prepare(SQL.recordBases).run({ model });
}

/**
 * The model's drawn faces whose base is not recorded yet, by id: those a scan analysed again in
 * place (FacesRepo.replaceDetected), which keep an id an index may hold. (A scan's new faces are
 * unrecorded too, but under new ids no index holds: not listed, so that the check after a large
 * scan does not read every new face.)
 */
export function unrecordedDrawnFaces(db: Database.Database, model: string): number[] {
  return db.prepare<{ model: string }, { id: number }>(SQL.unrecordedDrawn).all({ model }).map((r) => r.id);
}

/** recordBases for the faces with ids in (lo, hi]; prepared once for a run over id ranges. */
export function recordBasesInRange(db: Database.Database): (model: string, lo: number, hi: number) => void {
  const record = db.prepare<{ model: string; lo: number; hi: number }>(`${SQL.recordBases} AND id > @lo AND id <= @hi`);
  return (model, lo, hi) => void record.run({ model, lo, hi });
}

/** The highest face id (0 for none). */
export function maxFaceId(db: Database.Database): number {
  return db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM faces').get()?.m ?? 0;
}

/**
 * The groups of stale faces of `model`: the head_id values its faces carry other than `active`'s
 * (NULL: the base network). A library holds a handful of heads, so this is a few index seeks,
 * whatever the number of faces.
 */
export function staleHeads(db: Database.Database, model: string, active: StoredHead): StoredHead[] {
  const heads: StoredHead[] = [];
  if (db.prepare(SQL.baseInUse).get({ model })) heads.push(null);
  const next = db.prepare<{ model: string; head: string }, { h: string | null }>(SQL.nextHead);
  const first = db.prepare<{ model: string }, { h: string | null }>(SQL.firstHead);
  for (let h = first.get({ model })?.h ?? null; h !== null; h = next.get({ model, head: h })?.h ?? null) heads.push(h);
  return heads.filter((h) => h !== active);
}

/** Counts a group's faces in id ranges; prepared once for a run over id ranges. */
export function groupCounter(db: Database.Database, head: StoredHead): (model: string, lo: number, hi: number) => number {
  const count = db.prepare<{ model: string; head: StoredHead; lo: number; hi: number }, { n: number }>(SQL.count(head));
  return (model, lo, hi) => count.get({ model, head, lo, hi })?.n ?? 0;
}

/** Up to `limit` faces of a group after id `after`, in id order, with their base embeddings. */
export function groupPage(db: Database.Database, model: string, head: StoredHead, after: number, limit: number): { id: number; base_embedding: Buffer }[] {
  return db
    .prepare<{ model: string; head: StoredHead; after: number; limit: number }, { id: number; base_embedding: Buffer }>(SQL.page(head))
    .all({ model, head, after, limit });
}

/** Stores faces' projected bytes and the head they were projected with; prepared once for a page. */
export function projectionWriter(db: Database.Database): (id: number, embedding: Buffer, head: StoredHead) => void {
  const update = db.prepare('UPDATE faces SET embedding = ?, head_id = ? WHERE id = ?');
  return (id, embedding, head) => void update.run(embedding, head, id);
}
