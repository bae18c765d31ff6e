/**
 * The corrections a user makes (name, merge, split, move, confirm, reject, hide, cover,
 * not-a-face, birthday, hide-small, not-same, import), each applied to the store while recording in an UndoInfo what reverting
 * it needs. Transactions and the log are app/people/undo.ts's; this file only changes the state.
 */
import type { PeopleRepo } from '../store/people-repo';
import type { PersonRow } from '../store/types';
import type { Correction, CorrectionResult, FaceId, ImportPlan, ManualFace, PersonId, PhotoId } from '../contract/people';

export class CorrectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorrectionError';
  }
}

/**
 * A redo would put back a face drawn with another model than the library's (drawn before the
 * library moved to another face model, `visage reembed`): a library never holds vectors of two
 * models, so its box must first be analysed again with the library's model
 * (PeopleService.redoDrawing). Not a CorrectionError: the entry stays redoable.
 */
export class RedrawNeededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedrawNeededError';
  }
}

/** A face a correction draws (add-face, an import's drawn faces), by its place among them. */
export interface DrawnFaceRef {
  index: number;
  photoId: PhotoId;
  face: ManualFace;
}

/** The faces a correction draws, in order. */
export function drawnFacesOf(c: Correction): DrawnFaceRef[] {
  if (c.kind === 'add-face') return [{ index: 0, photoId: c.photoId, face: c.face }];
  if (c.kind === 'import') return (c.plan.addFaces ?? []).map((a, index) => ({ index, photoId: a.photoId, face: a.face }));
  return [];
}

/** `c` with the drawn faces at the places given (drawnFacesOf's `index`) replaced. */
export function withDrawnFaces(c: Correction, faces: ReadonlyMap<number, ManualFace>): Correction {
  if (c.kind === 'add-face') return { ...c, face: faces.get(0) ?? c.face };
  if (c.kind === 'import' && c.plan.addFaces) return { ...c, plan: { ...c.plan, addFaces: c.plan.addFaces.map((a, i) => ({ ...a, face: faces.get(i) ?? a.face })) } };
  return c;
}

export interface AssignmentState {
  faceId: FaceId;
  personId: PersonId | null;
  source: 'user' | 'machine' | null;
  confirmed: boolean;
}

/** What undoing a correction needs, stored with it in the log. */
export interface UndoInfo {
  /** Face assignments before the correction. */
  assignments?: AssignmentState[];
  /** Person rows before the correction (name/hidden/cover/user_named/merged_into). */
  persons?: PersonRow[];
  /** Person rows this correction created (deleted on undo, recreated with the same id on redo). */
  createdPersons?: PersonId[];
  /** Rejection rows this correction added. */
  addedRejections?: [FaceId, PersonId][];
  /** Rejection rows this correction removed (re-inserted on undo). */
  removedRejections?: [FaceId, PersonId][];
  /** not_a_face flags before the correction. */
  notAFace?: [FaceId, number][];
  /**
   * The correction changed which faces may join whom beyond the faces it lists (a birth date: the
   * birth-date rule's cannot-links): the in-memory index is built again rather than patched.
   */
  rebuildIndex?: boolean;
  /** Faces this correction drew (deleted on undo, put back with the same id on redo). */
  addedFaces?: FaceId[];
  /** Tags of people on photos without a face this correction added (removed on undo). */
  addedTags?: [PhotoId, PersonId][];
  /** Such tags this correction removed (put back on undo). */
  removedTags?: [PhotoId, PersonId][];
}

export type Applied = Omit<CorrectionResult, 'correctionId'>;

export function livePerson(repo: PeopleRepo, id: PersonId): PersonRow {
  const p = repo.person(id);
  if (!p) throw new CorrectionError(`no person ${id}`);
  if (p.merged_into !== null) throw new CorrectionError(`person ${id} was merged into ${p.merged_into}`);
  return p;
}

