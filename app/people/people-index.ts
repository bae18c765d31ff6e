/**
 * The incremental people index: faces, people, their prototypes and the unassigned pool, in
 * memory. One concern in one file (over 500 lines): every rule below reads and moves the same
 * slot table, people and pool together, and each must leave all three consistent in one step.
 * Pure: no database. The store hydrates it (load), feeds it new faces (addFaces) and user
 * corrections (userAssign, reject, mergePersons, ...), and persists the ChangeSets it returns.
 *
 * Rules it keeps (see docs/clustering.md):
 * - a new face joins the person whose nearest prototype is >= assign, beats every other eligible
 *   person by margin, and passes the constraints; otherwise it goes to the unassigned pool;
 * - the pool is clustered (average linkage at `cluster`, constraints kept) into new people only
 *   for groups of >= minClusterSize seed-quality faces; low-quality faces never seed;
 * - faces of one photo never share a person (unless the same face twice, th.collage); a rejected
 *   person never gets the face back; a user-assigned face is never moved by the machine.
 */
import { AutoIndex, type AutoIndexOptions } from './ann';
import { averageLinkage } from './hac';
import { selectPrototypes } from './prototypes';
import { thresholdsFor, type ModelThresholds } from './thresholds';
import { closeEnough, collageOn } from './same-photo';
import {
  columnsFromFaces,
  type ChangeSet,
  type ClusterFace,
  type FaceColumns,
  type FaceId,
  type FaceSuggestion,
  type PersonId,
  type PersonRecord,
  type PhotoId,
  type Suggestion,
  type UserDecisions,
} from './types';
import { DIM, addUnit, checkEmbedding, dotAt, dotF, dotUnitF, normAt } from './vector';
import { isUnrecognisable } from './unrecognisable';

export interface PeopleIndexOptions {
  model: string | ModelThresholds;
  overrides?: Partial<ModelThresholds>;
  /** Allocates ids for people the machine creates (the store's autoincrement). */
  newPersonId?: () => PersonId;
  /** kNN index options for the prototype and pool indexes. */
  index?: AutoIndexOptions;
}

export interface AssignDecision {
  personId: PersonId | null;
  /** Best eligible person's score (-1 when none). */
  score: number;
  runnerUp: Suggestion | null;
  /**
   * 'assigned': the nearest prototype decided; 'album': a named person's whole album did (the
   * mean cosine to its faces, see ModelThresholds.album); otherwise why the face stays unassigned.
   */
  reason: 'assigned' | 'album' | 'no-people' | 'below-threshold' | 'ambiguous';
}

export interface LoadState {
  persons?: readonly PersonRecord[];
  faces: FaceColumns | readonly ClusterFace[];
  /** Current person of each face (null/absent: unassigned). */
  assignment?: ReadonlyMap<FaceId, PersonId | null>;
  decisions?: UserDecisions;
}

interface PersonState {
  id: PersonId;
  name: string | null;
  userNamed: boolean;
  faces: Set<number>;
  protos: number[];
  protoSize: number;
  /**
   * A named person's album mean: the mean of its (seed-quality or user) faces' unit vectors, so
   * that v.album = the mean cosine of a unit vector v to those faces; null for machine people, for
   * named people with fewer than th.albumMinFaces such faces, and with both album rules off.
   */
  album: Float64Array | null;
  /** |album|: the person's spread (1 = all faces alike). */
  albumNorm: number;
  /**
   * Sum of the unit vectors of its seed-quality faces and their number, for average linkage (album
   * merge, leftovers): computed on first use, then kept up to date face by face (linkMove), so a
   * decision never re-reads a large person's faces. Null until first used.
   */
  link: { sum: Float64Array; n: number } | null;
}

const NONE = -1;
/**
 * Album merge looks for candidate people among the prototypes nearest to a person's mean direction
 * (this many), down to this much below its bar (cosine; the direction's rounding to int8 and the
 * prototypes being a person's typical faces, not all of them).
 */
const ALBUM_MERGE_NEIGHBOURS = 32;
const ALBUM_MERGE_SEARCH_SLACK = 0.03;
/** The leftovers rule compares the albums of this many people nearest by prototype. */
const LEFTOVER_CANDIDATES = 5;

export class PeopleIndex {
  readonly th: ModelThresholds;
  private readonly newId: () => PersonId;
  private readonly indexOpts: AutoIndexOptions;
  // face table, by slot
  private cap = 0;
  private count = 0;
  private ids = new Float64Array(0);
  private photo = new Float64Array(0);
  private quality = new Float32Array(0);
  private person = new Float64Array(0);
  private user = new Uint8Array(0);
  private alive = new Uint8Array(0);
  /** 1: an unrecognisable face (unrecognisable.ts): the machine puts it into nobody. */
  private unrec = new Uint8Array(0);
  private emb = new Int8Array(0);
  private slotOf = new Map<FaceId, number>();
  private photoFaces = new Map<PhotoId, number[]>();
  private rejected = new Map<number, Set<PersonId>>();
  private persons = new Map<PersonId, PersonState>();
  /** The named people that have an album (the group rule looks at these only, not every person). */
  private albums = new Set<PersonState>();
  private protoIndex: AutoIndex;
  // The pool's kNN index, its seed graph and dirty set are built lazily (see pool state below).
  private poolIndexStore: AutoIndex;
  private poolGraphStore = new Map<number, Set<number>>();
  private dirtyPoolStore = new Set<number>();
  /**
   * Pool faces that load() has not inserted yet, in load order. They are inserted, in that order
   * and before any other pool operation, on the first access to the pool's state, so the pool
   * index and graph are exactly those an eager load would have built. Requests that only use the
   * prototypes (decide, suggestPeople) never pay for them.
   */
  private pendingPool: number[] = [];
  /** The pool's state was used since load() (built, searched, clustered): patch() then refuses. */
  private poolUsed = false;
  /** People whose prototypes load() left for loadPrototypes(), and how many of them are done. */
  private deferred: PersonState[] = [];
  private deferredAt = 0;
  private maxPersonId = 0;
  /** While addFaces runs: the people whose prototypes it refreshed (the album merge pass looks at these). */
  private refreshed: Set<PersonId> | null = null;
  /**
   * Seed-quality pool faces the leftovers rule left because too few people were there to rank them
   * against (th.leftoverSeedMinPeople): tried again at the next settle() once there are enough.
   */
  private awaitingRivals = new Set<number>();
  /** Each change set's moves by face (PeopleIndex.move): list position of a face's move. */
  private moveIndex = new WeakMap<readonly unknown[], Map<FaceId, number>>();

  constructor(opts: PeopleIndexOptions) {
    this.th = thresholdsFor(opts.model, opts.overrides);
    this.newId = opts.newPersonId ?? (() => ++this.maxPersonId);
    this.indexOpts = opts.index ?? {};
    this.protoIndex = new AutoIndex(this.indexOpts);
    this.poolIndexStore = new AutoIndex(this.indexOpts);
    this.grow(1024);
  }

  // ---------------------------------------------------------------- hydration

  /** Adds a person (or updates its name / userNamed). */
  addPerson(p: PersonRecord): void {
    const s = this.persons.get(p.id);
    if (s) {
      if (p.name !== undefined) s.name = p.name;
      if (p.userNamed !== undefined && p.userNamed !== s.userNamed) {
        s.userNamed = p.userNamed;
        // Named people keep more prototypes (th.namedPrototypes).
        if (s.faces.size) this.refreshPrototypes(s, true);
      }
      return;
    }
    this.persons.set(p.id, { id: p.id, name: p.name ?? null, userNamed: !!p.userNamed, faces: new Set(), protos: [], protoSize: 0, album: null, albumNorm: 0, link: null });
    if (p.id > this.maxPersonId) this.maxPersonId = p.id;
  }

