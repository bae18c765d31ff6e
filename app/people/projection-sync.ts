/**
 * Where people meet learning: before clustering reads the faces' vectors, every face must carry
 * the active head's (app/learning/projection.ts: embedding = head(base)). That takes the head
 * math, which is learning's; people only asks for it through this interface, handed in by whoever
 * builds the PeopleService (the engine host, the CLI, tests: `projectionSync` of
 * app/learning/projection.ts). app/people never imports app/learning.
 */
import type Database from 'better-sqlite3';
import { BASE_HEAD, activeHeadId } from '../store/heads-repo';
import { recordBases, staleHeads } from '../store/projection-repo';

export interface ProjectionSync {
  /**
   * Brings every face of `model` whose vector is not the active head's to it (synchronously, in
   * one transaction); returns how many changed (0: the index built before is still valid).
   */
  sync(db: Database.Database, model: string): number;
}

/**
 * The sync of a PeopleService built without one: records the base embedding of newly scanned
 * faces, as the learning sync does, and projects nothing. A library whose faces need the head math
 * (a learned head active and faces scanned since, or a switch not re-projected) is refused, never
 * clustered with vectors of two heads.
 */
export const baseOnlyProjections: ProjectionSync = {
  sync(db, model) {
    recordBases(db, model);
    const active = activeHeadId(db, model);
    const stale = staleHeads(db, model, active === BASE_HEAD ? null : active);
    if (stale.length) {
      throw new Error(
        `faces of ${model} carry another head's vectors than the active one (${active}): this PeopleService needs the projection sync of app/learning/projection.ts`,
      );
    }
    return 0;
  },
};
