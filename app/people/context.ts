/**
 * What the parts of the people service share (app/people/people-service.ts builds it): the
 * database and its repositories, the model whose faces are clustered, its thresholds now, the
 * projection sync, and the library's fingerprint that tells whether a re-cluster or an index
 * built from the database is still of the library as it is.
 */
import type Database from 'better-sqlite3';
import type { ClusterRepo } from '../store/cluster-repo';
import type { CorrectionsRepo } from '../store/corrections-repo';
import { activeHeadId } from '../store/heads-repo';
import type { PeopleQueriesRepo } from '../store/people-queries-repo';
import type { PeopleRepo } from '../store/people-repo';
import type { ProjectionSync } from './projection-sync';
import type { ModelThresholds } from './thresholds';

export interface PeopleContext {
  readonly db: Database.Database;
  /** Embedding model whose faces are clustered. */
  readonly model: string;
  readonly people: PeopleRepo;
  readonly corrections: CorrectionsRepo;
  readonly queries: PeopleQueriesRepo;
  readonly cluster: ClusterRepo;
  readonly projections: ProjectionSync;
  /** The thresholds in force now (they follow the active head). */
  thresholds(): ModelThresholds;
}

/**
 * Edits of the people state made through any PeopleService on a database (corrections, undo,
 * redo, update, re-cluster): part of the fingerprint a re-cluster in a worker checks before
 * persisting (an undo followed by a redo leaves the tables' counts as they were).
 */
const editCounts = new WeakMap<Database.Database, number>();

export function countEdit(db: Database.Database): void {
  editCounts.set(db, (editCounts.get(db) ?? 0) + 1);
}

/**
 * A fingerprint of everything a full re-cluster reads (reclusterInWorker's consistency rule):
 * commits by other connections (data_version), edits through any PeopleService on this database
 * (corrections, undo, redo, update, re-cluster), the corrections log, faces (added, removed),
 * people, assignments and rejections (counts), the active head and the thresholds. A few index
 * lookups and counts: a few ms at 100k faces.
 */
export function libraryVersion(ctx: PeopleContext): string {
  const [dataVersion, ...counts] = ctx.cluster.fingerprint();
  return JSON.stringify([dataVersion, editCounts.get(ctx.db) ?? 0, ...counts, activeHeadId(ctx.db, ctx.model), ctx.thresholds()]);
}
