/**
 * "Same person?" (issue 16, item 5): pairs of people ranked by how likely they are one person,
 * for the user to answer Yes (merge) or No (not-same, a permanent cannot-link).
 *
 * The score of a pair is the average linkage of the two albums: the mean cosine over every pair of
 * their faces, sumA.sumB / (|A||B|) over unit vectors (as album-merge.ts and HAC compute it). Only
 * seed-quality faces and the user's own faces count (a person with none: all its faces), as in the
 * album rule. Averaged over whole albums it ranks true splits above look-alikes better than the
 * best single pair of prototypes (`similarPeople`): see docs/clustering.md, "Same person?".
 *
 * A pair is never offered when the two people share a photo (faces of one photo are different
 * people, unless the same face twice: th.collage, app/people/same-photo.ts) or when the user
 * answered No for it: the not-same correction makes every face of each side reject the other, so
 * faces of EACH side rejecting the other is its mark (it hangs on faces and people the re-clusters
 * keep, see corrections.ts). A one-way rejection is not: a split makes
 * the faces split off reject the person they left, and a split may cut one person in two - that
 * pair is exactly what the queue is for. Nor is a pair offered when a face of one side is from a
 * photo dated before the other's birth date (the birth-date rule): merging would give that person
 * a face the machine may never give nor suggest them (the user may still merge them by hand).
 */
import { addToPhoto, keptApart } from './same-photo';
import { DIM, addUnit } from './vector';
import type { FaceColumns, FaceId, PersonId } from './types';

export interface MergeQueueInput {
  faces: FaceColumns;
  /** face -> person (null or absent: unassigned). */
  assignment: ReadonlyMap<FaceId, PersonId | null>;
  /** face -> people it rejected (the user's cannot-links, the birth-date rule's included). */
  rejected: ReadonlyMap<FaceId, ReadonlySet<PersonId>>;
  /** face -> people it may not be given by the birth-date rule (also in `rejected`). */
  bornAfter?: ReadonlyMap<FaceId, ReadonlySet<PersonId>>;
  /** Faces the user assigned (they count whatever their quality). */
  userAssigned?: ReadonlyMap<FaceId, PersonId>;
  /** People never offered (hidden ones). */
  exclude?: ReadonlySet<PersonId>;
  /** Quality a face needs to count (the model's qualityMin). */
  qualityMin: number;
  /** Average linkage a pair needs to be offered (the model's `suggest`). */
  floor: number;
  /** The collage rule over `faces`' rows (sameFaceTwice, th.collage): two faces of one photo it accepts do not keep a pair out. */
  twice?: (i: number, j: number) => boolean;
}

export interface MergePair {
  a: PersonId;
  b: PersonId;
  similarity: number;
}

interface Album {
  id: PersonId;
  sum: Float64Array;
  n: number;
  /** photo -> the rows of this person's faces in it. */
  photos: Map<number, number[]>;
  rejects: Set<PersonId>;
  /** People born after the photo of one of this album's faces. */
  unborn: Set<PersonId>;
}

/** Every pair at or above `floor` that may be merged, best first (ties: smaller ids first). */
export function rankMergePairs(input: MergeQueueInput): MergePair[] {
  const { faces } = input;
  const seed = new Map<PersonId, Album>();
  const all = new Map<PersonId, Album>();
  const albumIn = (m: Map<PersonId, Album>, id: PersonId): Album => {
    let a = m.get(id);
    if (!a) m.set(id, (a = { id, sum: new Float64Array(DIM), n: 0, photos: new Map<number, number[]>(), rejects: new Set(), unborn: new Set() }));
    return a;
  };
  const photos = new Map<PersonId, Map<number, number[]>>();
  const rejects = new Map<PersonId, Set<PersonId>>();
  const unborn = new Map<PersonId, Set<PersonId>>();
  const collect = (into: Map<PersonId, Set<PersonId>>, p: PersonId, from: ReadonlySet<PersonId> | undefined) => {
    if (!from?.size) return;
    let s = into.get(p);
    if (!s) into.set(p, (s = new Set()));
    for (const x of from) s.add(x);
  };
  for (let i = 0; i < faces.n; i++) {
    const id = faces.ids[i]!;
    const p = input.assignment.get(id);
    if (p === null || p === undefined || input.exclude?.has(p)) continue;
    let ph = photos.get(p);
    if (!ph) photos.set(p, (ph = new Map<number, number[]>()));
    addToPhoto(ph, faces.photoIds[i]!, i);
    collect(rejects, p, input.rejected.get(id));
    collect(unborn, p, input.bornAfter?.get(id));
    const counts = faces.quality[i]! >= input.qualityMin || input.userAssigned?.get(id) === p;
    const target = albumIn(counts ? seed : all, p);
    addUnit(target.sum, faces.embeddings, i);
    target.n++;
  }
  const albums: Album[] = [];
  for (const p of [...photos.keys()].sort((x, y) => x - y)) {
    const a = seed.get(p) ?? all.get(p)!;
    a.photos = photos.get(p)!;
    a.rejects = rejects.get(p) ?? new Set();
    a.unborn = unborn.get(p) ?? new Set();
    albums.push(a);
  }
  // The album means in one flat array: the O(people^2) loop below is one tight dot product a pair.
  const means = new Float64Array(albums.length * DIM);
  albums.forEach((a, i) => {
    for (let d = 0; d < DIM; d++) means[i * DIM + d] = a.sum[d]! / a.n;
  });
  const pairs: MergePair[] = [];
  for (let i = 0; i < albums.length; i++) {
    const x = albums[i]!;
    const oi = i * DIM;
    for (let j = i + 1; j < albums.length; j++) {
      const oj = j * DIM;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < DIM; d += 4) {
        s0 += means[oi + d]! * means[oj + d]!;
        s1 += means[oi + d + 1]! * means[oj + d + 1]!;
        s2 += means[oi + d + 2]! * means[oj + d + 2]!;
        s3 += means[oi + d + 3]! * means[oj + d + 3]!;
      }
      const s = s0 + s1 + s2 + s3;
      if (s < input.floor) continue;
      const y = albums[j]!;
      if ((x.rejects.has(y.id) && y.rejects.has(x.id)) || x.unborn.has(y.id) || y.unborn.has(x.id) || keptApart(x.photos, y.photos, input.twice)) continue;
      pairs.push({ a: x.id, b: y.id, similarity: s });
    }
  }
  return pairs.sort((p, q) => q.similarity - p.similarity || p.a - q.a || p.b - q.b);
}
