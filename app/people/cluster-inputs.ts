/**
 * What clustering and the in-memory index read from the store, as the clustering core takes it:
 * faces, the live persons, the user's decisions (must-links and cannot-links) and the machine's
 * assignment.
 */
import type { ClusterFaceRow } from '../store/cluster-repo';
import type { PeopleContext } from './context';
import type { ClusterFace, UserDecisions } from './types';
import type { FaceId, PersonId } from '../contract/people';

export const toClusterFace = (r: ClusterFaceRow): ClusterFace => ({
  id: r.id,
  photoId: r.photo_id,
  embedding: new Int8Array(r.embedding.buffer.slice(r.embedding.byteOffset, r.embedding.byteOffset + 128)),
  quality: r.q_score ?? 0,
});

/** The model's faces (not-a-face excluded), by id. */
export function loadFaces(ctx: PeopleContext): ClusterFace[] {
  return ctx.cluster.faces(ctx.model).map(toClusterFace);
}

/** One face, any model. */
export function clusterFace(ctx: PeopleContext, id: FaceId): ClusterFace | null {
  const r = ctx.cluster.face(id);
  return r ? toClusterFace(r) : null;
}

export function personRecords(ctx: PeopleContext): { id: PersonId; name: string | null; userNamed: boolean }[] {
  return ctx.cluster.livePersons().map((p) => ({ id: p.id, name: p.name, userNamed: !!p.user_named }));
}

export function decisions(ctx: PeopleContext): UserDecisions {
  const assigned = new Map<number, number>();
  for (const r of ctx.cluster.userAssignments()) assigned.set(r.face_id, r.person_id);
  const rejected = new Map<number, Set<number>>();
  for (const r of ctx.cluster.rejections()) {
    let s = rejected.get(r.face_id);
    if (!s) rejected.set(r.face_id, (s = new Set()));
    s.add(r.person_id);
  }
  return { assigned, rejected };
}

/** The machine's assignment now (a full re-cluster keeps the ids of people it overlaps). */
export function machineAssignment(ctx: PeopleContext): Map<FaceId, PersonId | null> {
  const previous = new Map<number, number | null>();
  for (const r of ctx.cluster.machineAssignments()) previous.set(r.face_id, r.person_id);
  return previous;
}
