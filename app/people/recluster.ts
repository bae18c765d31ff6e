/**
 * Full re-cluster (after a model change or on request), reproducing every user decision:
 * 1. the similarity graph of all seed-quality faces and all user-assigned faces (kNN index);
 * 2. constrained average-linkage HAC where each user person starts as one pinned cluster
 *    (must-link: its user-assigned faces, plus, for a user-named person, the faces it had before), faces of one photo never merge (unless the same face twice, th.collage), two user people never merge, a pinned cluster
 *    never takes a face that rejected its person;
 * 3. pinned clusters keep their person; free clusters of >= minClusterSize faces become people,
 *    taking over the id of the previous person they overlap most (stable ids for the UI), else a
 *    new id; user-named people always survive (possibly empty);
 * 4. the album merge pass (PeopleIndex.settle, th.albumMerge), the named people's split-off
 *    groups (absorbIntoNamed), then every face still unassigned (low quality, small groups) is
 *    tried against the people's prototypes (PeopleIndex.attachPool), the rest of the pool is
 *    clustered again, and the merge pass and the leftovers rule (th.leftover) run once more
 *    (settleAll): the same rules addFaces applies after a scan.
 */
import type { AutoIndexOptions } from './ann';
import { buildSimilarityGraph } from './graph';
import { averageLinkage } from './hac';
import { PeopleIndex, emptyChanges } from './people-index';
import { sameFaceTwice } from './same-photo';
import { thresholdsFor, type ModelThresholds } from './thresholds';
import { isUnrecognisable } from './unrecognisable';
import {
  columnsFromFaces,
  emptyDecisions,
  type ClusterFace,
  type FaceColumns,
  type FaceId,
  type PersonId,
  type PersonRecord,
  type UserDecisions,
} from './types';

export interface ReclusterInput {
  model: string | ModelThresholds;
  overrides?: Partial<ModelThresholds>;
  faces: FaceColumns | readonly ClusterFace[];
  /** The people that exist now (names, userNamed). */
  persons?: readonly PersonRecord[];
  decisions?: UserDecisions;
  /** Assignment before the re-cluster: keeps machine people's ids stable where they overlap. */
  previous?: ReadonlyMap<FaceId, PersonId | null>;
  newPersonId?: () => PersonId;
  index?: AutoIndexOptions;
}

export interface ReclusterResult {
  /** The people index after the re-cluster, ready for incremental work. */
  index: PeopleIndex;
  /** face -> person (null = unassigned), every face. */
  assignment: Map<FaceId, PersonId | null>;
  /** People after the re-cluster (user-named ones always included). */
  persons: PersonRecord[];
  /** New person ids allocated by this re-cluster. */
  created: PersonId[];
  /** People that existed before and have no face now (not user-named): the store may drop them. */
  dropped: PersonId[];
  timings: { graphMs: number; hacMs: number; attachMs: number; totalMs: number };
}