  /**
   * Loads the store's state as it is (no decision is made): people, faces with their current
   * person, user decisions. Unassigned faces enter the pool. Prototypes are computed at the end,
   * or with `deferPrototypes` left to loadPrototypes() (the index must not be used before).
   */
  load(state: LoadState, opts: { deferPrototypes?: boolean } = {}): void {
    for (const p of state.persons ?? []) this.addPerson(p);
    const cols = Array.isArray(state.faces) ? columnsFromFaces(state.faces as ClusterFace[]) : (state.faces as FaceColumns);
    const userAssigned = state.decisions?.assigned;
    for (const [faceId, people] of state.decisions?.rejected ?? []) for (const p of people) this.pendingReject(faceId, p);
    const pooled: number[] = [];
    for (let i = 0; i < cols.n; i++) {
      const id = cols.ids[i]!;
      const slot = this.register(id, cols.photoIds[i]!, cols.quality[i]!, cols.embeddings, i);
      const u = userAssigned?.get(id);
      const pid = u ?? state.assignment?.get(id) ?? null;
      if (pid !== null && pid !== undefined) {
        this.ensurePerson(pid);
        this.person[slot] = pid;
        const ps = this.persons.get(pid)!;
        ps.faces.add(slot);
        this.linkMove(ps, slot, 1);
        if (u !== undefined) this.user[slot] = 1;
      } else pooled.push(slot);
    }
    this.applyPendingRejects();
    // Deferred: inserted on first use of the pool (materializePool), in this order.
    if (this.pendingPool.length) for (const slot of pooled) this.pendingPool.push(slot);
    else this.pendingPool = pooled;
    this.deferred = [...this.persons.values()];
    this.deferredAt = 0;
    if (!opts.deferPrototypes) this.loadPrototypes();
  }

  /**
   * Computes the prototypes load() left for later, person by person in load order (the same
   * prototypes and kNN index as computing them at once), until `budgetMs` have passed; true once
   * none is left.
   */
  loadPrototypes(budgetMs = Infinity): boolean {
    const end = performance.now() + budgetMs;
    while (this.deferredAt < this.deferred.length) {
      this.refreshPrototypes(this.deferred[this.deferredAt++]!, true);
      if (performance.now() >= end) break;
    }
    if (this.deferredAt < this.deferred.length) return false;
    this.deferred = [];
    this.deferredAt = 0;
    return true;
  }

  /**
   * Brings the index to the database's state for the given faces and people - the state a fresh
   * load() of the database would hold - without any machine decision (no sweep, no pool
   * clustering): after a correction, instead of rebuilding the whole index (100k faces: ~1.5-1.9 s).
   * `faces`: every face whose person, user flag or rejections may have changed, with its state now;
   * `persons`: the people concerned that exist now (name, userNamed); `gone`: those that no longer
   * exist (deleted, merged away), whose faces must all be in `faces` or `removed`; `removed`: faces
   * a fresh load leaves out now (marked not-a-face), those it does not hold being ignored. Returns
   * false, having changed nothing, when it cannot do that exactly: a face of `faces` it does not
   * hold, a gone person still holding a face not listed, or a pool already used since load() (a
   * fresh load leaves the pool unbuilt, every pool face to be clustered again at its next use).
   * Prototypes of the people concerned are recomputed as load() computes them.
   */
  patch(faces: readonly FaceState[], persons: readonly PersonRecord[], gone: readonly PersonId[], removed: readonly FaceId[] = []): boolean {
    if (this.poolUsed) return false;
    const listed = new Set<number>();
    // a pool face is in the pending pool (load order = ascending slots)
    const pending = (slot: number) => this.person[slot] !== NONE || this.pendingPool[lowerBound(this.pendingPool, slot)] === slot;
    for (const f of faces) {
      const slot = this.slotOf.get(f.faceId);
      if (slot === undefined || !pending(slot)) return false;
      listed.add(slot);
    }
    const dropped: number[] = [];
    for (const id of removed) {
      const slot = this.slotOf.get(id);
      if (slot === undefined || listed.has(slot)) continue;
      if (!pending(slot)) return false;
      listed.add(slot);
      dropped.push(slot);
    }
    for (const g of gone) for (const slot of this.persons.get(g)?.faces ?? []) if (!listed.has(slot)) return false;
    const touched = new Set<PersonId>();
    for (const p of persons) {
      this.addPerson(p);
      touched.add(p.id);
    }
    /** Takes a face off its person (touched) or out of the pending pool. */
    const leave = (slot: number) => {
      const from = this.person[slot]!;
      if (from !== NONE) {
        this.leavePerson(this.persons.get(from)!, slot);
        touched.add(from);
      } else this.pendingPool.splice(lowerBound(this.pendingPool, slot), 1);
    };
    for (const f of faces) {
      const slot = this.slotOf.get(f.faceId)!;
      const to = f.personId ?? NONE;
      if (this.person[slot] !== to) {
        leave(slot);
        this.person[slot] = to;
        if (to !== NONE) {
          const ps = this.ensurePerson(to);
          ps.faces.add(slot);
          this.linkMove(ps, slot, 1);
          touched.add(to);
        } else this.pendingPool.splice(lowerBound(this.pendingPool, slot), 0, slot);
      }
      const user = f.user && to !== NONE ? 1 : 0;
      if (this.user[slot] !== user && to !== NONE) touched.add(to);
      this.user[slot] = user;
      if (f.rejected.length) this.rejected.set(slot, new Set(f.rejected));
      else this.rejected.delete(slot);
    }
    // Faces a fresh load leaves out: gone from their person or the pending pool, and from the index.
    for (const slot of dropped) {
      leave(slot);
      this.person[slot] = NONE;
      this.forget(slot);
    }
    for (const g of gone) {
      const p = this.persons.get(g);
      if (!p) continue;
      for (const x of p.protos) this.protoIndex.remove(x);
      this.persons.delete(g);
      this.albums.delete(p);
      touched.delete(g);
    }
    for (const pid of [...touched].sort((a, b) => a - b)) {
      const p = this.persons.get(pid);
      if (p) this.refreshPrototypes(p, true);
    }
    return true;
  }

  // ---------------------------------------------------------------- incremental indexing

  /**
   * Indexes new faces: each joins an existing person or the pool; then the people that grew get
   * fresh prototypes and pull matching faces out of the pool, and the pool is clustered.
   */
  addFaces(faces: readonly ClusterFace[] | FaceColumns): ChangeSet {
    const changes = emptyChanges();
    const cols = Array.isArray(faces) ? columnsFromFaces(faces as ClusterFace[]) : (faces as FaceColumns);
    const slots: number[] = [];
    for (let i = 0; i < cols.n; i++) {
      if (this.slotOf.has(cols.ids[i]!)) throw new Error(`face ${cols.ids[i]} is already indexed`);
      slots.push(this.register(cols.ids[i]!, cols.photoIds[i]!, cols.quality[i]!, cols.embeddings, i));
    }
    this.refreshed = new Set();
    try {
      const touched = this.assignSlots(slots, changes, true);
      this.refreshAndSweep(touched, changes);
      this.clusterPoolInto(changes);
      // The album merge pass over the people the new faces changed enough to refresh their
      // prototypes (new people, people under 20 faces, people that grew by 10%: an album's mean
      // moves little between), then the leftovers rule over the new faces left in the pool.
      const people = new Set<PersonId>(changes.created);
      for (const pid of this.refreshed) people.add(pid);
      this.refreshed = null;
      this.settle(people, slots, changes);
    } finally {
      this.refreshed = null;
    }
    return changes;
  }

  /** The decision for a face (indexed or not); changes nothing. */
  decide(face: FaceId | ClusterFace): AssignDecision {
    if (typeof face === 'number') {
      const slot = this.slotOf.get(face);
      if (slot === undefined) throw new Error(`unknown face ${face}`);
      return this.decideSlot(slot);
    }
    checkEmbedding(face.embedding);
    return this.decideVector(face.embedding, 0, face.photoId, this.slotOf.get(face.id) ?? NONE);
  }

  /** Clusters the dirty part of the pool into new people. */
  clusterPool(): ChangeSet {
    const changes = emptyChanges();
    this.clusterPoolInto(changes);
    return changes;
  }

  // ---------------------------------------------------------------- user corrections

