/**
 * Baseline: Immich's incremental DBSCAN-like face clustering, on Visage's embeddings.
 *
 * As Immich documents it (docs "Facial Recognition": a face with at least `minFaces` neighbours
 * within `maxDistance` is a core point; core points start or join people, the others attach to
 * the nearest person later) and as its recognition job does it
 * (server `PersonService.handleRecognizeFaces`):
 * 1. faces are processed in order (here: by row, i.e. face id); for each, the `minFaces` nearest
 *    faces within cosine distance `maxDistance` are searched, the face itself included;
 * 2. only itself found (minFaces > 1): the face is skipped for good (stays unassigned);
 * 3. fewer than `minFaces` found: not a core point, deferred to a second pass;
 * 4. otherwise (core): the face joins the person of the nearest found face that has one; failing
 *    that the person of the nearest face within `maxDistance` that has one; failing that it starts
 *    a new person;
 * 5. second pass, deferred faces in order: the same search for a person (steps 4's first two),
 *    but a deferred face never starts a person: without one it stays unassigned.
 * Faces of one photo are not kept apart (Immich does not). Distance = 1 - cosine.
 */
import type { FaceColumns } from '../types';
import { cos, unitRows } from './unit-rows';

export interface DbscanOptions {
  /** Cosine distance (1 - cosine) under which two faces are neighbours (Immich default 0.5 for its own model). */
  maxDistance: number;
  /** Neighbours (the face itself included) a core point needs (Immich default 3). */
  minFaces: number;
}

/** Person label of every row (null = unassigned), Immich-style. */
export function dbscanCluster(faces: FaceColumns, opts: DbscanOptions): (number | null)[] {
  const u = unitRows(faces);
  const n = u.n;
  const minCos = 1 - opts.maxDistance;
  const person: (number | null)[] = new Array<number | null>(n).fill(null);
  let next = 0;
  // neighbours of i within maxDistance, nearest first (exact search)
  const within = (i: number): { j: number; s: number }[] => {
    const out: { j: number; s: number }[] = [];
    for (let j = 0; j < n; j++) {
      const s = j === i ? 1 : cos(u, i, j);
      if (s >= minCos) out.push({ j, s });
    }
    out.sort((a, b) => b.s - a.s || a.j - b.j);
    return out;
  };
  // Immich looks among the minFaces nearest matches first, then for the nearest face within
  // maxDistance that has a person (a search with hasPerson): with an exact search, together, the
  // nearest face within maxDistance that has a person.
  const findPerson = (near: readonly { j: number }[]): number | null => {
    for (const m of near) if (person[m.j] !== null) return person[m.j]!;
    return null;
  };
  const deferred: number[] = [];
  for (let i = 0; i < n; i++) {
    const near = within(i);
    const matches = Math.min(near.length, opts.minFaces);
    if (opts.minFaces > 1 && matches <= 1) continue;
    if (matches < opts.minFaces) {
      deferred.push(i);
      continue;
    }
    person[i] = findPerson(near) ?? next++;
  }
  for (const i of deferred) person[i] = findPerson(within(i));
  return person;
}
