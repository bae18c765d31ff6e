/**
 * Clustering over the store: update() puts new faces into people incrementally and clusters the
 * unassigned pool; recluster() and reclusterInWorker() re-cluster everything from scratch,
 * reproducing every user decision, and persist the result over the machine's assignment (user
 * assignments are never touched). Before reading vectors, every face is brought to the active
 * head's (the ProjectionSync).
 */
import { existsSync } from 'node:fs';
import { recluster as fullRecluster } from './recluster';
import {
  PLACEHOLDER_BASE,
  abortError,
  defaultReclusterWorkerPath,
  reclusterInWorker as runReclusterInWorker,
  type PackedReclusterInput,
  type PackedReclusterResult,
} from './recluster-worker';
import { decisions, loadFaces, machineAssignment, personRecords } from './cluster-inputs';
import { libraryVersion, type PeopleContext } from './context';
import type { IndexCache } from './index-cache';
import type { ChangeSet } from './types';
import { clearPendingSwitch, pendingSwitch } from '../store/heads-repo';
import { unrecordedDrawnFaces } from '../store/projection-repo';
import { namedMembership, namedPeople, recordSwitchChanges } from '../store/changes-repo';
import { deleteSetting, REGROUP_PENDING_KEY } from '../store/settings';
import type { ClusterStats, FaceId, PersonId } from '../contract/people';

export interface ReclusterInWorkerOptions {
  /** Terminates the worker: the call rejects with an AbortError and nothing is written. */
  signal?: AbortSignal;
  /** Worker runs whose result the library outdated before the synchronous fallback (default 3). */
  maxAttempts?: number;
  /** Compiled worker script (default: recluster-worker.js beside this module, or in dist/). */
  workerPath?: string;
  /** A worker's result was discarded because the library changed while it ran (attempt 1, 2, ...). */
  onDiscard?: (attempt: number) => void;
}

export class Clustering {
  constructor(
    private readonly ctx: PeopleContext,
    private readonly index: IndexCache,
    /** How many people the people list shows, hidden ones included (for the stats). */
    private readonly peopleCount: () => number,
  ) {}

  update(): ClusterStats {
    const { ctx, index } = this;
    // An index built in the background is of the library before this update: taken (finished) first.
    if (!index.current) index.takeWarm();
    index.noteEdit();
    const t0 = performance.now();
    if (index.current && index.current.th.cluster !== ctx.thresholds().cluster) index.set(null);
    // A drawn face a scan analysed again (its photo's file changed) has a new vector under the id
    // it had: an index holding that id is built again (the sync below records it as a new base).
    const revised = unrecordedDrawnFaces(ctx.db, ctx.model);
    if (index.current && revised.some((id) => index.current!.holds(id))) index.set(null);
    // Faces scanned since, or a head adopted / rolled back: vectors follow the active head first.
    if (ctx.projections.sync(ctx.db, ctx.model) > 0) index.set(null);
    const idx = index.ensure();
    const known = new Set(idx.assignment().keys());
    const currentIds = ctx.cluster.faceIds(ctx.model);
    const current = new Set(currentIds);
    // Embeddings are read only when there is something new to index.
    const fresh = currentIds.some((id) => !known.has(id)) ? loadFaces(ctx).filter((f) => !known.has(f.id)) : [];
    let created = 0;
    ctx.db.transaction(() => {
      // Faces that vanished (photo deleted or re-analysed, marked not-a-face) leave the index.
      for (const id of known) if (!current.has(id)) this.persist(idx.removeFace(id));
      const cs = idx.addFaces(fresh);
      created += cs.created.length;
      this.persist(cs);
      const last = currentIds[currentIds.length - 1];
      if (last !== undefined) ctx.cluster.setWatermark(last);
    })();
    return this.stats(created, t0);
  }

