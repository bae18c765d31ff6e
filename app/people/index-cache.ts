/**
 * The in-memory clustering index (PeopleIndex) of one PeopleService, mirroring the database (the
 * single source of truth): built from it when needed, built again in the background after a
 * re-cluster in a worker or a correction it cannot mirror, and after a correction brought to the
 * database's new state of exactly the faces and people the correction touched, so that nothing
 * the machine does can override a user decision.
 */
import { PeopleIndex, type FaceState } from './people-index';
import { decisions, personRecords } from './cluster-inputs';
import { countEdit, libraryVersion, type PeopleContext } from './context';
import type { UndoInfo } from './corrections';
import type { PersonRow } from '../store/types';
import type { FaceId, PersonId } from '../contract/people';

/** Most faces a correction may touch for the in-memory index to be patched rather than rebuilt. */
const PATCH_MAX_FACES = 20_000;
/** How long each background slice of rebuilding the index may run (warm). */
const WARM_SLICE_MS = 25;

export class IndexCache {
  private index: PeopleIndex | null = null;
  /** The index being built in the background (warm). */
  private warming: { idx: PeopleIndex; version: string } | null = null;
  private builds = 0;

  constructor(private readonly ctx: PeopleContext) {}

  /** Times the index was built from the database (a measure for tests and benchmarks). */
  get buildCount(): number {
    return this.builds;
  }

  /** The index in use, if any (none built, or dropped). */
  get current(): PeopleIndex | null {
    return this.index;
  }

  /** Puts an index in use (a re-cluster's), or drops the one in use (null). */
  set(idx: PeopleIndex | null): void {
    this.index = idx;
  }

  /** The clustering index, built from the database (the single source of truth). */
  ensure(): PeopleIndex {
    if (this.index) return this.index;
    const warm = this.takeWarm();
    if (warm) return warm;
    const idx = this.load(false);
    this.builds++;
    this.index = idx;
    return idx;
  }

  /** A new index loaded from the database; with `deferPrototypes` its prototypes are still to compute (PeopleIndex.loadPrototypes). */
  private load(deferPrototypes: boolean): PeopleIndex {
    const { ctx } = this;
    const idx = new PeopleIndex({ model: ctx.thresholds(), newPersonId: () => ctx.people.createPerson(null) });
    const assignment = new Map<number, number | null>();
    for (const r of ctx.cluster.liveAssignments()) assignment.set(r.face_id, r.person_id);
    // Faces newer than the last clustering that nobody assigned are left for update() to decide.
    const mark = ctx.cluster.watermark();
    const faces = ctx.cluster.faceColumns(ctx.model, (id) => id <= mark || assignment.has(id));
    idx.load({ persons: personRecords(ctx), faces, assignment, decisions: decisions(ctx) }, { deferPrototypes });
    return idx;
  }

  /**
   * Counts an edit of the people state on this database (see libraryVersion). An index being built
   * in the background is of the library before the edit: dropped (returns whether there was one).
   */
  noteEdit(): boolean {
    countEdit(this.ctx.db);
    const was = this.warming !== null;
    this.warming = null;
    return was;
  }

  /**
   * After a re-cluster in a worker (the index cannot cross threads) or a correction the index
   * cannot mirror (patch), rather than leave it to be rebuilt at the next request (100k
   * faces: ~1.9 s during which the engine answers nothing), it is built again in the background:
   * the faces read in one go, then the prototypes WARM_SLICE_MS at a time between other work. A
   * request that needs it meanwhile finishes it (as a rebuild would); an edit meanwhile makes it
   * useless: it is dropped (noteEdit); a correction, undo or redo starts it again, any other edit
   * (update, another re-cluster, an edit on another service of the database) leaves the next
   * request to rebuild.
   */
  warm(): void {
    const { db } = this.ctx;
    // Each piece runs on its own turn of the event loop (the caller goes on first: its events, the
    // UI's reload); a closed library or a failure stops it, and the next request rebuilds (and
    // reports what went wrong).
    const later = (work: () => void) =>
      setImmediate(() => {
        try {
          if (db.open) work();
          else this.warming = null;
        } catch {
          this.warming = null;
        }
      }).unref();
    later(() => {
      if (this.index || this.warming) return;
      const version = libraryVersion(this.ctx);
      const w = { idx: this.load(true), version };
      this.warming = w;
      const step = () => {
        if (this.warming !== w) return;
        if (w.idx.loadPrototypes(WARM_SLICE_MS)) this.takeWarm();
        else later(step);
      };
      later(step);
    });
  }

