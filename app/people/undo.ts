/**
 * The corrections log with undo and redo. Every correction is ONE transaction writing the state
 * change (app/people/corrections.ts) and its log entry together, so a crash (kill -9) can lose
 * neither half; each entry holds what undoing it needs. Undo reverts the newest entry in effect,
 * redo re-applies the oldest undone one; a new correction ends the redo chain. After each, the
 * in-memory index is brought to the new state (app/people/index-cache.ts).
 */
import type { CorrectionRow } from '../store/types';
import { CorrectionError, applyCorrection, type UndoInfo } from './corrections';
import type { PeopleContext } from './context';
import type { IndexCache } from './index-cache';
import type { Correction, CorrectionResult, LoggedCorrection } from '../contract/people';

interface LogPayload {
  correction: Correction;
  undo: UndoInfo;
}

const now = () => new Date().toISOString();

/** What an entry touched when it was undone (`before`) together with what redoing it touched (`after`). */
function mergeUndo(before: UndoInfo, after: UndoInfo): UndoInfo {
  return {
    assignments: [...(before.assignments ?? []), ...(after.assignments ?? [])],
    persons: [...(before.persons ?? []), ...(after.persons ?? [])],
    createdPersons: [...(before.createdPersons ?? []), ...(after.createdPersons ?? [])],
    addedRejections: [...(before.addedRejections ?? []), ...(after.addedRejections ?? [])],
    removedRejections: [...(before.removedRejections ?? []), ...(after.removedRejections ?? [])],
    notAFace: [...(before.notAFace ?? []), ...(after.notAFace ?? [])],
    ...(before.rebuildIndex || after.rebuildIndex ? { rebuildIndex: true } : {}),
    addedFaces: [...(before.addedFaces ?? []), ...(after.addedFaces ?? [])],
    addedTags: [...(before.addedTags ?? []), ...(after.addedTags ?? [])],
    removedTags: [...(before.removedTags ?? []), ...(after.removedTags ?? [])],
  };
}

function logged(r: CorrectionRow): LoggedCorrection {
  const p = JSON.parse(r.payload) as LogPayload;
  return { id: r.id, at: r.at, kind: p.correction.kind, correction: p.correction, undone: !!r.undone };
}

export class CorrectionLog {
  constructor(
    private readonly ctx: PeopleContext,
    private readonly index: IndexCache,
  ) {}

  history(limit = 100): LoggedCorrection[] {
    return this.ctx.corrections.recent(limit).map(logged);
  }

  correct(c: Correction): CorrectionResult {
    const { db, people, corrections } = this.ctx;
    const warming = this.index.noteEdit();
    let applied: UndoInfo = {};
    const transaction = db.transaction(() => {
      const undo: UndoInfo = {};
      applied = undo;
      const res = applyCorrection(people, c, undo, null);
      const id = corrections.append(c.kind, JSON.stringify({ correction: c, undo } satisfies LogPayload), now());
      // A new correction ends the redo chain: entries undone before it can no longer be redone.
      corrections.endRedoChain(id);
      return { ...res, correctionId: id };
    });
    let result: CorrectionResult;
    try {
      result = transaction();
    } catch (e) {
      // Refused (nothing written): a background build the call interrupted starts again.
      if (warming) this.index.warm();
      throw e;
    }
    this.syncDrawn(applied);
    this.index.patch(applied, warming);
    return result;
  }

  undo(): LoggedCorrection | null {
    const { db, corrections } = this.ctx;
    const warming = this.index.noteEdit();
    let reverted: UndoInfo | null = null;
    const entry = db.transaction(() => {
      const row = corrections.lastInEffect();
      if (!row) return null;
      const p = JSON.parse(row.payload) as LogPayload;
      this.revert(p.undo);
      reverted = p.undo;
      corrections.markUndone(row.id);
      return logged({ ...row, undone: 1 });
    })();
    if (reverted) this.index.patch(reverted, warming);
    return entry;
  }

  redo(): LoggedCorrection | null {
    const warming = this.index.noteEdit();
    try {
      return this.redoOnce(warming);
    } catch (e) {
      if (!(e instanceof CorrectionError)) throw e;
      // The world moved on (e.g. a person it names no longer exists): this entry can never be
      // redone; drop it from the redo chain so that the next one can be.
      this.ctx.corrections.dropFirstRedoable();
      throw new CorrectionError(`cannot redo: ${e.message}`);
    }
  }

  private redoOnce(warming: boolean): LoggedCorrection | null {
    const { db, people, corrections } = this.ctx;
    let redone: UndoInfo | null = null;
    const entry = db.transaction(() => {
      const row = corrections.firstRedoable();
      if (!row) return null;
      const p = JSON.parse(row.payload) as LogPayload;
      const undo: UndoInfo = {};
      // What undoing it touched is what redoing it touches (persons it created included).
      applyCorrection(people, p.correction, undo, p.undo);
      redone = mergeUndo(p.undo, undo);
      corrections.markRedone(row.id, JSON.stringify({ correction: p.correction, undo }));
      return logged({ ...row, undone: 0 });
    })();
    if (redone) {
      this.syncDrawn(redone);
      this.index.patch(redone, warming);
    }
    return entry;
  }

  /**
   * A drawn face carries the network's vector: brought to the active learned head's, as a scanned
   * face is before clustering reads it (an index whose faces changed is built again).
   */
  private syncDrawn(u: UndoInfo): void {
    if (!u.addedFaces?.length) return;
    if (this.ctx.projections.sync(this.ctx.db, this.ctx.model) > 0) this.index.set(null);
  }

  /** Puts back what `u` recorded (the caller holds the transaction). */
  private revert(u: UndoInfo): void {
    const repo = this.ctx.people;
    if (u.addedRejections) {
      for (const [f, p] of u.addedRejections) repo.removeRejection(f, p);
    }
    if (u.removedRejections) {
      // merge: rejections moved to the target go back to their source; move: lifted rejections return.
      for (const [f, p] of u.removedRejections) repo.addRejection(f, p);
    }
    if (u.persons) {
      for (const p of u.persons) repo.restorePerson(p);
    }
    if (u.assignments) {
      for (const a of u.assignments) {
        // A machine person dropped by a later re-cluster cannot take its face back: the face goes
        // to the pool and the machine decides again.
        const gone = a.personId !== null && !repo.person(a.personId);
        if (a.personId === null || gone) repo.unassign(a.faceId);
        else repo.assign(a.faceId, a.personId, a.source ?? 'machine', a.confirmed);
      }
    }
    if (u.notAFace) for (const [f, v] of u.notAFace) repo.setNotAFace(f, v);
    // Drawn faces go (their assignments and rejections cascade); tags go back as they were.
    if (u.addedFaces) for (const f of u.addedFaces) repo.deleteFace(f);
    if (u.addedTags) for (const [ph, p] of u.addedTags) repo.untag(ph, p);
    if (u.removedTags) for (const [ph, p] of u.removedTags) repo.tag(ph, p);
    if (u.createdPersons) {
      for (const id of u.createdPersons) repo.deletePerson(id);
    }
  }
}