  /**
   * Re-clusters everything from scratch, synchronously: the inputs are read, the pure re-cluster
   * runs and its result is persisted in this thread (100k faces: ~45 s during which nothing else
   * runs). For the command line and tests; the engine uses reclusterInWorker.
   */
  recluster(): ClusterStats {
    const { ctx } = this;
    const t0 = performance.now();
    this.index.noteEdit();
    ctx.projections.sync(ctx.db, ctx.model);
    const faces = ctx.cluster.faceColumns(ctx.model, () => true);
    let created = 0;
    ctx.db.transaction(() => {
      const res = fullRecluster({
        model: ctx.thresholds(),
        faces,
        persons: personRecords(ctx),
        decisions: decisions(ctx),
        previous: machineAssignment(ctx),
        newPersonId: () => ctx.people.createPerson(null),
      });
      created = res.created.length;
      this.writeRecluster(res.assignment, lastId(faces));
      this.index.set(res.index);
    })();
    return this.stats(created, t0);
  }

  /**
   * The same re-cluster with its computation (similarity graph, HAC, attach: recluster.ts) in a
   * worker thread, so that the engine keeps answering meanwhile: the inputs are read here (faces
   * as packed typed arrays whose buffers move to the worker), the worker computes, and the result
   * is persisted here in one transaction exactly as recluster() does (same SQL, empty machine
   * people dropped, watermark, pending head switch cleared). People the worker creates carry
   * placeholder ids (recluster-worker.ts), turned into person rows here in the order they were
   * asked for: the same ids as the synchronous path would give.
   *
   * Consistency rule: the library may change while the worker runs (a correction, an undo, faces
   * added or removed, another head or strictness). A fingerprint of what the re-cluster reads
   * (libraryVersion) is taken with the inputs and checked again inside the persisting transaction
   * (BEGIN IMMEDIATE); if it differs the result is discarded - nothing is written - and the
   * re-cluster runs again from the new state, up to `maxAttempts` times; after that it runs the
   * synchronous recluster(), which cannot be interleaved. A user decision made meanwhile is thus
   * never overwritten and a new face never lost. Rejects (the database unchanged) when the worker
   * fails or `signal` aborts (AbortError). Without a compiled worker script (TypeScript sources
   * never built) it is recluster().
   */
  async reclusterInWorker(opts: ReclusterInWorkerOptions = {}): Promise<ClusterStats> {
    const t0 = performance.now();
    const workerPath = opts.workerPath ?? defaultReclusterWorkerPath();
    if (!existsSync(workerPath)) return this.recluster();
    const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? 3));
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (opts.signal?.aborted) throw abortError();
      const read = this.reclusterInput();
      const result = await runReclusterInWorker(read.input, { workerPath, signal: opts.signal });
      if (opts.signal?.aborted) throw abortError();
      const created = this.commitWorkerResult(read, result);
      if (created !== null) {
        this.index.warm();
        return this.stats(created, t0);
      }
      opts.onDiscard?.(attempt);
    }
    return this.recluster();
  }

  /**
   * What a full re-cluster reads, in one go on this thread (nothing can interleave), with the
   * library's fingerprint at that moment.
   */
  private reclusterInput(): { input: PackedReclusterInput; lastFaceId: number | null; version: string } {
    const { ctx } = this;
    ctx.projections.sync(ctx.db, ctx.model);
    const faces = ctx.cluster.faceColumns(ctx.model, () => true);
    const pairs = (m: ReadonlyMap<number, number | null>) => {
      const faces = new Float64Array(m.size);
      const persons = new Float64Array(m.size);
      let k = 0;
      for (const [f, p] of m) {
        faces[k] = f;
        persons[k++] = p ?? -1;
      }
      return { faces, persons };
    };
    const userDecisions = decisions(ctx);
    const rejected: [number, number][] = [];
    for (const [f, ps] of userDecisions.rejected) for (const p of ps) rejected.push([f, p]);
    const persons = personRecords(ctx);
    for (const p of persons) if (p.id >= PLACEHOLDER_BASE) throw new Error(`person id ${p.id} is too large for a re-cluster in a worker`);
    return {
      input: {
        thresholds: ctx.thresholds(),
        faces,
        persons,
        assigned: pairs(userDecisions.assigned),
        rejected: { faces: Float64Array.from(rejected, (r) => r[0]), persons: Float64Array.from(rejected, (r) => r[1]) },
        previous: pairs(machineAssignment(ctx)),
      },
      lastFaceId: lastId(faces),
      version: libraryVersion(ctx),
    };
  }

  /**
   * Persists a worker's result in one transaction, if the library is still as it was read;
   * returns the number of people created, or null (nothing written) when it changed.
   */
  private commitWorkerResult(read: { lastFaceId: number | null; version: string }, result: PackedReclusterResult): number | null {
    const { ctx } = this;
    const created = ctx.db
      .transaction(() => {
        if (libraryVersion(ctx) !== read.version) return null;
        // One row per placeholder, in the order the re-cluster asked for them (as recluster()
        // creates them); those that ended up empty are dropped with the other empty machine people.
        const real: number[] = [];
        for (let k = 1; k <= result.placeholders; k++) real[k] = ctx.people.createPerson(null);
        const faces = result.faces;
        const persons = result.persons;
        const entries = function* (): Generator<[number, number | null]> {
          for (let i = 0; i < faces.length; i++) {
            const face = faces[i];
            const p = persons[i];
            if (face === undefined || p === undefined) throw new Error(`re-cluster result: no person for face ${i}`);
            if (p < 0) yield [face, null];
            else if (p > PLACEHOLDER_BASE) {
              const id = real[p - PLACEHOLDER_BASE];
              if (id === undefined) throw new Error(`re-cluster result: placeholder ${p - PLACEHOLDER_BASE} of ${result.placeholders}`);
              yield [face, id];
            } else yield [face, p];
          }
        };
        this.writeRecluster(entries(), read.lastFaceId);
        return result.created;
      })
      .immediate();
    if (created !== null) {
      this.index.noteEdit();
      // The clustering index cannot cross threads: it is built again from the database (warm).
      this.index.set(null);
    }
    return created;
  }

  /** A full re-cluster's assignment written over the machine's (user assignments untouched). */
  private writeRecluster(assignment: Iterable<[FaceId, PersonId | null]>, lastFaceId: number | null): void {
    const { ctx } = this;
    const { db, model } = ctx;
    // The re-cluster that finishes a head switch records the faces it puts into a named person
    // they were not in (app/learning/changes.ts), for the user to check on the Learn screen.
    const switchedTo = pendingSwitch(db, model);
    const named = switchedTo === null ? null : { people: namedPeople(db), before: namedMembership(db, model), joined: [] as [number, number][] };
    const write = ctx.cluster.reclusterWriter();
    for (const [faceId, personId] of assignment) {
      if (personId === null) write.clear(faceId);
      else {
        write.set(faceId, personId);
        if (named?.people.has(personId) && named.before.get(faceId) !== personId) named.joined.push([faceId, personId]);
      }
    }
    ctx.cluster.dropEmptyMachinePersons();
    if (lastFaceId !== null) ctx.cluster.setWatermark(lastFaceId);
    if (named && switchedTo !== null) recordSwitchChanges(db, model, switchedTo, named.joined);
    // Every face carries the active head's vector (synced before reading) and is clustered: a
    // head switch waiting for its re-cluster (app/learning/projection.ts) is done, with this commit.
    clearPendingSwitch(db, model);
    // ... and a model switch waiting for its re-group (store/settings.ts REGROUP_PENDING_KEY) too.
    deleteSetting(db, REGROUP_PENDING_KEY);
  }

  /** Incremental changes written as the machine's assignment. */
  private persist(cs: ChangeSet): void {
    const write = this.ctx.cluster.incrementalWriter();
    for (const m of cs.moves) {
      if (m.to === null) write.clear(m.faceId);
      else write.set(m.faceId, m.to);
    }
    this.ctx.cluster.dropEmptyMachinePersons();
  }

  private stats(created: number, t0: number): ClusterStats {
    const assigned = this.ctx.cluster.assignedCount();
    const total = this.ctx.cluster.faceCount(this.ctx.model);
    return {
      people: this.peopleCount(),
      assigned,
      unassigned: Math.max(0, total - assigned),
      created,
      seconds: Math.round((performance.now() - t0) / 10) / 100,
    };
  }
}

/** The last face id of packed faces read in id order, or null for none. */
function lastId(faces: PackedReclusterInput['faces']): number | null {
  return faces.n ? (faces.ids[faces.n - 1] ?? null) : null;
}