function checkFaces(repo: PeopleRepo, ids: FaceId[]): FaceId[] {
  const unique = [...new Set(ids)];
  if (!unique.length) throw new CorrectionError('no faces given');
  for (const f of unique) {
    if (!repo.faceExists(f)) throw new CorrectionError(`no face ${f}`);
  }
  return unique;
}

export function assignmentOf(repo: PeopleRepo, faceId: FaceId): AssignmentState {
  const r = repo.assignment(faceId);
  return r ? { faceId, personId: r.person_id, source: r.source, confirmed: !!r.confirmed } : { faceId, personId: null, source: null, confirmed: false };
}

/** The not_a_face flag of a face checked to exist (checkFaces) or named by an import plan. */
function notAFaceOf(repo: PeopleRepo, f: FaceId): [FaceId, number] {
  const v = repo.notAFace(f);
  if (v === undefined) throw new CorrectionError(`no face ${f}`);
  return [f, v];
}

/** The person rows of `ids` that exist. */
function rowsOf(repo: PeopleRepo, ids: Iterable<PersonId>): PersonRow[] {
  const rows: PersonRow[] = [];
  for (const id of ids) {
    const row = repo.person(id);
    if (row) rows.push(row);
  }
  return rows;
}

/** Apply a correction, recording in `undo` what reverting it needs. `previous` is set on redo. */
export function applyCorrection(repo: PeopleRepo, c: Correction, undo: UndoInfo, previous: UndoInfo | null): Applied {
  switch (c.kind) {
    case 'name': {
      const p = livePerson(repo, c.personId);
      const name = c.name?.trim() ? c.name.trim() : null;
      undo.persons = [p];
      repo.rename(p.id, name);
      const same = name ? repo.sameName(name, p.id) : undefined;
      return { personIds: [p.id], ...(same ? { mergeProposal: { personId: same.id, name: same.name } } : {}) };
    }
    case 'merge': {
      const target = livePerson(repo, c.targetId);
      const sources = [...new Set(c.sourceIds)].filter((s) => s !== target.id).map((s) => livePerson(repo, s));
      if (!sources.length) throw new CorrectionError('merge needs at least one other person');
      const faces = sources.flatMap((s) => repo.facesOfPerson(s.id));
      undo.persons = [target, ...sources];
      undo.assignments = faces.map((f) => assignmentOf(repo, f));
      undo.removedRejections = [];
      for (const s of sources) {
        // Faces keep their source/confirmed state; rejections of a source now hold for the target.
        repo.moveAssignments(s.id, target.id);
        for (const f of repo.rejectedFaces(s.id)) {
          undo.removedRejections.push([f, s.id]);
          if (repo.addRejection(f, target.id)) (undo.addedRejections ??= []).push([f, target.id]);
        }
        repo.deleteRejectionsOf(s.id);
        // Photos the source is on without a face: the target is on them now.
        for (const ph of repo.taggedPhotos(s.id)) {
          repo.untag(ph, s.id);
          (undo.removedTags ??= []).push([ph, s.id]);
          if (repo.tag(ph, target.id)) (undo.addedTags ??= []).push([ph, target.id]);
        }
        repo.setMergedInto(s.id, target.id);
      }
      const name = target.name ?? sources.find((s) => s.name)?.name ?? null;
      repo.nameMergeTarget(target.id, name);
      return { personIds: [target.id] };
    }
    case 'split': {
      const faces = checkFaces(repo, c.faceIds);
      undo.assignments = faces.map((f) => assignmentOf(repo, f));
      const from = new Set(undo.assignments.map((a) => a.personId).filter((p): p is number => p !== null));
      undo.persons = rowsOf(repo, from);
      const id = repo.createPerson(c.name?.trim() || null, previous?.createdPersons?.[0], true);
      undo.createdPersons = [id];
      for (const f of faces) repo.assign(f, id, 'user', true);
      // The split-off faces are not the person they came from: a permanent cannot-link.
      undo.addedRejections = [];
      for (const a of undo.assignments) {
        if (a.personId !== null && repo.addRejection(a.faceId, a.personId)) undo.addedRejections.push([a.faceId, a.personId]);
      }
      for (const p of from) repo.markUserNamed(p);
      return { personIds: [id, ...from] };
    }
    case 'move':
    case 'confirm': {
      const target = livePerson(repo, c.personId);
      const faces = checkFaces(repo, c.faceIds);
      undo.assignments = faces.map((f) => assignmentOf(repo, f));
      undo.persons = [target];
      undo.addedRejections = [];
      for (const f of faces) {
        // Moving a face onto a person the user had rejected for it lifts that rejection.
        if (repo.removeRejection(f, target.id)) (undo.removedRejections ??= []).push([f, target.id]);
        repo.assign(f, target.id, 'user', true);
      }
      repo.markUserNamed(target.id);
      return { personIds: [target.id] };
    }
    case 'reject': {
      const person = livePerson(repo, c.personId);
      const faces = checkFaces(repo, c.faceIds);
      undo.assignments = faces.map((f) => assignmentOf(repo, f));
      undo.persons = [person];
      undo.addedRejections = [];
      for (const f of faces) {
        if (repo.addRejection(f, person.id)) undo.addedRejections.push([f, person.id]);
        const a = assignmentOf(repo, f);
        if (a.personId === person.id) repo.unassign(f);
      }
      // A person the user corrected is kept through re-clusters so that the rejection keeps its meaning.
      repo.markUserNamed(person.id);
      return { personIds: [person.id] };
    }
    case 'hide': {
      const p = livePerson(repo, c.personId);
      undo.persons = [p];
      repo.setHidden(p.id, c.hidden);
      return { personIds: [p.id] };
    }
    case 'cover': {
      const p = livePerson(repo, c.personId);
      const a = assignmentOf(repo, c.faceId);
      if (a.personId !== p.id) throw new CorrectionError(`face ${c.faceId} is not a face of person ${p.id}`);
      undo.persons = [p];
      repo.setCover(p.id, c.faceId);
      return { personIds: [p.id] };
    }
    case 'not-a-face': {
      const faces = checkFaces(repo, c.faceIds);
      undo.assignments = faces.map((f) => assignmentOf(repo, f));
      undo.notAFace = faces.map((f) => notAFaceOf(repo, f));
      const affected = [...new Set(undo.assignments.map((a) => a.personId).filter((p): p is number => p !== null))];
      undo.persons = rowsOf(repo, affected);
      for (const f of faces) {
        repo.markNotAFace(f);
        repo.unassign(f);
        repo.clearCover(f);
      }
      return { personIds: affected };
    }
    case 'birthday': {
      const p = livePerson(repo, c.personId);
      undo.persons = [p];
      undo.rebuildIndex = true;
      // The machine never gives a person a face from before their birth: those it gave go back
      // to the pool (the user's own assignments stay).
      if (c.birthDate !== null) {
        const faces = repo.machineFacesBefore(p.id, c.birthDate);
        undo.assignments = faces.map((f) => assignmentOf(repo, f));
        for (const f of faces) repo.unassign(f);
      }
      repo.setBirthDate(p.id, c.birthDate);
      return { personIds: [p.id] };
    }
    case 'hide-small': {
      const ids = repo.smallUnnamed(c.maxPhotos);
      undo.persons = rowsOf(repo, ids);
      for (const id of ids) repo.setHidden(id, true);
      return { personIds: ids };
    }
    case 'add-face': {
      const target = c.personId !== undefined ? livePerson(repo, c.personId) : null;
      const id = addFace(repo, c.photoId, c.face, undo, previous?.addedFaces?.[0]);
      if (target) {
        undo.persons = [target];
        repo.assign(id, target.id, 'user', true);
        repo.markUserNamed(target.id);
      }
      return { personIds: target ? [target.id] : [], faceIds: [id] };
    }
    case 'tag-photo': {
      if (!repo.photoExists(c.photoId)) throw new CorrectionError(`no photo ${c.photoId}`);
      let p: PersonRow;
      if (c.personId !== undefined) {
        p = livePerson(repo, c.personId);
        undo.persons = [p];
      } else {
        if (!c.name?.trim()) throw new CorrectionError('tag-photo needs a person or a name');
        const created = repo.createPerson(c.name.trim(), previous?.createdPersons?.[0], true);
        undo.createdPersons = [created];
        p = repo.person(created)!;
      }
      if (!repo.tag(c.photoId, p.id)) throw new CorrectionError(`person ${p.id} is already on photo ${c.photoId} without a face`);
      undo.addedTags = [[c.photoId, p.id]];
      // A person the user put on a photo is kept through re-clusters, even with no face.
      repo.markUserNamed(p.id);
      return { personIds: [p.id] };
    }
    case 'untag-photo': {
      const p = livePerson(repo, c.personId);
      if (!repo.untag(c.photoId, p.id)) throw new CorrectionError(`person ${p.id} is not on photo ${c.photoId} without a face`);
      undo.persons = [p];
      undo.removedTags = [[c.photoId, p.id]];
      return { personIds: [p.id] };
    }
    case 'not-same': {
      if (c.a === c.b) throw new CorrectionError('a person is always the same person as itself');
      const a = livePerson(repo, c.a);
      const b = livePerson(repo, c.b);
      undo.persons = [a, b];
      // The cannot-link between two albums is the one clustering already keeps: every face of
      // each side rejects the other person. Rejections hang on faces, so a re-cluster or a
      // re-embed (same face ids) keeps them; both people become user-touched, so they survive
      // re-clusters with their ids as pinned clusters, and two pinned clusters never merge.
      undo.addedRejections = [];
      for (const [side, other] of [[a, b], [b, a]] as const) {
        for (const f of repo.facesOfPerson(side.id)) {
          if (repo.addRejection(f, other.id)) undo.addedRejections.push([f, other.id]);
        }
        repo.markUserNamed(side.id);
      }
      return { personIds: [a.id, b.id] };
    }
    case 'import':
      return applyImport(repo, c.plan, undo, previous);
    default: {
      const never: never = c;
      throw new CorrectionError(`unknown correction ${(never as { kind: string }).kind}`);
    }
  }
}