  /**
   * The user puts a face on a person (move, confirm, split into a new person: create it with
   * addPerson first). Must-link: the machine will never move it. A machine-assigned face of the
   * same photo on that person goes back to the pool.
   */
  userAssign(faceId: FaceId, personId: PersonId): ChangeSet {
    const changes = emptyChanges();
    const slot = this.slot(faceId);
    this.ensurePerson(personId);
    this.rejected.get(slot)?.delete(personId);
    for (const other of this.photoFaces.get(this.photo[slot]!) ?? []) {
      if (other !== slot && this.person[other] === personId && !this.user[other] && !this.twice(slot, other)) {
        this.move(other, null, changes);
      }
    }
    this.move(slot, personId, changes);
    this.user[slot] = 1;
    this.refreshAndSweep(new Set([personId]), changes);
    return changes;
  }

  /** Undo of a confirmation/assignment: the face stays where it is but is the machine's again. */
  release(faceId: FaceId): void {
    this.user[this.slot(faceId)] = 0;
  }

  /** "Not this person": permanent cannot-link; the face leaves that person for the pool. */
  reject(faceId: FaceId, personId: PersonId): ChangeSet {
    const changes = emptyChanges();
    const slot = this.slot(faceId);
    let s = this.rejected.get(slot);
    if (!s) this.rejected.set(slot, (s = new Set()));
    s.add(personId);
    if (this.person[slot] === personId) {
      this.user[slot] = 0;
      this.move(slot, null, changes);
      this.refreshAndSweep(new Set([personId]), changes);
      this.clusterPoolInto(changes);
    }
    return changes;
  }

  /** Undo of a rejection. */
  unreject(faceId: FaceId, personId: PersonId): void {
    this.rejected.get(this.slot(faceId))?.delete(personId);
  }

  /**
   * The user merges `source` into `target`: every face moves (user flags kept), except faces
   * that rejected `target` (they go to the pool). `source` is left empty.
   */
  mergePersons(targetId: PersonId, sourceId: PersonId): ChangeSet {
    const changes = emptyChanges();
    if (targetId === sourceId) return changes;
    this.ensurePerson(targetId);
    const src = this.persons.get(sourceId);
    if (!src) throw new Error(`unknown person ${sourceId}`);
    for (const slot of [...src.faces].sort((a, b) => a - b)) {
      if (this.rejected.get(slot)?.has(targetId)) {
        this.user[slot] = 0;
        this.move(slot, null, changes);
      } else this.move(slot, targetId, changes);
    }
    this.refreshAndSweep(new Set([targetId, sourceId]), changes);
    changes.emptied = [...new Set([...changes.emptied, sourceId])];
    return changes;
  }

  /** Forgets a face (photo deleted, "not a face"). */
  removeFace(faceId: FaceId): ChangeSet {
    const changes = emptyChanges();
    const slot = this.slot(faceId);
    const pid = this.person[slot]!;
    this.move(slot, null, changes);
    this.poolRemove(slot);
    this.forget(slot);
    changes.moves = changes.moves.filter((m) => m.faceId !== faceId);
    if (pid !== NONE) this.refreshAndSweep(new Set([pid]), changes);
    return changes;
  }

  /** The slot of a face that leaves the index (out of every person and pool already): no longer alive, held or in its photo. */
  private forget(slot: number): void {
    this.alive[slot] = 0;
    this.user[slot] = 0;
    this.slotOf.delete(this.ids[slot]!);
    const list = this.photoFaces.get(this.photo[slot]!);
    if (list) {
      const i = list.indexOf(slot);
      if (i >= 0) list.splice(i, 1);
      if (!list.length) this.photoFaces.delete(this.photo[slot]!);
    }
    this.rejected.delete(slot);
  }

  /** Removes a person: its machine faces return to the pool; its user faces too (the user deleted it). */
  removePerson(personId: PersonId): ChangeSet {
    const changes = emptyChanges();
    const p = this.persons.get(personId);
    if (!p) return changes;
    for (const slot of [...p.faces].sort((a, b) => a - b)) {
      this.user[slot] = 0;
      this.move(slot, null, changes);
    }
    for (const s of p.protos) this.protoIndex.remove(s);
    this.persons.delete(personId);
    this.albums.delete(p);
    this.clusterPoolInto(changes);
    return changes;
  }

  // ---------------------------------------------------------------- suggestions and queries

  /**
   * The most likely people for a face, best first (its own person and rejected people excluded),
   * scoring at least `floor` (cosine; default the model's `suggest` bar).
   */
  suggestPeople(face: FaceId | ClusterFace, k = 5, floor = this.th.suggest): Suggestion[] {
    let slot = NONE, v: Int8Array, photo: number;
    if (typeof face === 'number') {
      slot = this.slot(face);
      v = this.emb.subarray(slot * DIM, (slot + 1) * DIM);
      photo = this.photo[slot]!;
    } else {
      v = face.embedding;
      photo = face.photoId;
      slot = this.slotOf.get(face.id) ?? NONE;
    }
    return this.rankPeople(v, photo, slot, k * this.th.namedPrototypes * 2, floor)
      .filter((s) => s.personId !== (slot === NONE ? NONE : this.person[slot]))
      .slice(0, k);
  }

  /**
   * Unassigned faces most likely to be this person ("Is this Anna?"), best first; `score` is the
   * face's best prototype cosine. Candidates are the pool faces near the person's prototypes (and,
   * for a named person with an album, near its album direction); a named person's are ranked by
   * their mean cosine to its album, which tells its odd faces from look-alike strangers better
   * than the nearest prototype (docs/clustering.md, the album rule).
   */
  suggestFaces(personId: PersonId, k = 20): FaceSuggestion[] {
    const p = this.persons.get(personId);
    if (!p) throw new Error(`unknown person ${personId}`);
    const best = new Map<number, number>();
    const eligible = (slot: number) => !this.rejected.get(slot)?.has(personId) && !this.photoConflict(slot, personId);
    for (const proto of p.protos) {
      const v = this.emb.subarray(proto * DIM, (proto + 1) * DIM);
      for (const nb of this.poolSearch(v, k * 2, this.th.suggest)) {
        if (!eligible(nb.label)) continue;
        if ((best.get(nb.label) ?? -2) < nb.score) best.set(nb.label, nb.score);
      }
    }
    const album = p.album;
    if (album) {
      for (const nb of this.poolSearch(this.albumDirection(p), k * 2, (this.th.suggest - 0.03) / p.albumNorm)) {
        if (best.has(nb.label) || !eligible(nb.label)) continue;
        let b = -2;
        for (const proto of p.protos) b = Math.max(b, dotAt(this.emb, nb.label, this.emb, proto) / (normAt(this.emb, nb.label) * normAt(this.emb, proto)));
        if (b >= this.th.suggest) best.set(nb.label, b);
      }
    }
    const rank = (slot: number, score: number): number => (album ? dotUnitF(this.emb, slot, album) : score);
    return [...best]
      .map(([slot, score]) => ({ faceId: this.ids[slot]!, score, order: rank(slot, score) }))
      .sort((a, b) => b.order - a.order || a.faceId - b.faceId)
      .slice(0, k)
      .map(({ faceId, score }) => ({ faceId, score }));
  }

  personOf(faceId: FaceId): PersonId | null {
    const p = this.person[this.slot(faceId)]!;
    return p === NONE ? null : p;
  }

  /** Whether the index holds this face (without building the whole assignment map). */
  holds(faceId: FaceId): boolean {
    return this.slotOf.has(faceId);
  }

  isUserAssigned(faceId: FaceId): boolean {
    return this.user[this.slot(faceId)] === 1;
  }

  facesOf(personId: PersonId): FaceId[] {
    const p = this.persons.get(personId);
    return p ? [...p.faces].map((s) => this.ids[s]!).sort((a, b) => a - b) : [];
  }

  /** Prototype faces of a person. */
  prototypesOf(personId: PersonId): FaceId[] {
    return (this.persons.get(personId)?.protos ?? []).map((s) => this.ids[s]!);
  }

