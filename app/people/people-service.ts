/**
 * The people feature over the SQLite store: people, faces, suggestions, corrections with undo and
 * redo, incremental clustering of new faces and full re-clusters that reproduce every user decision.
 *
 * Durable state (all in the library database):
 *  - persons (name, hidden, cover, user_named = the user created/named/corrected it, merged_into),
 *  - face_assignments (source 'user' = must-link the machine never changes, 'machine' = clustering),
 *  - face_rejections ("not this person": permanent cannot-links), faces.not_a_face,
 *  - corrections: the append-only log; each entry holds the correction and what undoing it needs.
 * Every correction is ONE transaction writing the state change and its log entry together, so a
 * crash (kill -9) can lose neither half. The in-memory clustering index mirrors this state: built
 * from it when needed, and after a correction brought to the database's new state of exactly the
 * faces and people the correction touched (or dropped and rebuilt when that cannot be done exactly),
 * so nothing the machine does can override a user decision.
 */
import type Database from 'better-sqlite3';
import { PeopleIndex, type FaceState } from './people-index';
import { libraryModel } from '../store/settings';
import { existsSync } from 'node:fs';
import { activeHeadId, activeHeadThresholds, clearPendingSwitch, pendingSwitch, syncProjections } from '../learning/projection';
import { namedMembership, namedPeople, recordSwitchChanges } from '../learning/changes';
import { recluster as fullRecluster } from './recluster';
import {
  PLACEHOLDER_BASE,
  abortError,
  defaultReclusterWorkerPath,
  reclusterInWorker as runReclusterInWorker,
  type PackedReclusterInput,
  type PackedReclusterResult,
} from './recluster-worker';
import { thresholdsFor, type ModelThresholds } from './thresholds';
import type { PeopleApi } from './api';
import type { ChangeSet, ClusterFace, UserDecisions } from './types';
import type {
  ClusterStats,
  Correction,
  CorrectionResult,
  FaceId,
  FaceInfo,
  FaceSuggestion,
  ImportPlan,
  LoggedCorrection,
  PersonId,
  PersonPhoto,
  PersonSuggestion,
  PersonSummary,
  PhotoId,
  PhotoInfo,
} from '../contract/people';

export class CorrectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorrectionError';
  }
}

interface AssignmentState {
  faceId: FaceId;
  personId: PersonId | null;
  source: 'user' | 'machine' | null;
  confirmed: boolean;
}

interface PersonState {
  id: PersonId;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  user_named: number;
  merged_into: number | null;
  created_at: string;
}

/** What undoing a correction needs, stored with it in the log. */
interface UndoInfo {
  /** Face assignments before the correction. */
  assignments?: AssignmentState[];
  /** Person rows before the correction (name/hidden/cover/user_named/merged_into). */
  persons?: PersonState[];
  /** Person rows this correction created (deleted on undo, recreated with the same id on redo). */
  createdPersons?: PersonId[];
  /** Rejection rows this correction added. */
  addedRejections?: [FaceId, PersonId][];
  /** Rejection rows this correction removed (re-inserted on undo). */
  removedRejections?: [FaceId, PersonId][];
  /** not_a_face flags before the correction. */
  notAFace?: [FaceId, number][];
}

interface LogPayload {
  correction: Correction;
  undo: UndoInfo;
}

export interface PeopleServiceOptions {
  /** Embedding model whose faces are clustered (default: the model most faces have). */
  model?: string;
  /** Overrides of the model's clustering thresholds (settings: strictness). */
  overrides?: Partial<ModelThresholds>;
}

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

const now = () => new Date().toISOString();

/** Most faces a correction may touch for the in-memory index to be patched rather than rebuilt. */
const PATCH_MAX_FACES = 20_000;
/** How long each background slice of rebuilding the index may run (warmIndex). */
const WARM_SLICE_MS = 25;

/** What an entry touched when it was undone (`before`) together with what redoing it touched (`after`). */
function mergeUndo(before: UndoInfo, after: UndoInfo): UndoInfo {
  return {
    assignments: [...(before.assignments ?? []), ...(after.assignments ?? [])],
    persons: [...(before.persons ?? []), ...(after.persons ?? [])],
    createdPersons: [...(before.createdPersons ?? []), ...(after.createdPersons ?? [])],
    addedRejections: [...(before.addedRejections ?? []), ...(after.addedRejections ?? [])],
    removedRejections: [...(before.removedRejections ?? []), ...(after.removedRejections ?? [])],
    notAFace: [...(before.notAFace ?? []), ...(after.notAFace ?? [])],
  };
}

/**
 * Edits of the people state made through any PeopleService on a database (corrections, undo,
 * redo, update, re-cluster): part of the fingerprint a re-cluster in a worker checks before
 * persisting (an undo followed by a redo leaves the tables' counts as they were).
 */
const editCounts = new WeakMap<Database.Database, number>();

interface ClusterFaceRow {
  id: number;
  photo_id: number;
  embedding: Buffer;
  q_score: number | null;
}

const toClusterFace = (r: ClusterFaceRow): ClusterFace => ({
  id: r.id,
  photoId: r.photo_id,
  embedding: new Int8Array(r.embedding.buffer.slice(r.embedding.byteOffset, r.embedding.byteOffset + 128)),
  quality: r.q_score ?? 0,
});