  /** The index built in the background, finished now and in use, if the library is still as it was read; else null. */
  takeWarm(): PeopleIndex | null {
    const w = this.warming;
    this.warming = null;
    if (!w || this.index || libraryVersion(this.ctx) !== w.version) return null;
    w.idx.loadPrototypes();
    this.builds++;
    this.index = w.idx;
    return w.idx;
  }

  /**
   * After a correction, undo or redo (all in the database already): brings the in-memory index to
   * the new state of the faces and people it touched (PeopleIndex.patch) instead of dropping it,
   * so that the next suggestion does not wait for a rebuild (100k faces: ~1.5-1.9 s). A face
   * marked not-a-face leaves it. Anything it cannot mirror exactly - a face marked a face again
   * (undo), a face the index does not hold, more than PATCH_MAX_FACES faces, a pool the index has
   * already used (after update()) - drops the index instead, and it is built again in the
   * background (warm), as is one whose background build the edit interrupted (`warming`).
   */
  patch(u: UndoInfo, warming: boolean): void {
    const idx = this.index;
    this.index = null;
    if (idx && this.patched(idx, u)) this.index = idx;
    else if (idx || warming) this.warm();
  }

  /** Brings idx to the database's state after u (PeopleIndex.patch); false when it cannot do that exactly. */
  private patched(idx: PeopleIndex, u: UndoInfo): boolean {
    const { ctx } = this;
    if (u.rebuildIndex) return false;
    const faceIds = new Set<FaceId>();
    for (const [f] of u.notAFace ?? []) faceIds.add(f);
    const personIds = new Set<PersonId>();
    for (const a of u.assignments ?? []) {
      faceIds.add(a.faceId);
      if (a.personId !== null) personIds.add(a.personId);
    }
    for (const p of u.persons ?? []) personIds.add(p.id);
    for (const id of u.createdPersons ?? []) personIds.add(id);
    for (const [f, p] of [...(u.addedRejections ?? []), ...(u.removedRejections ?? [])]) {
      faceIds.add(f);
      personIds.add(p);
    }
    // A person deleted or merged away takes along every face the index holds on it (undoing a
    // split deletes the person with the faces the machine gave it since, which no entry lists).
    const rows = new Map<PersonId, PersonRow | undefined>();
    const rowOf = (pid: PersonId) => {
      if (!rows.has(pid)) rows.set(pid, ctx.people.person(pid));
      return rows.get(pid);
    };
    const goneNow = (pid: PersonId) => {
      const row = rowOf(pid);
      return !row || row.merged_into !== null;
    };
    for (const pid of personIds) if (goneNow(pid)) for (const f of idx.facesOf(pid)) faceIds.add(f);
    if (faceIds.size > PATCH_MAX_FACES) return false;
    const read = ctx.cluster.faceStateReader();
    const mark = ctx.cluster.watermark();
    const states: FaceState[] = [];
    const removed: FaceId[] = [];
    for (const f of [...faceIds].sort((a, b) => a - b)) {
      const r = read.state(f);
      if (!r || r.model_id !== ctx.model) return false;
      if (r.not_a_face) {
        removed.push(f);
        continue;
      }
      const personId = r.person_id !== null && r.merged_into === null ? r.person_id : null;
      // a fresh load leaves out unassigned faces newer than the last clustering (update() decides them)
      if (personId === null && f > mark) return false;
      if (personId !== null) personIds.add(personId);
      states.push({ faceId: f, personId, user: personId !== null && r.source === 'user', rejected: read.rejections(f) });
    }
    const persons: { id: PersonId; name: string | null; userNamed: boolean }[] = [];
    const gone: PersonId[] = [];
    for (const pid of [...personIds].sort((a, b) => a - b)) {
      const row = rowOf(pid);
      if (!row || row.merged_into !== null) gone.push(pid);
      else persons.push({ id: pid, name: row.name, userNamed: !!row.user_named });
    }
    return idx.patch(states, persons, gone, removed);
  }
}