  people(): PersonRecord[] {
    return [...this.persons.values()].map((p) => ({ id: p.id, name: p.name, userNamed: p.userNamed }));
  }

  pool(): FaceId[] {
    return [...this.poolIndexLabels()].map((s) => this.ids[s]!).sort((a, b) => a - b);
  }

  get faceCount(): number {
    return this.slotOf.size;
  }

  /** Every face and its person (null = unassigned). */
  assignment(): Map<FaceId, PersonId | null> {
    const m = new Map<FaceId, PersonId | null>();
    for (const [id, slot] of this.slotOf) m.set(id, this.person[slot] === NONE ? null : this.person[slot]!);
    return m;
  }

  /** The user decisions held (for a re-cluster). */
  decisions(): UserDecisions {
    const assigned = new Map<FaceId, PersonId>();
    const rejected = new Map<FaceId, Set<PersonId>>();
    for (const [id, slot] of this.slotOf) {
      if (this.user[slot]) assigned.set(id, this.person[slot]!);
      const r = this.rejected.get(slot);
      if (r?.size) rejected.set(id, new Set(r));
    }
    return { assigned, rejected };
  }

  /** The faces as columns (for a re-cluster). */
  columns(): FaceColumns {
    const slots = [...this.slotOf.values()].sort((a, b) => a - b);
    const n = slots.length;
    const cols: FaceColumns = {
      n,
      ids: new Float64Array(n),
      photoIds: new Float64Array(n),
      quality: new Float32Array(n),
      embeddings: new Int8Array(n * DIM),
    };
    slots.forEach((s, i) => {
      (cols.ids as Float64Array)[i] = this.ids[s]!;
      (cols.photoIds as Float64Array)[i] = this.photo[s]!;
      (cols.quality as Float32Array)[i] = this.quality[s]!;
      cols.embeddings.set(this.emb.subarray(s * DIM, (s + 1) * DIM), i * DIM);
    });
    return cols;
  }

  /** Approximate bytes held by typed arrays and indexes. */
  bytes(): number {
    return this.emb.byteLength + this.cap * (8 * 3 + 4 + 2) + this.protoIndex.bytes() + this.poolIndex.bytes() + this.slotOf.size * 80;
  }

  /**
   * After a load of a fresh clustering: every pool face is tried against every person once
   * (best scores first), then the pool is clustered. Used by the full re-cluster.
   */
  attachPool(): ChangeSet {
    const changes = emptyChanges();
    const touched = this.assignSlots([...this.poolIndexLabels()].sort((a, b) => a - b), changes, false);
    this.refreshAndSweep(touched, changes);
    this.clusterPoolInto(changes);
    return changes;
  }

  /**
   * Builds the pool's index and seed graph now if load() left them for later (the first request
   * that needs the pool would otherwise build them). Changes no result.
   */
  materializePool(): void {
    this.poolUsed = true;
    if (!this.pendingPool.length) return;
    const pending = this.pendingPool;
    this.pendingPool = [];
    for (const slot of pending) this.poolInsert(slot);
  }

  /** Whether load() left pool faces to insert on first use. */
  get poolPending(): boolean {
    return this.pendingPool.length > 0;
  }

  // ---------------------------------------------------------------- internals

  private get poolIndex(): AutoIndex {
    this.poolUsed = true;
    if (this.pendingPool.length) this.materializePool();
    return this.poolIndexStore;
  }

  private get poolGraph(): Map<number, Set<number>> {
    this.poolUsed = true;
    if (this.pendingPool.length) this.materializePool();
    return this.poolGraphStore;
  }

  private get dirtyPool(): Set<number> {
    this.poolUsed = true;
    if (this.pendingPool.length) this.materializePool();
    return this.dirtyPoolStore;
  }

  /**
   * The pool faces nearest to v (best first, ties by slot), like poolIndex.search. While load()
   * has left the pool's index unbuilt, an exact scan of the pool answers instead: one person's
   * suggestions then cost tens of milliseconds, not the seconds of building the index (100k faces:
   * ~3.6 s) after every correction.
   */
  private poolSearch(v: Int8Array, k: number, minScore: number): { label: number; score: number }[] {
    if (!this.pendingPool.length) return this.poolIndex.search(v, k, minScore);
    const out: { label: number; score: number }[] = [];
    const qn = normAt(v, 0);
    if (k <= 0 || qn === 0) return out;
    let floor = minScore;
    for (const slot of this.pendingPool) {
      if (this.person[slot] !== NONE || !this.alive[slot]) continue;
      const score = dotAt(v, 0, this.emb, slot) / (qn * normAt(this.emb, slot));
      if (score < floor) continue;
      let i = out.length;
      while (i > 0 && (out[i - 1]!.score < score || (out[i - 1]!.score === score && out[i - 1]!.label > slot))) i--;
      if (i >= k) continue;
      out.splice(i, 0, { label: slot, score });
      if (out.length > k) out.pop();
      if (out.length === k) floor = Math.max(minScore, out[k - 1]!.score);
    }
    return out;
  }

  private *poolIndexLabels(): Generator<number> {
    for (const slot of this.slotOf.values()) if (this.person[slot] === NONE) yield slot;
  }

  private slot(faceId: FaceId): number {
    const s = this.slotOf.get(faceId);
    if (s === undefined) throw new Error(`unknown face ${faceId}`);
    return s;
  }

  private ensurePerson(id: PersonId): PersonState {
    if (!this.persons.has(id)) this.addPerson({ id });
    return this.persons.get(id)!;
  }

  private pendingRejects: [FaceId, PersonId][] = [];
  private pendingReject(faceId: FaceId, p: PersonId): void {
    this.pendingRejects.push([faceId, p]);
  }
  private applyPendingRejects(): void {
    for (const [faceId, p] of this.pendingRejects) {
      const slot = this.slotOf.get(faceId);
      if (slot === undefined) continue;
      let s = this.rejected.get(slot);
      if (!s) this.rejected.set(slot, (s = new Set()));
      s.add(p);
    }
    this.pendingRejects = [];
  }

  private grow(min: number): void {
    if (this.cap >= min) return;
    const cap = Math.max(min, this.cap * 2);
    const g = <T extends Float64Array | Float32Array | Uint8Array | Int8Array>(a: T, n: number, fill?: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      if (fill !== undefined) b.fill(fill, a.length);
      return b;
    };
    this.ids = g(this.ids, cap);
    this.photo = g(this.photo, cap);
    this.quality = g(this.quality, cap);
    this.person = g(this.person, cap, NONE);
    this.user = g(this.user, cap);
    this.alive = g(this.alive, cap);
    this.unrec = g(this.unrec, cap);
    this.emb = g(this.emb, cap * DIM);
    this.cap = cap;
  }

  private register(id: FaceId, photo: PhotoId, quality: number, src: Int8Array, row: number): number {
    if (this.slotOf.has(id)) throw new Error(`face ${id} is already indexed`);
    if (this.count === this.cap) this.grow(this.cap * 2);
    const slot = this.count++;
    this.ids[slot] = id;
    this.photo[slot] = photo;
    this.quality[slot] = quality;
    this.person[slot] = NONE;
    this.alive[slot] = 1;
    this.emb.set(src.subarray(row * DIM, (row + 1) * DIM), slot * DIM);
    if (normAt(this.emb, slot) === 0) throw new Error(`face ${id}: zero embedding`);
    this.unrec[slot] = isUnrecognisable(this.emb, slot, this.th) ? 1 : 0;
    this.slotOf.set(id, slot);
    const list = this.photoFaces.get(photo);
    if (list) list.push(slot);
    else this.photoFaces.set(photo, [slot]);
    return slot;
  }

  private isSeed(slot: number): boolean {
    return this.quality[slot]! >= this.th.qualityMin && !this.unrec[slot];
  }

  /** Does another face of this face's photo belong to the person (and is not the same face twice, th.collage)? */
  private photoConflict(slot: number, personId: PersonId, photo = this.photo[slot]!): boolean {
    for (const other of this.photoFaces.get(photo) ?? []) {
      if (other !== slot && this.person[other] === personId && !this.twice(slot, other)) return true;
    }
    return false;
  }