export function recluster(input: ReclusterInput): ReclusterResult {
  const t0 = performance.now();
  const th = thresholdsFor(input.model, input.overrides);
  const cols = Array.isArray(input.faces) ? columnsFromFaces(input.faces as ClusterFace[]) : (input.faces as FaceColumns);
  const decisions = input.decisions ?? emptyDecisions();
  const persons = new Map<PersonId, PersonRecord>();
  for (const p of input.persons ?? []) persons.set(p.id, { ...p });
  let maxId = 0;
  for (const p of persons.keys()) maxId = Math.max(maxId, p);
  for (const p of decisions.assigned.values()) maxId = Math.max(maxId, p);
  for (const p of input.previous?.values() ?? []) if (p !== null) maxId = Math.max(maxId, p);
  const newPersonId = input.newPersonId ?? (() => ++maxId);

  // pins: user-assigned faces (hard), and faces a user-named person had before (soft: naming a
  // person accepts its faces; they stay unless they rejected it, but stay the machine's to move)
  const pinOf = (id: FaceId): PersonId => {
    const hard = decisions.assigned.get(id);
    if (hard !== undefined) return hard;
    const prev = input.previous?.get(id);
    if (prev !== null && prev !== undefined && persons.get(prev)?.userNamed && !decisions.rejected.get(id)?.has(prev)) return prev;
    return -1;
  };
  // deterministic order: by face id, whatever the input order
  const order = Array.from({ length: cols.n }, (_, i) => i).sort((a, b) => cols.ids[a]! - cols.ids[b]!);
  const rows: number[] = [];
  for (const i of order) {
    if ((cols.quality[i]! >= th.qualityMin && !isUnrecognisable(cols.embeddings, i, th)) || pinOf(cols.ids[i]!) >= 0) rows.push(i);
  }
  const neighbors = buildSimilarityGraph(cols.embeddings, rows, th.knn, th.cluster, input.index);
  const t1 = performance.now();
  const photo = rows.map((r) => cols.photoIds[r]!);
  const twice = sameFaceTwice(th, cols.embeddings, cols.quality);
  const rejects = (i: number) => decisions.rejected.get(cols.ids[rows[i]!]!);
  const hac = averageLinkage({
    vectors: cols.embeddings,
    rows,
    neighbors,
    threshold: th.cluster,
    photo,
    twice: twice ? (i, j) => twice(rows[i]!, rows[j]!) : undefined,
    pinned: rows.map((r) => pinOf(cols.ids[r]!)),
    rejects,
  });
  const t2 = performance.now();

  const assignment = new Map<FaceId, PersonId>();
  const pinnedPeople = new Set<PersonId>(hac.pinnedOf.filter((p) => p >= 0));
  const free: number[][] = [];
  hac.clusters.forEach((c, ci) => {
    const pin = hac.pinnedOf[ci]!;
    if (pin >= 0) for (const i of c) assignment.set(cols.ids[rows[i]!]!, pin);
    else if (c.length >= th.minClusterSize) free.push(c);
  });
  // stable ids: free clusters take over the previous person they overlap most
  const triples: { overlap: number; pid: PersonId; ci: number }[] = [];
  if (input.previous) {
    free.forEach((c, ci) => {
      const counts = new Map<PersonId, number>();
      for (const i of c) {
        const p = input.previous!.get(cols.ids[rows[i]!]!);
        if (p !== null && p !== undefined && !pinnedPeople.has(p)) counts.set(p, (counts.get(p) ?? 0) + 1);
      }
      for (const [pid, overlap] of counts) triples.push({ overlap, pid, ci });
    });
  }
  triples.sort((a, b) => b.overlap - a.overlap || a.pid - b.pid || a.ci - b.ci);
  const idOf = new Map<number, PersonId>();
  const usedIds = new Set<PersonId>();
  for (const t of triples) {
    if (idOf.has(t.ci) || usedIds.has(t.pid)) continue;
    idOf.set(t.ci, t.pid);
    usedIds.add(t.pid);
  }
  const created: PersonId[] = [];
  free.forEach((c, ci) => {
    let pid = idOf.get(ci);
    if (pid === undefined) {
      pid = newPersonId();
      created.push(pid);
    }
    for (const i of c) {
      const faceId = cols.ids[rows[i]!]!;
      // a taken-over id may be one this face rejected: the rejection holds
      if (!decisions.rejected.get(faceId)?.has(pid)) assignment.set(faceId, pid);
    }
  });

  const index = new PeopleIndex({
    model: th,
    newPersonId: () => {
      const id = newPersonId();
      created.push(id);
      return id;
    },
    index: input.index,
  });
  index.load({
    persons: [...persons.values(), ...created.map((id) => ({ id }))],
    faces: cols,
    assignment,
    decisions,
  });
  // the album merge pass (th.albumMerge) over every person, as addFaces runs it over the people
  // new faces touched; then the named people's split-off groups, the pool, and once more the
  // merge pass with the leftovers rule (th.leftover) over every pool face
  index.settle(index.people().map((p) => p.id).sort((a, b) => a - b), [], emptyChanges());
  index.absorbIntoNamed();
  index.attachPool();
  index.settleAll(emptyChanges());
  const t3 = performance.now();

  const finalAssignment = index.assignment();
  const withFaces = new Set<PersonId>();
  for (const p of finalAssignment.values()) if (p !== null) withFaces.add(p);
  const before = new Set<PersonId>([...persons.keys()]);
  for (const p of input.previous?.values() ?? []) if (p !== null) before.add(p);
  const dropped = [...before].filter((p) => !withFaces.has(p) && !persons.get(p)?.userNamed).sort((a, b) => a - b);
  const outPersons = index
    .people()
    .filter((p) => withFaces.has(p.id) || p.userNamed)
    .sort((a, b) => a.id - b.id);
  return {
    index,
    assignment: finalAssignment,
    persons: outPersons,
    created: created.filter((p) => withFaces.has(p)),
    dropped,
    timings: { graphMs: t1 - t0, hacMs: t2 - t1, attachMs: t3 - t2, totalMs: t3 - t0 },
  };
}
