/**
 * The corrections log with undo and redo. Every correction is ONE transaction writing the state
 * change (app/people/corrections.ts) and its log entry together, so a crash (kill -9) can lose
 * neither half; each entry holds what undoing it needs. Undo reverts the newest entry in effect,
 * redo re-applies the oldest undone one; a new correction ends the redo chain. After each, the
 * in-memory index is brought to the new state (app/people/index-cache.ts).
 * A face the user drew is logged, when undone, as it was then (a re-scan or a move to another
 * model may have changed it), so that a redo puts it back so; one of another model than the
 * library's (undone before a move) is analysed again first (PeopleService.redoDrawing).
 */
import type { CorrectionRow } from '../store/types';
import { CorrectionError, RedrawNeededError, applyCorrection, drawnFacesOf, withDrawnFaces, type DrawnFaceRef, type UndoInfo } from './corrections';
import type { PeopleContext } from './context';
import type { IndexCache } from './index-cache';
import type { Correction, CorrectionResult, LoggedCorrection, ManualFace } from '../contract/people';

interface LogPayload {
  correction: Correction;
  undo: UndoInfo;
}

/**
 * Drawn faces of the next entry to redo analysed again with the library's model: the entry's id,
 * and each new analysis by its place among the entry's drawn faces (DrawnFaceRef.index).
 */
export interface RedrawnFaces {
  correctionId: number;
  faces: ReadonlyMap<number, ManualFace>;
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
    const other = drawnFacesOf(c).find((f) => f.face.modelId !== this.ctx.model);
    if (other) throw new CorrectionError(`the face drawn on photo ${other.photoId} was analysed with ${other.face.modelId}, but this library's faces are ${this.ctx.model}`);
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
      const correction = this.drawnAsNow(p.correction, p.undo);
      this.revert(p.undo);
      reverted = p.undo;
      corrections.markUndone(row.id, correction === p.correction ? undefined : JSON.stringify({ correction, undo: p.undo } satisfies LogPayload));
      return logged({ ...row, undone: 1 });
    })();
    if (reverted) this.index.patch(reverted, warming);
    return entry;
  }

  /**
   * The next entry to redo and its drawn faces that are of another model than the library's (on
   * photos still there): what must be analysed again (`redo(redrawn)`) before it can be redone.
   */
  toRedraw(): { correctionId: number; faces: DrawnFaceRef[] } | null {
    const row = this.ctx.corrections.firstRedoable();
    if (!row) return null;
    return { correctionId: row.id, faces: this.otherModel((JSON.parse(row.payload) as LogPayload).correction) };
  }

  /** `redrawn`: the drawn faces toRedraw() listed, analysed again (else RedrawNeededError, the entry kept). */
  redo(redrawn?: RedrawnFaces): LoggedCorrection | null {
    const warming = this.index.noteEdit();
    try {
      return this.redoOnce(warming, redrawn);
    } catch (e) {
      // Refused before anything was written: a background build the call interrupted starts again.
      if (e instanceof RedrawNeededError && warming) this.index.warm();
      if (!(e instanceof CorrectionError)) throw e;
      // The world moved on (e.g. a person it names no longer exists): this entry can never be
      // redone; drop it from the redo chain so that the next one can be.
      this.ctx.corrections.dropFirstRedoable();
      throw new CorrectionError(`cannot redo: ${e.message}`);
    }
  }

  private redoOnce(warming: boolean, redrawn: RedrawnFaces | undefined): LoggedCorrection | null {
    const { db, people, corrections } = this.ctx;
    let redone: UndoInfo | null = null;
    const entry = db.transaction(() => {
      const row = corrections.firstRedoable();
      if (!row) return null;
      const p = JSON.parse(row.payload) as LogPayload;
      if (redrawn && redrawn.correctionId !== row.id) throw new RedrawNeededError('the next correction to redo changed while its drawn faces were analysed: redo again');
      const c = redrawn ? withDrawnFaces(p.correction, redrawn.faces) : p.correction;
      const stale = this.otherModel(c)[0];
      if (stale) {
        throw new RedrawNeededError(
          `cannot redo yet: the face drawn on photo ${stale.photoId} was analysed with ${stale.face.modelId}, but this library's faces are ${this.ctx.model}: it must be analysed again`,
        );
      }
      const undo: UndoInfo = {};
      // What undoing it touched is what redoing it touches (persons it created included).
      applyCorrection(people, c, undo, p.undo);
      redone = mergeUndo(p.undo, undo);
      // The log keeps the faces as drawn now (analysed again: of the library's model).
      const payload = JSON.stringify({ correction: c, undo } satisfies LogPayload);
      corrections.markRedone(row.id, payload);
      return logged({ ...row, payload, undone: 0 });
    })();
    if (redone) {
      this.syncDrawn(redone);
      this.index.patch(redone, warming);
    }
    return entry;
  }

  /**
   * `c` with the faces it drew as they are now, about to be deleted by its undo: a re-scan of an
   * edited photo may have analysed them again, a move to another model re-embedded them, and a
   * redo must put them back so (not as first drawn).
   */
  private drawnAsNow(c: Correction, u: UndoInfo): Correction {
    const faces = new Map<number, ManualFace>();
    for (const f of drawnFacesOf(c)) {
      const id = u.addedFaces?.[f.index];
      const now = id === undefined ? undefined : this.ctx.people.drawnFace(id);
      if (now) faces.set(f.index, now);
    }
    return faces.size ? withDrawnFaces(c, faces) : c;
  }

  /** The faces `c` draws that are of another model than the library's, on photos that exist (a gone photo: the redo fails as it would). */
  private otherModel(c: Correction): DrawnFaceRef[] {
    return drawnFacesOf(c).filter((f) => f.face.modelId !== this.ctx.model && this.ctx.people.photoExists(f.photoId));
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