  /**
   * May two indexed faces of one photo be one person (the same face twice: a collage, a mirror;
   * th.collage)? Both of seed quality. A face not in the index (NONE) never is.
   */
  private twice(a: number, b: number): boolean {
    if (!collageOn(this.th.collage) || a === NONE || b === NONE) return false;
    return this.isSeed(a) && this.isSeed(b) && closeEnough(this.th.collage, this.emb, a, this.emb, b);
  }

  private rankPeople(v: Int8Array, photo: number, slot: number, k: number, minScore: number): Suggestion[] {
    const best = new Map<PersonId, number>();
    const rej = slot === NONE ? undefined : this.rejected.get(slot);
    for (const nb of this.protoIndex.search(v, k, minScore)) {
      if (nb.label === slot) continue;
      const pid = this.person[nb.label]!;
      if (pid === NONE || best.has(pid)) continue; // results are best first
      if (rej?.has(pid) || this.photoConflict(slot, pid, photo)) continue;
      best.set(pid, nb.score);
    }
    return [...best].map(([personId, score]) => ({ personId, score })).sort((a, b) => b.score - a.score || a.personId - b.personId);
  }

  private decideSlot(slot: number): AssignDecision {
    if (this.unrec[slot]) return { personId: null, score: -1, runnerUp: null, reason: 'below-threshold' };
    return this.decideVector(this.emb, slot, this.photo[slot]!, slot);
  }

  private decideVector(src: Int8Array, row: number, photo: number, slot: number): AssignDecision {
    if (this.protoIndex.size === 0) return { personId: null, score: -1, runnerUp: null, reason: 'no-people' };
    const v = src.subarray(row * DIM, (row + 1) * DIM);
    const ranked = this.rankPeople(v, photo, slot, Math.max(16, 4 * this.th.namedPrototypes), this.th.suggest);
    const best = ranked[0];
    const runnerUp = ranked[1] ?? null;
    if (best && best.score >= this.th.assign && !(runnerUp && best.score - runnerUp.score < this.th.margin) && !this.albumCloser(v, best.personId, ranked)) {
      return { personId: best.personId, score: best.score, runnerUp, reason: 'assigned' };
    }
    const album = this.albumDecision(v, ranked);
    if (album) return album;
    if (!best || best.score < this.th.assign) return { personId: null, score: best?.score ?? -1, runnerUp, reason: 'below-threshold' };
    return { personId: null, score: best.score, runnerUp, reason: 'ambiguous' };
  }

  /**
   * th.albumCheck: is another named candidate's album closer to v than the album of `pid` (a
   * named person with an album)? Then the prototype decision for pid does not stand.
   */
  private albumCloser(v: Int8Array, pid: PersonId, ranked: Suggestion[]): boolean {
    const own = this.th.albumCheck ? this.persons.get(pid)?.album : null;
    if (!own) return false;
    const mine = dotUnitF(v, 0, own);
    for (const r of ranked) {
      if (r.personId === pid) continue;
      const a = this.persons.get(r.personId)?.album;
      if (a && dotUnitF(v, 0, a) > mine) return true;
    }
    return false;
  }

  /**
   * The album rule (docs/clustering.md): a face no prototype decided joins a named person when
   * its mean cosine to that person's faces reaches th.album, beats every other named candidate's
   * by th.margin, and that person is also (within th.margin) its nearest by prototype. The mean
   * over a whole album tells a person's odd faces from look-alike strangers far better than the
   * nearest face does (LFW: twice as many missing faces per stranger let in).
   */
  private albumDecision(v: Int8Array, ranked: Suggestion[]): AssignDecision | null {
    if (!(this.th.album < 1) || !ranked.length) return null;
    let top: Suggestion | null = null, second: Suggestion | null = null;
    for (const r of ranked) {
      const a = this.persons.get(r.personId)?.album;
      if (!a) continue;
      const s = { personId: r.personId, score: dotUnitF(v, 0, a) };
      if (!top || s.score > top.score) {
        second = top;
        top = s;
      } else if (!second || s.score > second.score) second = s;
    }
    if (!top || top.score < this.th.album) return null;
    if (second && top.score - second.score < this.th.margin) return null;
    const proto = ranked.find((r) => r.personId === top.personId)!.score;
    if (proto < ranked[0]!.score - this.th.margin) return null;
    return { personId: top.personId, score: top.score, runnerUp: second, reason: 'album' };
  }

  /**
   * Decides all slots against the current prototypes, then applies the decisions best score
   * first (so that of two faces of one photo the better match wins). Unmatched slots go to the
   * pool when `toPool`. Returns the people that received faces.
   */
  private assignSlots(slots: number[], changes: ChangeSet, toPool: boolean): Set<PersonId> {
    const decided: { slot: number; pid: PersonId; score: number }[] = [];
    const unmatched: number[] = [];
    const lead = this.th.poolLead ?? 2;
    // each face's decision, kept only for the pool's lead below (a face added alone pays nothing else)
    const decision = lead < 2 ? new Map<number, PersonId | null>() : null;
    for (const slot of slots) {
      const d = this.decideSlot(slot);
      decision?.set(slot, d.personId);
      if (d.personId !== null) decided.push({ slot, pid: d.personId, score: d.score });
      else unmatched.push(slot);
    }
    if (decision && decided.length) {
      // A face nearer a pool face that will not join the same person (a face of this batch that
      // matched nobody, or an older unassigned one) than that person's best prototype, by the lead,
      // stays in the pool: it is more likely one of a group of its own, which the pool clustering
      // and the merge pass then judge as a group. The unmatched faces go into the pool first, so
      // that a face sees its batch-mates.
      if (toPool) for (const slot of [...unmatched].sort((a, b) => a - b)) this.poolInsert(slot);
      for (let i = decided.length - 1; i >= 0; i--) {
        const d = decided[i]!;
        if (!this.isSeed(d.slot)) continue;
        const v = this.emb.subarray(d.slot * DIM, (d.slot + 1) * DIM);
        const near = this.poolIndex.search(v, 2, d.score + lead, (l) => l !== d.slot && this.isSeed(l))[0];
        if (!near) continue;
        const other = decision.has(near.label) ? decision.get(near.label)! : this.decideSlot(near.label).personId;
        if (other === d.pid) continue;
        decided.splice(i, 1);
        unmatched.push(d.slot);
      }
    }
    decided.sort((a, b) => b.score - a.score || a.slot - b.slot);
    const touched = new Set<PersonId>();
    for (const d of decided) {
      if (this.photoConflict(d.slot, d.pid)) {
        unmatched.push(d.slot);
        continue;
      }
      this.move(d.slot, d.pid, changes);
      touched.add(d.pid);
    }
    if (toPool) for (const slot of unmatched.sort((a, b) => a - b)) this.poolInsert(slot);
    return touched;
  }

  /** Takes a face off a person, and off its prototypes (which then need a refresh). */
  private leavePerson(p: PersonState, slot: number): void {
    if (p.faces.delete(slot)) this.linkMove(p, slot, -1);
    if (p.protos.includes(slot)) {
      this.protoIndex.remove(slot);
      p.protos = p.protos.filter((s) => s !== slot);
      p.protoSize = -1; // force a refresh
    }
  }