/**
 * Stores a drawn face (`id`: the id it had, on redo), recorded in `undo` (the face and its empty
 * assignment, so that the in-memory index learns of it).
 */
function addFace(repo: PeopleRepo, photoId: PhotoId, face: ManualFace, undo: UndoInfo, id: FaceId | undefined): FaceId {
  if (!repo.photoExists(photoId)) throw new CorrectionError(`no photo ${photoId}`);
  // A face added since the undo may have taken the id (SQLite reuses the largest): the entry
  // cannot be redone as it was, and later entries naming the face would name another.
  if (id !== undefined && repo.faceExists(id)) throw new CorrectionError(`face id ${id} was taken by another face since`);
  const added = repo.addManualFace(photoId, face, id);
  (undo.addedFaces ??= []).push(added);
  (undo.assignments ??= []).push({ faceId: added, personId: null, source: null, confirmed: false });
  return added;
}

/** Applies an import plan: persons created (same ids on redo), faces assigned, flags set. */
function applyImport(repo: PeopleRepo, plan: ImportPlan, undo: UndoInfo, previous: UndoInfo | null): Applied {
  const ids = new Map<string, PersonId>();
  const created: PersonId[] = [];
  const persons: PersonRow[] = [];
  undo.createdPersons = created;
  undo.persons = persons;
  let k = 0;
  for (const p of plan.persons) {
    if (p.existingId !== undefined) {
      const row = livePerson(repo, p.existingId);
      persons.push(row);
      ids.set(p.ref, row.id);
      if (p.name && !row.name) repo.rename(row.id, p.name);
      if (p.birthDate && !row.birth_date) {
        repo.setBirthDate(row.id, p.birthDate);
        undo.rebuildIndex = true;
      }
      continue;
    }
    const id = repo.createPerson(p.name, previous?.createdPersons?.[k++], true);
    if (p.hidden) repo.hide(id);
    if (p.birthDate) {
      repo.setBirthDate(id, p.birthDate);
      undo.rebuildIndex = true;
    }
    created.push(id);
    ids.set(p.ref, id);
  }
  // Persons merged whole (an unnamed person whose tags name someone who exists): their faces'
  // assignments and their rows are recorded before anything changes.
  const merges = (plan.merges ?? []).map((m) => {
    const target = ids.get(m.person);
    if (target === undefined) throw new CorrectionError(`import plan merges person ${m.sourceId} into unknown person ${m.person}`);
    const source = livePerson(repo, m.sourceId);
    return { source, target };
  }).filter((m) => m.source.id !== m.target);
  for (const m of merges) persons.push(m.source);
  const faces = new Set<FaceId>([
    ...plan.assignments.map((a) => a.faceId),
    ...plan.notAFace,
    ...plan.rejections.map((r) => r.faceId),
    ...merges.flatMap((m) => repo.facesOfPerson(m.source.id)),
  ]);
  undo.assignments = [...faces].map((f) => assignmentOf(repo, f));
  undo.addedRejections = [];
  undo.removedRejections = [];
  for (const { source, target } of merges) {
    // As the merge correction: faces keep their source/confirmed state, rejections of the source hold for the target.
    repo.moveAssignments(source.id, target);
    for (const f of repo.rejectedFaces(source.id)) {
      undo.removedRejections.push([f, source.id]);
      if (repo.addRejection(f, target)) undo.addedRejections.push([f, target]);
    }
    repo.deleteRejectionsOf(source.id);
    repo.setMergedInto(source.id, target);
  }
  for (const a of plan.assignments) {
    const pid = ids.get(a.person);
    if (pid === undefined) throw new CorrectionError(`import plan assigns face ${a.faceId} to unknown person ${a.person}`);
    repo.assign(a.faceId, pid, a.source, a.confirmed);
  }
  for (const r of plan.rejections) {
    const pid = ids.get(r.person);
    if (pid === undefined) continue;
    if (repo.addRejection(r.faceId, pid)) undo.addedRejections.push([r.faceId, pid]);
    // A face "not this person" leaves the person (one of this library the import named or merged into).
    if (assignmentOf(repo, r.faceId).personId === pid) repo.unassign(r.faceId);
  }
  undo.notAFace = plan.notAFace.map((f) => notAFaceOf(repo, f));
  for (const f of plan.notAFace) {
    repo.markNotAFace(f);
    repo.unassign(f);
  }
  for (const c of plan.covers) {
    const pid = ids.get(c.person);
    if (pid !== undefined) repo.importCover(pid, c.faceId);
  }
  const added: FaceId[] = [];
  (plan.addFaces ?? []).forEach((a, i) => {
    const id = addFace(repo, a.photoId, a.face, undo, previous?.addedFaces?.[i]);
    added.push(id);
    const pid = a.person === null ? undefined : ids.get(a.person);
    if (pid !== undefined) repo.assign(id, pid, a.source, a.confirmed);
  });
  for (const t of plan.tags ?? []) {
    const pid = ids.get(t.person);
    if (pid !== undefined && repo.tag(t.photoId, pid)) (undo.addedTags ??= []).push([t.photoId, pid]);
  }
  return { personIds: [...new Set(ids.values())], ...(added.length ? { faceIds: added } : {}) };
}