export class PeopleService implements PeopleApi {
  private index: PeopleIndex | null = null;
  /** The index being built in the background (warmIndex). */
  private warming: { idx: PeopleIndex; version: string } | null = null;
  private builds = 0;
  readonly model: string;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: PeopleServiceOptions = {},
  ) {
    this.model = opts.model ?? libraryModel(db) ?? this.dominantModel() ?? 'dlib-resnet-v1';
  }

  /**
   * The model's clustering thresholds, as re-calibrated for the active learned head (its cosine
   * scale differs from the base network's: app/learning/calibrate.ts), then the user's overrides.
   */
  get thresholds(): ModelThresholds {
    return thresholdsFor(this.model, { ...activeHeadThresholds(this.db, this.model), ...(this.opts.overrides ?? {}) });
  }

  private dominantModel(): string | null {
    const row = this.db
      .prepare<[], { model_id: string }>('SELECT model_id FROM faces GROUP BY model_id ORDER BY COUNT(*) DESC LIMIT 1')
      .get();
    return row?.model_id ?? null;
  }

  // ------------------------------------------------------------------ queries

  /** People with their counts and automatic cover; `one` = a single person by id (even empty). */
  private personRows(one: PersonId | null) {
    return this.db
      .prepare<number[], PersonState & { face_count: number; photo_count: number; best_face: number | null }>(
        `SELECT p.*, COUNT(fa.face_id) AS face_count, COUNT(DISTINCT f.photo_id) AS photo_count,
                (SELECT fa2.face_id FROM face_assignments fa2 JOIN faces f2 ON f2.id = fa2.face_id
                  WHERE fa2.person_id = p.id AND f2.not_a_face = 0
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS best_face
         FROM persons p
         LEFT JOIN face_assignments fa ON fa.person_id = p.id
         LEFT JOIN faces f ON f.id = fa.face_id AND f.not_a_face = 0
         WHERE p.merged_into IS NULL ${one === null ? '' : 'AND p.id = ?'}
         GROUP BY p.id
         ${one === null ? 'HAVING face_count > 0 OR p.user_named = 1' : ''}`,
      )
      .all(...(one === null ? [] : [one]));
  }

  listPeople(opts: { includeHidden?: boolean; query?: string } = {}): PersonSummary[] {
    const q = opts.query?.trim().toLowerCase();
    return this.personRows(null)
      .filter((r) => opts.includeHidden || !r.hidden)
      .filter((r) => !q || (r.name ?? '').toLowerCase().includes(q))
      .map((r) => this.summary(r))
      .sort((a, b) => Number(!!b.name) - Number(!!a.name) || b.faceCount - a.faceCount || a.id - b.id);
  }

  private summary(r: PersonState & { face_count: number; photo_count: number; best_face: number | null }): PersonSummary {
    return {
      id: r.id,
      name: r.name,
      hidden: !!r.hidden,
      faceCount: r.face_count,
      photoCount: r.photo_count,
      coverFaceId: r.cover_face_id ?? r.best_face,
      userTouched: !!r.user_named,
    };
  }

  getPerson(id: PersonId): PersonSummary | null {
    const [row] = this.personRows(id);
    return row ? this.summary(row) : null;
  }

  private readonly faceSelect = `
    SELECT f.id, f.photo_id, f.x, f.y, f.w, f.h, f.score, f.q_score, ph.path, ph.width, ph.height,
           fa.person_id, fa.source, fa.confirmed, p.name AS person_name
    FROM faces f JOIN photos ph ON ph.id = f.photo_id
    LEFT JOIN face_assignments fa ON fa.face_id = f.id
    LEFT JOIN persons p ON p.id = fa.person_id`;

  private faceInfo(r: {
    id: number; photo_id: number; x: number; y: number; w: number; h: number; score: number; q_score: number | null;
    path: string; width: number; height: number; person_id: number | null; source: 'user' | 'machine' | null;
    confirmed: number | null; person_name: string | null;
  }): FaceInfo {
    return {
      id: r.id,
      photoId: r.photo_id,
      photoPath: r.path,
      box: { x: r.x, y: r.y, width: r.w, height: r.h },
      photoWidth: r.width,
      photoHeight: r.height,
      score: r.score,
      quality: r.q_score ?? 0,
      personId: r.person_id,
      personName: r.person_name,
      source: r.source,
      confirmed: !!r.confirmed,
    };
  }

  personFaces(id: PersonId, opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.db
      .prepare(`${this.faceSelect} WHERE fa.person_id = ? AND f.not_a_face = 0
                ORDER BY fa.source = 'user' DESC, f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(id, opts.limit ?? -1, opts.offset ?? 0)
      .map((r) => this.faceInfo(r as never));
  }

  personFaceIds(id: PersonId): FaceId[] {
    return this.db
      .prepare<[number], { id: number }>(
        `SELECT f.id FROM faces f JOIN photos ph ON ph.id = f.photo_id JOIN face_assignments fa ON fa.face_id = f.id
         WHERE fa.person_id = ? AND f.not_a_face = 0
         ORDER BY fa.source = 'user' DESC, f.q_score DESC, f.id`,
      )
      .all(id)
      .map((r) => r.id);
  }

  /** The person's photos: those holding one of its faces ("not a face" excluded), each once. */
  private readonly personPhotoWhere = `
    FROM photos ph
    WHERE ph.id IN (SELECT f.photo_id FROM face_assignments fa JOIN faces f ON f.id = fa.face_id
                    WHERE fa.person_id = @person AND f.not_a_face = 0)
    ORDER BY ph.taken_at IS NULL, ph.taken_at DESC, ph.path, ph.id`;

  personPhotos(id: PersonId, opts: { offset?: number; limit?: number } = {}): PersonPhoto[] {
    return this.db
      .prepare<{ person: number; limit: number; offset: number }, { id: number; path: string; width: number; height: number; taken_at: string | null; face_id: number }>(
        `SELECT ph.id, ph.path, ph.width, ph.height, ph.taken_at,
                (SELECT f2.id FROM faces f2 JOIN face_assignments fa2 ON fa2.face_id = f2.id
                  WHERE f2.photo_id = ph.id AND fa2.person_id = @person AND f2.not_a_face = 0
                  ORDER BY fa2.source = 'user' DESC, f2.q_score DESC, f2.id LIMIT 1) AS face_id
         ${this.personPhotoWhere} LIMIT @limit OFFSET @offset`,
      )
      .all({ person: id, limit: opts.limit ?? -1, offset: opts.offset ?? 0 })
      .map((r) => ({ id: r.id, path: r.path, width: r.width, height: r.height, takenAt: r.taken_at, faceId: r.face_id }));
  }

  personPhotoIds(id: PersonId): PhotoId[] {
    return this.db
      .prepare<{ person: number }, { id: number }>(`SELECT ph.id ${this.personPhotoWhere}`)
      .all({ person: id })
      .map((r) => r.id);
  }

  unassignedFaces(opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.db
      .prepare(`${this.faceSelect} WHERE fa.face_id IS NULL AND f.not_a_face = 0 AND f.model_id = ?
                ORDER BY f.q_score DESC, f.id LIMIT ? OFFSET ?`)
      .all(this.model, opts.limit ?? -1, opts.offset ?? 0)
      .map((r) => this.faceInfo(r as never));
  }

  face(id: FaceId): FaceInfo | null {
    const r = this.db.prepare(`${this.faceSelect} WHERE f.id = ?`).get(id);
    return r ? this.faceInfo(r as never) : null;
  }

  photo(id: PhotoId): PhotoInfo | null {
    const p = this.db
      .prepare<[number], { id: number; path: string; width: number; height: number; taken_at: string | null }>(
        'SELECT id, path, width, height, taken_at FROM photos WHERE id = ?',
      )
      .get(id);
    if (!p) return null;
    const faces = this.db
      .prepare(`${this.faceSelect} WHERE f.photo_id = ? AND f.not_a_face = 0 ORDER BY f.x`)
      .all(id)
      .map((r) => this.faceInfo(r as never));
    return { id: p.id, path: p.path, width: p.width, height: p.height, takenAt: p.taken_at, faces };
  }

  suggestPeople(faceId: FaceId, k = 5): PersonSuggestion[] {
    const idx = this.ensureIndex();
    const row = this.clusterFace(faceId);
    if (!row) return [];
    return idx
      .suggestPeople(row, k)
      .filter((s) => this.personRow(s.personId)?.merged_into == null)
      .map((s) => ({ personId: s.personId, name: this.personRow(s.personId)?.name ?? null, similarity: s.score }));
  }

  suggestFaces(personId: PersonId, k = 20): FaceSuggestion[] {
    const idx = this.ensureIndex();
    if (!idx.people().some((p) => p.id === personId)) return [];
    return idx.suggestFaces(personId, k).map((s) => ({ faceId: s.faceId, similarity: s.score }));
  }

  similarPeople(personId: PersonId, k = 10): PersonSuggestion[] {
    const idx = this.ensureIndex();
    const protos = idx.prototypesOf(personId);
    const best = new Map<PersonId, number>();
    for (const f of protos) {
      const cf = this.clusterFace(f);
      if (!cf) continue;
      for (const s of idx.suggestPeople(cf, k + 1)) {
        if (s.personId === personId) continue;
        best.set(s.personId, Math.max(best.get(s.personId) ?? -1, s.score));
      }
    }
    return [...best.entries()]
      .filter(([id]) => this.personRow(id)?.merged_into == null)
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id, score]) => ({ personId: id, name: this.personRow(id)?.name ?? null, similarity: score }));
  }

  history(limit = 100): LoggedCorrection[] {
    return this.db
      .prepare<[number], { id: number; at: string; kind: string; payload: string; undone: number }>(
        'SELECT * FROM corrections ORDER BY id DESC LIMIT ?',
      )
      .all(limit)
      .map((r) => this.logged(r));
  }

  private logged(r: { id: number; at: string; kind: string; payload: string; undone: number }): LoggedCorrection {
    const p = JSON.parse(r.payload) as LogPayload;
    return { id: r.id, at: r.at, kind: p.correction.kind, correction: p.correction, undone: !!r.undone };
  }

  // ------------------------------------------------------------------ corrections

  correct(c: Correction): CorrectionResult {
    const warming = this.noteEdit();
    let applied: UndoInfo = {};
    const transaction = this.db.transaction(() => {
      const undo: UndoInfo = {};
      applied = undo;
      const res = this.apply(c, undo, null);
      const id = Number(
        this.db.prepare('INSERT INTO corrections (at, kind, payload) VALUES (?, ?, ?)').run(now(), c.kind, JSON.stringify({ correction: c, undo } satisfies LogPayload)).lastInsertRowid,
      );
      // A new correction ends the redo chain: entries undone before it can no longer be redone.
      this.db.prepare("UPDATE corrections SET undone = 2 WHERE undone = 1 AND id < ?").run(id);
      return { ...res, correctionId: id };
    });
    let result: CorrectionResult;
    try {
      result = transaction();
    } catch (e) {
      // Refused (nothing written): a background build the call interrupted starts again.
      if (warming) this.warmIndex();
      throw e;
    }
    this.patchIndex(applied, warming);
    return result;
  }

  undo(): LoggedCorrection | null {
    const warming = this.noteEdit();
    let reverted: UndoInfo | null = null;
    const entry = this.db.transaction(() => {
      const row = this.db
        .prepare<[], { id: number; at: string; kind: string; payload: string; undone: number }>(
          'SELECT * FROM corrections WHERE undone = 0 ORDER BY id DESC LIMIT 1',
        )
        .get();
      if (!row) return null;
      const p = JSON.parse(row.payload) as LogPayload;
      this.revert(p.undo);
      reverted = p.undo;
      this.db.prepare('UPDATE corrections SET undone = 1 WHERE id = ?').run(row.id);
      return this.logged({ ...row, undone: 1 });
    })();
    if (reverted) this.patchIndex(reverted, warming);
    return entry;
  }

  redo(): LoggedCorrection | null {
    const warming = this.noteEdit();
    try {
      return this.redoOnce(warming);
    } catch (e) {
      if (!(e instanceof CorrectionError)) throw e;
      // The world moved on (e.g. a person it names no longer exists): this entry can never be
      // redone; drop it from the redo chain so that the next one can be.
      this.db.prepare('UPDATE corrections SET undone = 2 WHERE id = (SELECT id FROM corrections WHERE undone = 1 ORDER BY id ASC LIMIT 1)').run();
      throw new CorrectionError(`cannot redo: ${e.message}`);
    }
  }

  private redoOnce(warming: boolean): LoggedCorrection | null {
    let redone: UndoInfo | null = null;
    const entry = this.db.transaction(() => {
      const row = this.db
        .prepare<[], { id: number; at: string; kind: string; payload: string; undone: number }>(
          'SELECT * FROM corrections WHERE undone = 1 ORDER BY id ASC LIMIT 1',
        )
        .get();
      if (!row) return null;
      const p = JSON.parse(row.payload) as LogPayload;
      const undo: UndoInfo = {};
      // What undoing it touched is what redoing it touches (persons it created included).
      this.apply(p.correction, undo, p.undo);
      redone = mergeUndo(p.undo, undo);
      this.db.prepare('UPDATE corrections SET undone = 0, payload = ? WHERE id = ?').run(JSON.stringify({ correction: p.correction, undo }), row.id);
      return this.logged({ ...row, undone: 0 });
    })();
    if (redone) this.patchIndex(redone, warming);
    return entry;
  }

  /** Apply a correction, recording in `undo` what reverting it needs. `previous` is set on redo. */
  private apply(c: Correction, undo: UndoInfo, previous: UndoInfo | null): Omit<CorrectionResult, 'correctionId'> {
    switch (c.kind) {
      case 'name': {
        const p = this.livePerson(c.personId);
        const name = c.name?.trim() ? c.name.trim() : null;
        undo.persons = [p];
        this.db.prepare('UPDATE persons SET name = ?, user_named = 1 WHERE id = ?').run(name, p.id);
        const same = name
          ? this.db
              .prepare<[string, number], { id: number; name: string }>(
                'SELECT id, name FROM persons WHERE merged_into IS NULL AND lower(name) = lower(?) AND id != ? LIMIT 1',
              )
              .get(name, p.id)
          : undefined;
        return { personIds: [p.id], ...(same ? { mergeProposal: { personId: same.id, name: same.name } } : {}) };
      }
      case 'merge': {
        const target = this.livePerson(c.targetId);
        const sources = [...new Set(c.sourceIds)].filter((s) => s !== target.id).map((s) => this.livePerson(s));
        if (!sources.length) throw new CorrectionError('merge needs at least one other person');
        const faces = sources.flatMap((s) => this.facesOfPerson(s.id));
        undo.persons = [target, ...sources];
        undo.assignments = faces.map((f) => this.assignmentOf(f));
        undo.removedRejections = [];
        for (const s of sources) {
          // Faces keep their source/confirmed state; rejections of a source now hold for the target.
          this.db.prepare('UPDATE face_assignments SET person_id = ? WHERE person_id = ?').run(target.id, s.id);
          for (const r of this.db.prepare<[number], { face_id: number }>('SELECT face_id FROM face_rejections WHERE person_id = ?').all(s.id)) {
            undo.removedRejections.push([r.face_id, s.id]);
            if (this.addRejection(r.face_id, target.id)) (undo.addedRejections ??= []).push([r.face_id, target.id]);
          }
          this.db.prepare('DELETE FROM face_rejections WHERE person_id = ?').run(s.id);
          this.db.prepare('UPDATE persons SET merged_into = ? WHERE id = ?').run(target.id, s.id);
        }
        const name = target.name ?? sources.find((s) => s.name)?.name ?? null;
        this.db.prepare('UPDATE persons SET user_named = 1, name = ? WHERE id = ?').run(name, target.id);
        return { personIds: [target.id] };
      }
      case 'split': {
        const faces = this.checkFaces(c.faceIds);
        undo.assignments = faces.map((f) => this.assignmentOf(f));
        const from = new Set(undo.assignments.map((a) => a.personId).filter((p): p is number => p !== null));
        undo.persons = [...from].map((id) => this.personRow(id)!).filter(Boolean);
        const id = this.createPerson(c.name?.trim() || null, previous?.createdPersons?.[0], true);
        undo.createdPersons = [id];
        for (const f of faces) this.assign(f, id, 'user', true);
        // The split-off faces are not the person they came from: a permanent cannot-link.
        undo.addedRejections = [];
        for (const a of undo.assignments) {
          if (a.personId !== null && this.addRejection(a.faceId, a.personId)) undo.addedRejections.push([a.faceId, a.personId]);
        }
        for (const p of from) this.db.prepare('UPDATE persons SET user_named = 1 WHERE id = ?').run(p);
        return { personIds: [id, ...from] };
      }
      case 'move':
      case 'confirm': {
        const target = this.livePerson(c.personId);
        const faces = this.checkFaces(c.faceIds);
        undo.assignments = faces.map((f) => this.assignmentOf(f));
        undo.persons = [target];
        undo.addedRejections = [];
        for (const f of faces) {
          // Moving a face onto a person the user had rejected for it lifts that rejection.
          const removed = this.db.prepare('DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?').run(f, target.id);
          if (removed.changes) (undo.removedRejections ??= []).push([f, target.id]);
          this.assign(f, target.id, 'user', true);
        }
        this.db.prepare('UPDATE persons SET user_named = 1 WHERE id = ?').run(target.id);
        return { personIds: [target.id] };
      }
      case 'reject': {
        const person = this.livePerson(c.personId);
        const faces = this.checkFaces(c.faceIds);
        undo.assignments = faces.map((f) => this.assignmentOf(f));
        undo.persons = [person];
        undo.addedRejections = [];
        for (const f of faces) {
          if (this.addRejection(f, person.id)) undo.addedRejections.push([f, person.id]);
          const a = this.assignmentOf(f);
          if (a.personId === person.id) this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(f);
        }
        // A person the user corrected is kept through re-clusters so that the rejection keeps its meaning.
        this.db.prepare('UPDATE persons SET user_named = 1 WHERE id = ?').run(person.id);
        return { personIds: [person.id] };
      }
      case 'hide': {
        const p = this.livePerson(c.personId);
        undo.persons = [p];
        this.db.prepare('UPDATE persons SET hidden = ?, user_named = 1 WHERE id = ?').run(c.hidden ? 1 : 0, p.id);
        return { personIds: [p.id] };
      }
      case 'cover': {
        const p = this.livePerson(c.personId);
        const a = this.assignmentOf(c.faceId);
        if (a.personId !== p.id) throw new CorrectionError(`face ${c.faceId} is not a face of person ${p.id}`);
        undo.persons = [p];
        this.db.prepare('UPDATE persons SET cover_face_id = ?, user_named = 1 WHERE id = ?').run(c.faceId, p.id);
        return { personIds: [p.id] };
      }
      case 'not-a-face': {
        const faces = this.checkFaces(c.faceIds);
        undo.assignments = faces.map((f) => this.assignmentOf(f));
        undo.notAFace = faces.map((f) => [f, this.db.prepare<[number], { not_a_face: number }>('SELECT not_a_face FROM faces WHERE id = ?').get(f)!.not_a_face]);
        const affected = [...new Set(undo.assignments.map((a) => a.personId).filter((p): p is number => p !== null))];
        undo.persons = affected.map((id) => this.personRow(id)!);
        for (const f of faces) {
          this.db.prepare('UPDATE faces SET not_a_face = 1 WHERE id = ?').run(f);
          this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(f);
          this.db.prepare('UPDATE persons SET cover_face_id = NULL WHERE cover_face_id = ?').run(f);
        }
        return { personIds: affected };
      }
      case 'import':
        return this.applyImport(c.plan, undo, previous);
      default: {
        const never: never = c;
        throw new CorrectionError(`unknown correction ${(never as { kind: string }).kind}`);
      }
    }
  }

  /** Applies an import plan: persons created (same ids on redo), faces assigned, flags set. */
  private applyImport(plan: ImportPlan, undo: UndoInfo, previous: UndoInfo | null): Omit<CorrectionResult, 'correctionId'> {
    const ids = new Map<string, PersonId>();
    undo.createdPersons = [];
    undo.persons = [];
    let k = 0;
    for (const p of plan.persons) {
      if (p.existingId !== undefined) {
        const row = this.livePerson(p.existingId);
        undo.persons.push(row);
        ids.set(p.ref, row.id);
        if (p.name && !row.name) this.db.prepare('UPDATE persons SET name = ?, user_named = 1 WHERE id = ?').run(p.name, row.id);
        continue;
      }
      const id = this.createPerson(p.name, previous?.createdPersons?.[k++], true);
      if (p.hidden) this.db.prepare('UPDATE persons SET hidden = 1 WHERE id = ?').run(id);
      undo.createdPersons.push(id);
      ids.set(p.ref, id);
    }
    const faces = new Set<FaceId>([...plan.assignments.map((a) => a.faceId), ...plan.notAFace]);
    undo.assignments = [...faces].map((f) => this.assignmentOf(f));
    for (const a of plan.assignments) this.assign(a.faceId, ids.get(a.person)!, a.source, a.confirmed);
    undo.addedRejections = [];
    for (const r of plan.rejections) {
      const pid = ids.get(r.person);
      if (pid !== undefined && this.addRejection(r.faceId, pid)) undo.addedRejections.push([r.faceId, pid]);
    }
    undo.notAFace = plan.notAFace.map((f) => [f, this.db.prepare<[number], { not_a_face: number }>('SELECT not_a_face FROM faces WHERE id = ?').get(f)!.not_a_face]);
    for (const f of plan.notAFace) {
      this.db.prepare('UPDATE faces SET not_a_face = 1 WHERE id = ?').run(f);
      this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(f);
    }
    for (const c of plan.covers) {
      const pid = ids.get(c.person);
      if (pid !== undefined) this.db.prepare('UPDATE persons SET cover_face_id = ? WHERE id = ?').run(c.faceId, pid);
    }
    return { personIds: [...new Set(ids.values())] };
  }

  private revert(u: UndoInfo): void {
    if (u.addedRejections) {
      for (const [f, p] of u.addedRejections) this.db.prepare('DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?').run(f, p);
    }
    if (u.removedRejections) {
      // merge: rejections moved to the target go back to their source; move: lifted rejections return.
      for (const [f, p] of u.removedRejections) this.db.prepare('INSERT OR IGNORE INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(f, p);
    }
    if (u.persons) {
      for (const p of u.persons) {
        this.db
          .prepare('UPDATE persons SET name = ?, hidden = ?, cover_face_id = ?, user_named = ?, merged_into = ? WHERE id = ?')
          .run(p.name, p.hidden, p.cover_face_id, p.user_named, p.merged_into, p.id);
      }
    }
    if (u.assignments) {
      for (const a of u.assignments) {
        // A machine person dropped by a later re-cluster cannot take its face back: the face goes
        // to the pool and the machine decides again.
        const gone = a.personId !== null && !this.personRow(a.personId);
        if (a.personId === null || gone) this.db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(a.faceId);
        else this.assign(a.faceId, a.personId, a.source ?? 'machine', a.confirmed);
      }
    }
    if (u.notAFace) for (const [f, v] of u.notAFace) this.db.prepare('UPDATE faces SET not_a_face = ? WHERE id = ?').run(v, f);
    if (u.createdPersons) {
      for (const id of u.createdPersons) {
        this.db.prepare('DELETE FROM face_assignments WHERE person_id = ?').run(id);
        this.db.prepare('DELETE FROM persons WHERE id = ?').run(id);
      }
    }
  }

  // ------------------------------------------------------------------ clustering

  update(): ClusterStats {
    // An index built in the background is of the library before this update: taken (finished) first.
    if (!this.index) this.takeWarm();
    this.noteEdit();
    const t0 = performance.now();
    if (this.index && this.index.th.cluster !== this.thresholds.cluster) this.index = null;
    // Faces scanned since, or a head adopted / rolled back: vectors follow the active head first.
    if (syncProjections(this.db, this.model) > 0) this.index = null;
    const idx = this.ensureIndex();
    const known = new Set(idx.assignment().keys());
    const currentIds = this.db
      .prepare<[string], { id: number }>('SELECT id FROM faces WHERE not_a_face = 0 AND model_id = ? ORDER BY id')
      .all(this.model)
      .map((r) => r.id);
    const current = new Set(currentIds);
    // Embeddings are read only when there is something new to index.
    const fresh = currentIds.some((id) => !known.has(id)) ? this.loadFaces().filter((f) => !known.has(f.id)) : [];
    let created = 0;
    this.db.transaction(() => {
      // Faces that vanished (photo deleted or re-analysed, marked not-a-face) leave the index.
      for (const id of known) if (!current.has(id)) this.persist(idx.removeFace(id));
      const cs = idx.addFaces(fresh);
      created += cs.created.length;
      this.persist(cs);
      if (currentIds.length) this.setWatermark(currentIds[currentIds.length - 1]!);
    })();
    return this.stats(created, t0);
  }

  /**
   * Re-clusters everything from scratch, synchronously: the inputs are read, the pure re-cluster
   * runs and its result is persisted in this thread (100k faces: ~45 s during which nothing else
   * runs). For the command line and tests; the engine uses reclusterInWorker.
   */
  recluster(): ClusterStats {
    const t0 = performance.now();
    this.noteEdit();
    syncProjections(this.db, this.model);
    const faces = this.loadFaceColumns(() => true);
    let created = 0;
    this.db.transaction(() => {
      const res = fullRecluster({
        model: this.thresholds,
        faces,
        persons: this.personRecords(),
        decisions: this.decisions(),
        previous: this.machineAssignment(),
        newPersonId: () => this.createPerson(null),
      });
      created = res.created.length;
      this.writeRecluster(res.assignment, faces.n ? faces.ids[faces.n - 1]! : null);
      this.index = res.index;
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
        this.warmIndex();
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
    syncProjections(this.db, this.model);
    const faces = this.loadFaceColumns(() => true);
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
    const decisions = this.decisions();
    const rejected: [number, number][] = [];
    for (const [f, ps] of decisions.rejected) for (const p of ps) rejected.push([f, p]);
    const persons = this.personRecords();
    for (const p of persons) if (p.id >= PLACEHOLDER_BASE) throw new Error(`person id ${p.id} is too large for a re-cluster in a worker`);
    return {
      input: {
        thresholds: this.thresholds,
        faces,
        persons,
        assigned: pairs(decisions.assigned),
        rejected: { faces: Float64Array.from(rejected, (r) => r[0]), persons: Float64Array.from(rejected, (r) => r[1]) },
        previous: pairs(this.machineAssignment()),
      },
      lastFaceId: faces.n ? faces.ids[faces.n - 1]! : null,
      version: this.libraryVersion(),
    };
  }

  /**
   * Persists a worker's result in one transaction, if the library is still as it was read;
   * returns the number of people created, or null (nothing written) when it changed.
   */
  private commitWorkerResult(read: { lastFaceId: number | null; version: string }, result: PackedReclusterResult): number | null {
    const created = this.db
      .transaction(() => {
        if (this.libraryVersion() !== read.version) return null;
        // One row per placeholder, in the order the re-cluster asked for them (as recluster()
        // creates them); those that ended up empty are dropped with the other empty machine people.
        const real: number[] = [];
        for (let k = 1; k <= result.placeholders; k++) real[k] = this.createPerson(null);
        const faces = result.faces;
        const persons = result.persons;
        const entries = function* (): Generator<[number, number | null]> {
          for (let i = 0; i < faces.length; i++) {
            const p = persons[i]!;
            yield [faces[i]!, p < 0 ? null : p > PLACEHOLDER_BASE ? real[p - PLACEHOLDER_BASE]! : p];
          }
        };
        this.writeRecluster(entries(), read.lastFaceId);
        return result.created;
      })
      .immediate();
    if (created !== null) {
      this.noteEdit();
      // The clustering index cannot cross threads: it is built again from the database (warmIndex).
      this.index = null;
    }
    return created;
  }

  /** A full re-cluster's assignment written over the machine's (user assignments untouched). */
  private writeRecluster(assignment: Iterable<[FaceId, PersonId | null]>, lastFaceId: number | null): void {
    // The re-cluster that finishes a head switch records the faces it puts into a named person
    // they were not in (app/learning/changes.ts), for the user to check on the Learn screen.
    const switchedTo = pendingSwitch(this.db, this.model);
    const named = switchedTo === null ? null : { people: namedPeople(this.db), before: namedMembership(this.db, this.model), joined: [] as [number, number][] };
    const setMachine = this.db.prepare(
      `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, 'machine', 0)
       ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id, source = 'machine', confirmed = 0
       WHERE face_assignments.source = 'machine'`,
    );
    const clear = this.db.prepare("DELETE FROM face_assignments WHERE face_id = ? AND source = 'machine'");
    for (const [faceId, personId] of assignment) {
      if (personId === null) clear.run(faceId);
      else {
        setMachine.run(faceId, personId);
        if (named?.people.has(personId) && named.before.get(faceId) !== personId) named.joined.push([faceId, personId]);
      }
    }
    this.dropEmptyMachinePersons();
    if (lastFaceId !== null) this.setWatermark(lastFaceId);
    if (named) recordSwitchChanges(this.db, this.model, switchedTo!, named.joined);
    // Every face carries the active head's vector (synced before reading) and is clustered: a
    // head switch waiting for its re-cluster (app/learning/projection.ts) is done, with this commit.
    clearPendingSwitch(this.db, this.model);
  }

  /** The machine's assignment now (a full re-cluster keeps the ids of people it overlaps). */
  private machineAssignment(): Map<FaceId, PersonId | null> {
    const previous = new Map<number, number | null>();
    for (const r of this.db
      .prepare<[], { face_id: number; person_id: number }>("SELECT face_id, person_id FROM face_assignments WHERE source = 'machine'")
      .all()) previous.set(r.face_id, r.person_id);
    return previous;
  }

  /**
   * A fingerprint of everything a full re-cluster reads (reclusterInWorker's consistency rule):
   * commits by other connections (data_version), edits through any PeopleService on this database
   * (corrections, undo, redo, update, re-cluster), the corrections log, faces (added, removed),
   * people, assignments and rejections (counts), the active head and the thresholds. A few index
   * lookups and counts: a few ms at 100k faces.
   */
  private libraryVersion(): string {
    const one = (sql: string) => this.db.prepare(sql).raw().get();
    return JSON.stringify([
      this.db.pragma('data_version', { simple: true }),
      editCounts.get(this.db) ?? 0,
      one('SELECT COUNT(*), MAX(id), SUM(undone) FROM corrections'),
      one('SELECT COUNT(*), MAX(id) FROM faces'),
      one('SELECT COUNT(*), MAX(id) FROM persons'),
      one('SELECT COUNT(*) FROM face_assignments'),
      one('SELECT COUNT(*) FROM face_rejections'),
      activeHeadId(this.db, this.model),
      this.thresholds,
    ]);
  }

  /**
   * Counts an edit of the people state on this database (see libraryVersion). An index being built
   * in the background is of the library before the edit: dropped (returns whether there was one).
   */
  private noteEdit(): boolean {
    editCounts.set(this.db, (editCounts.get(this.db) ?? 0) + 1);
    const was = this.warming !== null;
    this.warming = null;
    return was;
  }

  private stats(created: number, t0: number): ClusterStats {
    const assigned = this.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM face_assignments fa JOIN faces f ON f.id = fa.face_id WHERE f.not_a_face = 0').get()!.n;
    const total = this.db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM faces WHERE not_a_face = 0 AND model_id = ?').get(this.model)!.n;
    return {
      people: this.listPeople({ includeHidden: true }).length,
      assigned,
      unassigned: Math.max(0, total - assigned),
      created,
      seconds: Math.round((performance.now() - t0) / 10) / 100,
    };
  }

  private persist(cs: ChangeSet): void {
    const setMachine = this.db.prepare(
      `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, 'machine', 0)
       ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id WHERE face_assignments.source = 'machine'`,
    );
    const clear = this.db.prepare("DELETE FROM face_assignments WHERE face_id = ? AND source = 'machine'");
    for (const m of cs.moves) {
      if (m.to === null) clear.run(m.faceId);
      else setMachine.run(m.faceId, m.to);
    }
    this.dropEmptyMachinePersons();
  }

  private dropEmptyMachinePersons(): void {
    this.db
      .prepare(
        `DELETE FROM persons WHERE user_named = 0 AND merged_into IS NULL
           AND NOT EXISTS (SELECT 1 FROM face_assignments fa WHERE fa.person_id = persons.id)
           AND NOT EXISTS (SELECT 1 FROM persons q WHERE q.merged_into = persons.id)`,
      )
      .run();
  }

  /**
   * After a correction, undo or redo (all in the database already): brings the in-memory index to
   * the new state of the faces and people it touched (PeopleIndex.patch) instead of dropping it,
   * so that the next suggestion does not wait for a rebuild (100k faces: ~1.5-1.9 s). A face
   * marked not-a-face leaves it. Anything it cannot mirror exactly - a face marked a face again
   * (undo), a face the index does not hold, more than PATCH_MAX_FACES faces, a pool the index has
   * already used (after update()) - drops the index instead, and it is built again in the
   * background (warmIndex), as is one whose background build the edit interrupted (`warming`).
   */
  private patchIndex(u: UndoInfo, warming: boolean): void {
    const idx = this.index;
    this.index = null;
    if (idx && this.patched(idx, u)) this.index = idx;
    else if (idx || warming) this.warmIndex();
  }

  /** Brings idx to the database's state after u (PeopleIndex.patch); false when it cannot do that exactly. */
  private patched(idx: PeopleIndex, u: UndoInfo): boolean {
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
    const rows = new Map<PersonId, PersonState | undefined>();
    const rowOf = (pid: PersonId) => {
      if (!rows.has(pid)) rows.set(pid, this.personRow(pid));
      return rows.get(pid);
    };
    const goneNow = (pid: PersonId) => {
      const row = rowOf(pid);
      return !row || row.merged_into !== null;
    };
    for (const pid of personIds) if (goneNow(pid)) for (const f of idx.facesOf(pid)) faceIds.add(f);
    if (faceIds.size > PATCH_MAX_FACES) return false;
    const faceRow = this.db.prepare<[number], { not_a_face: number; model_id: string; person_id: number | null; source: string | null; merged_into: number | null }>(
      `SELECT f.not_a_face, f.model_id, fa.person_id, fa.source, p.merged_into
       FROM faces f LEFT JOIN face_assignments fa ON fa.face_id = f.id LEFT JOIN persons p ON p.id = fa.person_id WHERE f.id = ?`,
    );
    const rejectedBy = this.db.prepare<[number], { person_id: number }>('SELECT person_id FROM face_rejections WHERE face_id = ? ORDER BY person_id');
    const mark = this.watermark();
    const states: FaceState[] = [];
    const removed: FaceId[] = [];
    for (const f of [...faceIds].sort((a, b) => a - b)) {
      const r = faceRow.get(f);
      if (!r || r.model_id !== this.model) return false;
      if (r.not_a_face) {
        removed.push(f);
        continue;
      }
      const personId = r.person_id !== null && r.merged_into === null ? r.person_id : null;
      // a fresh load leaves out unassigned faces newer than the last clustering (update() decides them)
      if (personId === null && f > mark) return false;
      if (personId !== null) personIds.add(personId);
      states.push({ faceId: f, personId, user: personId !== null && r.source === 'user', rejected: rejectedBy.all(f).map((x) => x.person_id) });
    }
    const persons: { id: PersonId; name: string | null; userNamed: boolean }[] = [];
    const gone: PersonId[] = [];
    for (const pid of [...personIds].sort((a, b) => a - b)) {
      const row = rowOf(pid);
      if (goneNow(pid)) gone.push(pid);
      else persons.push({ id: pid, name: row!.name, userNamed: !!row!.user_named });
    }
    return idx.patch(states, persons, gone, removed);
  }

  /** Times the in-memory index was built from the database (a measure for tests and benchmarks). */
  get indexBuilds(): number {
    return this.builds;
  }

  /** The clustering index, built from the database (the single source of truth). */
  private ensureIndex(): PeopleIndex {
    if (this.index) return this.index;
    const warm = this.takeWarm();
    if (warm) return warm;
    const idx = this.loadIndex(false);
    this.builds++;
    this.index = idx;
    return idx;
  }

  /** A new index loaded from the database; with `deferPrototypes` its prototypes are still to compute (PeopleIndex.loadPrototypes). */
  private loadIndex(deferPrototypes: boolean): PeopleIndex {
    const idx = new PeopleIndex({ model: this.thresholds, newPersonId: () => this.createPerson(null) });
    const assignment = new Map<number, number | null>();
    for (const r of this.db
      .prepare<[], { face_id: number; person_id: number }>(
        'SELECT fa.face_id, fa.person_id FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE p.merged_into IS NULL',
      )
      .all()) assignment.set(r.face_id, r.person_id);
    // Faces newer than the last clustering that nobody assigned are left for update() to decide.
    const mark = this.watermark();
    const faces = this.loadFaceColumns((id) => id <= mark || assignment.has(id));
    idx.load({ persons: this.personRecords(), faces, assignment, decisions: this.decisions() }, { deferPrototypes });
    return idx;
  }

  /**
   * After a re-cluster in a worker (the index cannot cross threads) or a correction the index
   * cannot mirror (patchIndex), rather than leave it to be rebuilt at the next request (100k
   * faces: ~1.9 s during which the engine answers nothing), it is built again in the background:
   * the faces read in one go, then the prototypes WARM_SLICE_MS at a time between other work. A
   * request that needs it meanwhile finishes it (as a rebuild would); an edit meanwhile makes it
   * useless: it is dropped (noteEdit); a correction, undo or redo starts it again, any other edit
   * (update, another re-cluster, an edit on another service of the database) leaves the next
   * request to rebuild.
   */
  private warmIndex(): void {
    // Each piece runs on its own turn of the event loop (the caller goes on first: its events, the
    // UI's reload); a closed library or a failure stops it, and the next request rebuilds (and
    // reports what went wrong).
    const later = (work: () => void) =>
      setImmediate(() => {
        try {
          if (this.db.open) work();
          else this.warming = null;
        } catch {
          this.warming = null;
        }
      }).unref();
    later(() => {
      if (this.index || this.warming) return;
      const version = this.libraryVersion();
      const w = { idx: this.loadIndex(true), version };
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
  private takeWarm(): PeopleIndex | null {
    const w = this.warming;
    this.warming = null;
    if (!w || this.index || this.libraryVersion() !== w.version) return null;
    w.idx.loadPrototypes();
    this.builds++;
    this.index = w.idx;
    return w.idx;
  }

  private loadFaces(): ClusterFace[] {
    return this.db
      .prepare<[string], ClusterFaceRow>('SELECT id, photo_id, embedding, q_score FROM faces WHERE not_a_face = 0 AND model_id = ? ORDER BY id')
      .all(this.model)
      .map(toClusterFace);
  }

  /**
   * The same faces as loadFaces() (same order, same values), kept by `keep`, read straight into
   * packed columns: one Int8Array for all embeddings, no object or buffer per face.
   */
  private loadFaceColumns(keep: (id: FaceId) => boolean): PackedReclusterInput['faces'] {
    const where = 'FROM faces WHERE not_a_face = 0 AND model_id = ?';
    const total = this.db.prepare<[string], { n: number }>(`SELECT count(*) AS n ${where}`).get(this.model)!.n;
    const ids = new Float64Array(total);
    const photoIds = new Float64Array(total);
    const quality = new Float32Array(total);
    const embeddings = new Int8Array(total * 128);
    let n = 0;
    const rows = this.db.prepare(`SELECT id, photo_id, embedding, q_score ${where} ORDER BY id`).raw().iterate(this.model) as IterableIterator<
      [number, number, Buffer, number | null]
    >;
    for (const [id, photoId, emb, q] of rows) {
      if (!keep(id)) continue;
      if (n === total) throw new Error('faces changed while being read');
      if (emb.length < 128) throw new Error(`face ${id}: embedding must be Int8Array(128)`);
      ids[n] = id;
      photoIds[n] = photoId;
      quality[n] = q ?? 0;
      embeddings.set(new Int8Array(emb.buffer, emb.byteOffset, 128), n * 128);
      n++;
    }
    return { n, ids, photoIds, quality, embeddings: n === total ? embeddings : embeddings.subarray(0, n * 128) };
  }

  private clusterFace(id: FaceId): ClusterFace | null {
    const r = this.db.prepare<[number], ClusterFaceRow>('SELECT id, photo_id, embedding, q_score FROM faces WHERE id = ?').get(id);
    return r ? toClusterFace(r) : null;
  }

  private personRecords() {
    return this.db
      .prepare<[], { id: number; name: string | null; user_named: number }>('SELECT id, name, user_named FROM persons WHERE merged_into IS NULL')
      .all()
      .map((p) => ({ id: p.id, name: p.name, userNamed: !!p.user_named }));
  }

  private decisions(): UserDecisions {
    const assigned = new Map<number, number>();
    for (const r of this.db
      .prepare<[], { face_id: number; person_id: number }>(
        "SELECT fa.face_id, fa.person_id FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE fa.source = 'user' AND p.merged_into IS NULL",
      )
      .all()) assigned.set(r.face_id, r.person_id);
    const rejected = new Map<number, Set<number>>();
    for (const r of this.db.prepare<[], { face_id: number; person_id: number }>('SELECT face_id, person_id FROM face_rejections').all()) {
      let s = rejected.get(r.face_id);
      if (!s) rejected.set(r.face_id, (s = new Set()));
      s.add(r.person_id);
    }
    return { assigned, rejected };
  }

  // ------------------------------------------------------------------ helpers

  private personRow(id: PersonId): PersonState | undefined {
    return this.db.prepare<[number], PersonState>('SELECT id, name, hidden, cover_face_id, user_named, merged_into, created_at FROM persons WHERE id = ?').get(id);
  }

  private livePerson(id: PersonId): PersonState {
    const p = this.personRow(id);
    if (!p) throw new CorrectionError(`no person ${id}`);
    if (p.merged_into !== null) throw new CorrectionError(`person ${id} was merged into ${p.merged_into}`);
    return p;
  }

  private checkFaces(ids: FaceId[]): FaceId[] {
    const unique = [...new Set(ids)];
    if (!unique.length) throw new CorrectionError('no faces given');
    for (const f of unique) {
      if (!this.db.prepare('SELECT 1 FROM faces WHERE id = ?').get(f)) throw new CorrectionError(`no face ${f}`);
    }
    return unique;
  }

  private facesOfPerson(id: PersonId): FaceId[] {
    return this.db.prepare<[number], { face_id: number }>('SELECT face_id FROM face_assignments WHERE person_id = ?').all(id).map((r) => r.face_id);
  }

  private assignmentOf(faceId: FaceId): AssignmentState {
    const r = this.db
      .prepare<[number], { person_id: number; source: 'user' | 'machine'; confirmed: number }>(
        'SELECT person_id, source, confirmed FROM face_assignments WHERE face_id = ?',
      )
      .get(faceId);
    return r ? { faceId, personId: r.person_id, source: r.source, confirmed: !!r.confirmed } : { faceId, personId: null, source: null, confirmed: false };
  }

  private assign(faceId: FaceId, personId: PersonId, source: 'user' | 'machine', confirmed: boolean): void {
    this.db
      .prepare(
        `INSERT INTO face_assignments (face_id, person_id, source, confirmed) VALUES (?, ?, ?, ?)
         ON CONFLICT(face_id) DO UPDATE SET person_id = excluded.person_id, source = excluded.source, confirmed = excluded.confirmed`,
      )
      .run(faceId, personId, source, confirmed ? 1 : 0);
  }

  private addRejection(faceId: FaceId, personId: PersonId): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(faceId, personId).changes > 0;
  }

  private createPerson(name: string | null, id?: PersonId, byUser = false): PersonId {
    const userNamed = byUser || name !== null ? 1 : 0;
    if (id !== undefined) {
      this.db.prepare('INSERT INTO persons (id, name, hidden, created_at, user_named) VALUES (?, ?, 0, ?, ?)').run(id, name, now(), userNamed);
      return id;
    }
    return Number(this.db.prepare('INSERT INTO persons (name, hidden, created_at, user_named) VALUES (?, 0, ?, ?)').run(name, now(), userNamed).lastInsertRowid);
  }

  private watermark(): number {
    const r = this.db.prepare<[], { value: string }>("SELECT value FROM settings WHERE key = 'people.clusteredUpTo'").get();
    return r ? Number(r.value) : 0;
  }

  private setWatermark(faceId: number): void {
    this.db.prepare("INSERT INTO settings (key, value) VALUES ('people.clusteredUpTo', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(faceId));
  }
}