  /** Moves a face (machine or user), keeping pool, people and moves in step. */
  private move(slot: number, to: PersonId | null, changes: ChangeSet): void {
    const from = this.person[slot]!;
    const target = to ?? NONE;
    if (from === target) return;
    if (from !== NONE) {
      const p = this.persons.get(from)!;
      this.leavePerson(p, slot);
      if (p.faces.size === 0 && !p.userNamed) changes.emptied.push(from);
    } else this.poolRemove(slot);
    this.person[slot] = target;
    if (target !== NONE) {
      const p = this.ensurePerson(target);
      p.faces.add(slot);
      this.linkMove(p, slot, 1);
      changes.emptied = changes.emptied.filter((e) => e !== target);
    } else this.poolInsert(slot);
    const faceId = this.ids[slot]!;
    // A face moved twice in one change set keeps one move (from its first place to its last); the
    // lookup is a map kept beside the list, not a scan of it (a first scan moves every face)
    let at = this.moveIndex.get(changes.moves);
    if (!at) {
      at = new Map(changes.moves.map((m, i) => [m.faceId, i]));
      this.moveIndex.set(changes.moves, at);
    }
    const i = at.get(faceId);
    if (i !== undefined) {
      const prev = changes.moves[i]!;
      prev.to = to;
      if (prev.from === prev.to) {
        changes.moves.splice(i, 1);
        this.moveIndex.delete(changes.moves); // the positions after it moved: built again when needed
      }
    } else {
      at.set(faceId, changes.moves.length);
      changes.moves.push({ faceId, from: from === NONE ? null : from, to });
    }
  }

  private poolInsert(slot: number): void {
    if (this.poolIndex.has(slot)) return;
    const v = this.emb.subarray(slot * DIM, (slot + 1) * DIM);
    if (this.isSeed(slot)) {
      const edges = new Set<number>();
      for (const nb of this.poolIndex.search(v, this.th.knn, this.th.cluster, (l) => this.isSeed(l))) {
        edges.add(nb.label);
        this.poolGraph.get(nb.label)?.add(slot);
      }
      this.poolGraph.set(slot, edges);
      this.dirtyPool.add(slot);
    }
    this.poolIndex.add(slot, v);
  }

  private poolRemove(slot: number): void {
    if (!this.poolIndex.has(slot)) return;
    this.poolIndex.remove(slot);
    const edges = this.poolGraph.get(slot);
    if (edges) {
      for (const o of edges) this.poolGraph.get(o)?.delete(slot);
      this.poolGraph.delete(slot);
    }
    this.dirtyPool.delete(slot);
  }

  /** Recomputes a person's prototypes when it changed enough (or always when forced). */
  private refreshPrototypes(p: PersonState, force = false): boolean {
    const n = p.faces.size;
    const stale = p.protoSize < 0 || n < 20 || Math.abs(n - p.protoSize) >= Math.max(1, 0.1 * p.protoSize);
    if (!force && !stale) return false;
    for (const s of p.protos) this.protoIndex.remove(s);
    const all = [...p.faces].sort((a, b) => a - b);
    const good = all.filter((s) => this.isSeed(s) || this.user[s]);
    p.protos = n ? selectPrototypes(this.emb, good.length ? good : all, p.userNamed ? this.th.namedPrototypes : this.th.prototypes) : [];
    for (const s of p.protos) this.protoIndex.add(s, this.emb.subarray(s * DIM, (s + 1) * DIM));
    p.protoSize = n;
    this.refreshAlbum(p, good);
    this.refreshed?.add(p.id);
    return true;
  }

  private refreshAlbum(p: PersonState, good: number[]): void {
    p.album = null;
    p.albumNorm = 0;
    this.albums.delete(p);
    if (!p.userNamed || !(this.th.album < 1 || this.th.albumGroup < 1) || good.length < this.th.albumMinFaces) return;
    const album = new Float64Array(DIM);
    for (const s of good) addUnit(album, this.emb, s, 1 / good.length);
    p.album = album;
    p.albumNorm = Math.sqrt(dotF(album, album));
    this.albums.add(p);
  }

  /** A named person's album mean as an int8 query vector (its direction). */
  private albumDirection(p: PersonState): Int8Array {
    const dir = new Int8Array(DIM);
    for (let i = 0; i < DIM; i++) dir[i] = Math.round((127 * p.album![i]!) / p.albumNorm);
    return dir;
  }

  /**
   * Refreshes prototypes of the given people and pulls pool faces that now match them: faces near
   * a prototype, and for a named person faces near its album mean (the album rule). One round: a
   * second round with the grown people's new prototypes chained strangers in (LFW, K=3: 100 ->
   * 164-178 strangers in named people for 7-13 more of their faces).
   */
  private refreshAndSweep(people: Set<PersonId>, changes: ChangeSet): void {
    const refreshed: PersonState[] = [];
    for (const pid of [...people].sort((a, b) => a - b)) {
      const p = this.persons.get(pid);
      if (p && this.refreshPrototypes(p)) refreshed.push(p);
    }
    const candidates = new Set<number>();
    for (const p of refreshed) {
      for (const proto of p.protos) {
        const v = this.emb.subarray(proto * DIM, (proto + 1) * DIM);
        for (const nb of this.poolIndex.search(v, 32, this.th.assign)) candidates.add(nb.label);
      }
      if (p.album && this.th.album < 1) {
        // v.album >= th.album  <=>  cos(v, album direction) >= th.album / |album| (less a rounding allowance)
        for (const nb of this.poolIndex.search(this.albumDirection(p), 64, this.th.album / p.albumNorm - 0.002)) candidates.add(nb.label);
      }
    }
    if (candidates.size) {
      const touched = this.assignSlots([...candidates].sort((a, b) => a - b), changes, false);
      for (const pid of touched) {
        const p = this.persons.get(pid);
        if (p) this.refreshPrototypes(p);
      }
    }
  }

  private clusterPoolInto(changes: ChangeSet): void {
    if (!this.dirtyPool.size) return;
    const seen = new Set<number>();
    const created: PersonId[] = [];
    const grown = new Set<PersonId>();
    for (const start of [...this.dirtyPool].sort((a, b) => a - b)) {
      if (seen.has(start) || !this.poolGraph.has(start)) continue;
      const comp: number[] = [];
      const stack = [start];
      seen.add(start);
      while (stack.length) {
        const s = stack.pop()!;
        comp.push(s);
        for (const o of this.poolGraph.get(s) ?? []) {
          if (seen.has(o)) continue;
          seen.add(o);
          stack.push(o);
        }
      }
      if (comp.length < this.th.minClusterSize) continue;
      comp.sort((a, b) => a - b);
      const local = new Map(comp.map((s, i) => [s, i]));
      const hac = averageLinkage({
        vectors: this.emb,
        rows: comp,
        neighbors: comp.map((s) => [...this.poolGraph.get(s)!].map((o) => local.get(o)!).filter((x) => x !== undefined)),
        threshold: this.th.cluster,
        photo: comp.map((s) => this.photo[s]!),
        twice: collageOn(this.th.collage) ? (i, j) => this.twice(comp[i]!, comp[j]!) : undefined,
      });
      for (const cluster of hac.clusters) {
        if (cluster.length < this.th.minClusterSize) continue;
        const slots = cluster.map((i) => comp[i]!);
        const owner = this.albumOwner(slots);
        if (owner !== null) {
          // a split-off group of a named person (the album rule for groups): it joins the person
          for (const slot of slots) this.move(slot, owner, changes);
          grown.add(owner);
          continue;
        }
        const pid = this.newId();
        this.addPerson({ id: pid });
        created.push(pid);
        changes.created.push(pid);
        for (const slot of slots) this.move(slot, pid, changes);
      }
    }
    this.dirtyPool.clear();
    if (created.length) {
      for (const pid of created) this.refreshPrototypes(this.persons.get(pid)!, true);
    }
    if (created.length || grown.size) this.refreshAndSweepForce([...created, ...grown], changes);
  }

  /**
   * Machine people that are split-off groups of a named person join it (the album rule for
   * groups, see albumOwner). People holding a user-assigned face stay as they are. Used by the
   * full re-cluster after its free clusters became people.
   */
  absorbIntoNamed(): ChangeSet {
    const changes = emptyChanges();
    const grown = new Set<PersonId>();
    for (const p of [...this.persons.values()].sort((a, b) => a.id - b.id)) {
      if (p.userNamed || !p.faces.size) continue;
      const slots = [...p.faces].sort((a, b) => a - b);
      if (slots.some((s) => this.user[s])) continue;
      const owner = this.albumOwner(slots);
      if (owner === null) continue;
      for (const slot of slots) this.move(slot, owner, changes);
      grown.add(owner);
    }
    if (grown.size) this.refreshAndSweepForce([...grown], changes);
    return changes;
  }

