/**
 * Parts of close-up faces that a detector before the close-up rule stored as faces (a nose, a
 * mouth, an eye and a cheek inside the whole face's box; app/faces/nested.ts): migration v10
 * deletes them, so that a library scanned before shows the same faces as one scanned now, without
 * a re-scan. Only faces nobody decided anything about go: a face the user named, confirmed,
 * rejected from someone, marked "not a face", drew, chose as a cover or acted on in any correction
 * still in the history stays (it is then the user's, whatever it shows). When a deleted face was
 * in a person (the machine put it there; often in place of the whole face, as faces of one photo
 * never share a person), the library is marked for a re-group, which the engine runs on opening
 * (settings.ts REGROUP_PENDING_KEY): the whole face then takes its part's place.
 */
import type Database from 'better-sqlite3';
import { dropNestedDetections } from '../faces/nested';
import { REGROUP_PENDING_KEY, setSetting } from './settings';
import type { FaceRow } from './types';

type DetectedRow = Pick<FaceRow, 'id' | 'photo_id' | 'x' | 'y' | 'w' | 'h' | 'score'> & { not_a_face: number };

/** What dropNestedFaces did. */
export interface NestedFacesOutcome {
  /** Faces deleted (parts of a face nobody decided anything about). */
  deleted: number;
  /** Of them, faces that were in a person (the machine's doing): the library re-groups on opening. */
  fromPeople: number;
  /** Parts of a face kept because the user decided something about them. */
  keptForUser: number;
}

/**
 * The detector faces the close-up rule drops: on each photo, those lying by at least
 * DETECT_NESTED_CONTAINMENT of their area inside a larger detector face (not marked "not a face")
 * that scores at least as high.
 */
export function nestedFaceIds(db: Database.Database): number[] {
  const out: number[] = [];
  let photo: DetectedRow[] = [];
  const flush = () => {
    if (photo.length > 1) {
      // A box the user called "not a face" contains nothing (a score no part can reach), and is
      // never a part dropped either (below): it is the user's.
      const boxes = photo.map((r) => ({ x: r.x, y: r.y, width: r.w, height: r.h }));
      const scores = photo.map((r) => (r.not_a_face ? -Infinity : r.score));
      const kept = new Set(dropNestedDetections(boxes, scores));
      photo.forEach((r, k) => {
        if (!kept.has(k) && !r.not_a_face) out.push(r.id);
      });
    }
    photo = [];
  };
  // One photo's faces at a time, in photo order (the faces_photo index): memory stays that of one
  // photo whatever the library's size (1M faces: docs/data-model.md, v10).
  for (const r of db.prepare<[], DetectedRow>('SELECT id, photo_id, x, y, w, h, score, not_a_face FROM faces WHERE manual = 0 ORDER BY photo_id, id').iterate()) {
    if (photo.length && photo[0]!.photo_id !== r.photo_id) flush();
    photo.push(r);
  }
  flush();
  return out;
}

/** Every integer anywhere in the correction history's payloads: any face id it may name. */
function idsInCorrections(db: Database.Database): Set<number> {
  const ids = new Set<number>();
  const walk = (v: unknown): void => {
    if (typeof v === 'number') {
      if (Number.isInteger(v)) ids.add(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const r of db.prepare<[], { payload: string }>('SELECT payload FROM corrections').iterate()) {
    try {
      walk(JSON.parse(r.payload));
    } catch {
      // An unreadable payload names nothing it could be undone with; the history reader reports it.
    }
  }
  return ids;
}

/** Deletes the parts of close-up faces nobody decided anything about (above). One transaction is the caller's. */
export function dropNestedFaces(db: Database.Database): NestedFacesOutcome {
  const nested = nestedFaceIds(db);
  if (!nested.length) return { deleted: 0, fromPeople: 0, keptForUser: 0 };
  const inHistory = idsInCorrections(db);
  // One look at a face: anything the user decided about it, and whether it is in a person at all.
  const state = db.prepare<[{ id: number }], { decided: number; assigned: number }>(
    `SELECT (SELECT COUNT(*) FROM face_assignments WHERE face_id = @id AND (source = 'user' OR confirmed = 1))
          + (SELECT COUNT(*) FROM face_rejections WHERE face_id = @id)
          + (SELECT COUNT(*) FROM persons WHERE cover_face_id = @id) AS decided,
            (SELECT COUNT(*) FROM face_assignments WHERE face_id = @id) AS assigned`,
  );
  const del = db.prepare('DELETE FROM faces WHERE id = ?');
  const out: NestedFacesOutcome = { deleted: 0, fromPeople: 0, keptForUser: 0 };
  for (const id of nested) {
    const f = inHistory.has(id) ? null : state.get({ id })!;
    if (!f || f.decided > 0) {
      out.keptForUser++;
      continue;
    }
    if (f.assigned > 0) out.fromPeople++;
    // Its assignment, learning record and pending vector go with it (ON DELETE CASCADE).
    del.run(id);
    out.deleted++;
  }
  if (out.fromPeople > 0) setSetting(db, REGROUP_PENDING_KEY, 'close-up rule');
  return out;
}