  /**
   * The album rule for groups: the named person a group of faces (a new pool cluster, a machine
   * person) belongs to, or null. The group's mean cosine to the person's album (average linkage
   * between the two: mean of group . album mean) must reach th.albumGroup and beat every other
   * named person's by th.margin, and no face of the group may have rejected the person or share a
   * photo with one of its faces. Averaged over a group's faces, the score is steadier than one
   * face's, so the bar sits lower than th.album.
   */
  private albumOwner(slots: number[]): PersonId | null {
    if (!(this.th.albumGroup < 1) || !slots.length) return null;
    const mean = new Float64Array(DIM);
    for (const s of slots) addUnit(mean, this.emb, s, 1 / slots.length);
    let top: PersonState | null = null, topScore = -2, secondScore = -2;
    for (const p of this.albums) {
      const d = dotF(mean, p.album!);
      if (d > topScore) {
        secondScore = topScore;
        topScore = d;
        top = p;
      } else if (d > secondScore) secondScore = d;
    }
    if (!top || topScore < this.th.albumGroup || topScore - secondScore < this.th.margin) return null;
    for (const s of slots) if (this.rejected.get(s)?.has(top.id) || this.photoConflict(s, top.id)) return null;
    return top.id;
  }

  // ---------------------------------------------------------------- album merge and leftovers

  /**
   * After new faces (addFaces) or a fresh clustering (recluster): the album merge pass over the
   * people concerned, then the leftovers rule over the given pool faces and the pool faces near
   * the people that grew. The same two rules, with the same constraints, in both paths.
   */
  settle(people: Iterable<PersonId>, poolSlots: Iterable<number>, changes: ChangeSet): void {
    const grown = this.mergePeople(people, changes);
    const cands = new Set<number>();
    // which pool faces the leftovers rules consider: low-quality ones (th.leftover), seed-quality
    // ones (th.leftoverSeed)
    const lowOn = (this.th.leftover ?? 1) < 1, seedOn = (this.th.leftoverSeed ?? 1) < 1;
    const wanted = (s: number) => (this.isSeed(s) ? seedOn : lowOn);
    for (const s of poolSlots) if (this.person[s] === NONE && this.alive[s] && wanted(s)) cands.add(s);
    if (this.awaitingRivals.size && this.persons.size >= (this.th.leftoverSeedMinPeople ?? 1)) {
      for (const s of this.awaitingRivals) if (this.person[s] === NONE && this.alive[s]) cands.add(s);
      this.awaitingRivals.clear();
    }
    if (lowOn || seedOn) {
      for (const pid of grown) {
        for (const proto of this.persons.get(pid)?.protos ?? []) {
          for (const nb of this.poolIndex.search(this.emb.subarray(proto * DIM, (proto + 1) * DIM), 32, this.th.suggest)) if (wanted(nb.label)) cands.add(nb.label);
        }
      }
    }
    this.attachLeftovers([...cands].sort((a, b) => a - b), changes);
  }

  /** settle() for a whole fresh clustering (the full re-cluster): every person, every pool face. */
  settleAll(changes: ChangeSet): void {
    this.settle(
      [...this.persons.keys()].sort((a, b) => a - b),
      [...this.poolIndexLabels()].sort((a, b) => a - b),
      changes,
    );
  }

  /** A person's link sum (PersonState.link): its seed-quality faces, or all its faces (not kept) when it has none. */
  private linkOf(p: PersonState): { sum: Float64Array; n: number } {
    if (!p.link) {
      const sum = new Float64Array(DIM);
      let n = 0;
      for (const s of p.faces) {
        if (!this.isSeed(s)) continue;
        addUnit(sum, this.emb, s);
        n++;
      }
      p.link = { sum, n };
    }
    if (p.link.n) return p.link;
    const sum = new Float64Array(DIM);
    for (const s of p.faces) addUnit(sum, this.emb, s);
    return { sum, n: p.faces.size };
  }

  /** Keeps a person's link sum (once computed) in step with a face joining (+1) or leaving (-1) it. */
  private linkMove(p: PersonState, slot: number, sign: 1 | -1): void {
    if (!p.link || !this.isSeed(slot)) return;
    addUnit(p.link.sum, this.emb, slot, sign);
    p.link.n += sign;
  }

  /** A person the user made: named (or answered "not same"), or holding a face the user put there. */
  private isUserPerson(p: PersonState): boolean {
    if (p.userNamed) return true;
    for (const s of p.faces) if (this.user[s]) return true;
    return false;
  }

  /**
   * May `source` move into `target`? Not when both are user people or a face of either rejected
   * the other. Returns the faces of `source` that share a photo with a face of `target` (they stay
   * out: faces of one photo are different people, unless the same face twice, th.collage), or null
   * when the merge is refused: when more than half of the source's faces would stay out (then the
   * two are more likely two people seen together than one person split).
   */
  private mergeConflicts(target: PersonState, source: PersonState): number[] | null {
    if (this.isUserPerson(target) && this.isUserPerson(source)) return null;
    for (const s of source.faces) if (this.rejected.get(s)?.has(target.id)) return null;
    for (const s of target.faces) if (this.rejected.get(s)?.has(source.id)) return null;
    const out: number[] = [];
    for (const s of source.faces) {
      for (const o of this.photoFaces.get(this.photo[s]!) ?? []) {
        if (o !== s && this.person[o] === target.id && !this.twice(s, o)) {
          out.push(s);
          break;
        }
      }
    }
    return out.length * 2 > source.faces.size ? null : out;
  }

  /**
   * The album merge pass (th.albumMerge): each given person, in id order, merges with the person
   * whose album is nearest by average linkage (mean pairwise cosine of seed-quality faces,
   * sumA.sumB / |A||B|) when that reaches th.albumMerge, the larger has th.albumMergeMinFaces
   * faces, and canMergePeople allows it; the grown person is looked at again. Candidates are the
   * people whose prototypes are near the person's (a mean >= the bar needs close faces), so a pass
   * costs a few prototype searches a person concerned, not a scan of every person. A machine
   * person moves into a user person; of two machine people the smaller into the larger (ties:
   * into the lower id). Returns the people that grew.
   */
  private mergePeople(people: Iterable<PersonId>, changes: ChangeSet): Set<PersonId> {
    const grown = new Set<PersonId>();
    const bar = this.th.albumMerge ?? 1;
    if (!(bar < 1) && !((this.th.smallMerge ?? 1) < 1)) return grown;
    const minFaces = this.th.albumMergeMinFaces ?? 5;
    const queue = [...new Set(people)].sort((a, b) => a - b);
    for (let qi = 0; bar < 1 && qi < queue.length; qi++) {
      const p = this.persons.get(queue[qi]!);
      if (!p || !p.faces.size) continue;
      const lp = this.linkOf(p);
      const dir = this.linkDirection(lp);
      if (!dir) continue;
      // a person whose album is >= bar from p's on average has faces >= bar from p's mean direction
      const near = new Set<PersonId>();
      for (const nb of this.protoIndex.search(dir, ALBUM_MERGE_NEIGHBOURS, bar - ALBUM_MERGE_SEARCH_SLACK)) {
        const pid = this.person[nb.label]!;
        if (pid !== NONE && pid !== p.id) near.add(pid);
      }
      const cands: { q: PersonState; score: number }[] = [];
      for (const pid of near) {
        const q = this.persons.get(pid);
        if (!q || !q.faces.size) continue;
        const lq = this.linkOf(q);
        if (Math.max(lp.n, lq.n) < minFaces) continue;
        const score = dotF(lp.sum, lq.sum) / (lp.n * lq.n);
        if (score >= bar) cands.push({ q, score });
      }
      cands.sort((x, y) => y.score - x.score || x.q.id - y.q.id);
      for (const { q } of cands) {
        const target = this.mergeAlbums(p, q, changes, grown);
        if (!target) continue;
        queue.push(target);
        break;
      }
    }
    // then the small people among them (and those the merges made), against the settled albums
    for (const pid of [...new Set(queue)].sort((a, b) => a - b)) {
      const p = this.persons.get(pid);
      if (!p || !p.faces.size) continue;
      const q = this.smallMergeTarget(p);
      if (q) this.mergeAlbums(p, q, changes, grown);
    }
    return grown;
  }

  /** The unit direction of an album's link sum, as an index query; null for an empty album. */
  private linkDirection(l: { sum: Float64Array; n: number }): Int8Array | null {
    const norm = Math.sqrt(dotF(l.sum, l.sum));
    if (!norm) return null;
    const dir = new Int8Array(DIM);
    for (let d = 0; d < DIM; d++) dir[d] = Math.round((127 * l.sum[d]!) / norm);
    return dir;
  }

  /**
   * Merges two people's albums: into the user's person if either is one, else into the bigger
   * (ties: lower id). Faces the constraints keep out (mergeConflicts) stay, as a person only while
   * big enough. Returns the person that grew, or null when the constraints forbid the merge.
   */
  private mergeAlbums(p: PersonState, q: PersonState, changes: ChangeSet, grown: Set<PersonId>): PersonId | null {
    const pUser = this.isUserPerson(p), qUser = this.isUserPerson(q);
    const intoP = pUser || (!qUser && (p.faces.size > q.faces.size || (p.faces.size === q.faces.size && p.id < q.id)));
    const [target, source] = intoP ? [p, q] : [q, p];
    const conflicts = this.mergeConflicts(target, source);
    if (!conflicts) return null;
    const stay = new Set(conflicts);
    for (const slot of [...source.faces].sort((a, b) => a - b)) if (!stay.has(slot)) this.move(slot, target.id, changes);
    // what stays out is a person of its own only while it is big enough to be one
    if (stay.size && stay.size < this.th.minClusterSize) for (const slot of [...stay].sort((a, b) => a - b)) this.move(slot, null, changes);
    if (source.faces.size) this.refreshPrototypes(source, true);
    this.refreshPrototypes(target, true);
    grown.add(target.id);
    grown.delete(source.id);
    return target.id;
  }

  /**
   * The small-person merge (th.smallMerge): a machine person of at most th.smallMergeMaxFaces
   * faces joins the person whose album is nearest by average linkage when that reaches
   * th.smallMerge, the person has th.leftoverSeedMinFaces seed-quality faces, and no other
   * person's album, whatever its size, comes within th.smallMergeMargin.
   */
  private smallMergeTarget(p: PersonState): PersonState | null {
    const bar = this.th.smallMerge ?? 1;
    if (!(bar < 1) || p.faces.size > (this.th.smallMergeMaxFaces ?? 2) || this.isUserPerson(p)) return null;
    const lp = this.linkOf(p);
    const dir = this.linkDirection(lp);
    if (!dir) return null;
    const near = new Set<PersonId>();
    for (const nb of this.protoIndex.search(dir, ALBUM_MERGE_NEIGHBOURS, -1)) {
      const pid = this.person[nb.label]!;
      if (pid !== NONE && pid !== p.id) near.add(pid);
    }
    let top: { q: PersonState; score: number } | null = null, second = -2;
    for (const pid of near) {
      const q = this.persons.get(pid);
      if (!q || !q.faces.size) continue;
      const lq = this.linkOf(q);
      const score = dotF(lp.sum, lq.sum) / (lp.n * lq.n);
      if (lq.n < (this.th.leftoverSeedMinFaces ?? 10)) {
        second = Math.max(second, score);
        continue;
      }
      if (!top || score > top.score) {
        if (top) second = Math.max(second, top.score);
        top = { q, score };
      } else second = Math.max(second, score);
    }
    if (!top || top.score < bar || top.score - second < (this.th.smallMergeMargin ?? 0.15)) return null;
    return top.q;
  }

  /**
   * The leftovers rules (th.leftover for pool faces below th.qualityMin, th.leftoverSeed with its
   * own margin for seed-quality ones, which on LFW-like libraries are mostly strangers) : each
   * given pool face joins the person whose album mean
   * (mean cosine to its seed-quality faces, people with th.leftoverMinFaces of them) is nearest
   * among the people ranked by prototype, when it reaches th.leftover, beats the next one by
   * th.leftoverMargin (default th.margin) and the person is its nearest by prototype within th.margin. Decided against the
   * same people, applied best first (photo conflicts re-checked). A face joins; it never starts a person.
   */
  private attachLeftovers(slots: number[], changes: ChangeSet): void {
    const lowBar = this.th.leftover ?? 1, seedBar = this.th.leftoverSeed ?? 1;
    if (!(lowBar < 1 || seedBar < 1) || !slots.length || this.protoIndex.size === 0) return;
    const minFaces = this.th.leftoverMinFaces ?? 3;
    const decided: { slot: number; pid: PersonId; score: number }[] = [];
    for (const slot of slots) {
      if (this.unrec[slot]) continue;
      const seed = this.isSeed(slot);
      const bar = seed ? seedBar : lowBar, margin = seed ? (this.th.leftoverSeedMargin ?? 0.1) : (this.th.leftoverMargin ?? this.th.margin);
      const need = seed ? (this.th.leftoverSeedMinFaces ?? 10) : minFaces;
      if (!(bar < 1)) continue;
      const v = this.emb.subarray(slot * DIM, (slot + 1) * DIM);
      // A seed-quality face is compared with the nearest people whatever their score and size: the
      // runner-up's album, small or far, is what tells a look-alike stranger from a member
      const ranked = this.rankPeople(v, this.photo[slot]!, slot, Math.max(16, 4 * this.th.namedPrototypes), seed ? -1 : this.th.suggest);
      let top: { pid: PersonId; score: number; proto: number } | null = null, second = -2, people = 0;
      for (const r of ranked.slice(0, LEFTOVER_CANDIDATES)) {
        const p = this.persons.get(r.personId);
        if (!p) continue;
        people++;
        const l = this.linkOf(p);
        const score = dotUnitF(v, 0, l.sum) / l.n;
        if (l.n < need) {
          if (seed) second = Math.max(second, score);
          continue;
        }
        if (!top || score > top.score) {
          if (top) second = Math.max(second, top.score);
          top = { pid: p.id, score, proto: r.score };
        } else second = Math.max(second, score);
      }
      if (!top || top.score < bar || top.score - second < margin || top.proto < ranked[0]!.score - this.th.margin) continue;
      if (seed && people < (this.th.leftoverSeedMinPeople ?? 1)) {
        // no one to rank it against yet: judged again once the library has more people
        this.awaitingRivals.add(slot);
        continue;
      }
      if (seed && top.proto < (this.th.leftoverSeedNearest ?? -1)) continue;
      decided.push({ slot, pid: top.pid, score: top.score });
    }
    decided.sort((a, b) => b.score - a.score || a.slot - b.slot);
    const touched = new Set<PersonId>();
    for (const d of decided) {
      if (this.photoConflict(d.slot, d.pid)) continue;
      this.move(d.slot, d.pid, changes);
      touched.add(d.pid);
    }
    for (const pid of [...touched].sort((a, b) => a - b)) this.refreshPrototypes(this.persons.get(pid)!);
  }

  private refreshAndSweepForce(people: PersonId[], changes: ChangeSet): void {
    for (const pid of people) {
      const p = this.persons.get(pid);
      if (p) p.protoSize = -1;
    }
    this.refreshAndSweep(new Set(people), changes);
  }
}

/** A face's state in the database, for PeopleIndex.patch. */
export interface FaceState {
  faceId: FaceId;
  /** Its person now (null: unassigned). */
  personId: PersonId | null;
  /** Put there by the user (a must-link). */
  user: boolean;
  /** The people it rejected. */
  rejected: readonly PersonId[];
}

/** First index in an ascending list whose value is >= x. */
function lowerBound(list: readonly number[], x: number): number {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function emptyChanges(): ChangeSet {
  return { moves: [], created: [], emptied: [] };
}
