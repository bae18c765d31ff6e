/**
 * The people screens' reads: people with their counts and covers, a person's faces and photos,
 * unassigned faces, a photo with its faces, and the suggestions the clustering index ranks
 * ("Is this Anna?", "merge with...").
 */
import type { FaceViewRow, PersonCountsRow, PhotoViewRow } from '../store/people-queries-repo';
import { NotFoundError } from '../contract/errors';
import { CorrectionError } from './corrections';
import { clusterFace } from './cluster-inputs';
import { rankMergePairs, type MergePair } from './merge-queue';
import { sameFaceTwice } from './same-photo';
import { libraryVersion, type PeopleContext } from './context';
import { orderPeople } from './people-list-order';
import type { IndexCache } from './index-cache';
import type {
  FaceId,
  FaceInfo,
  FaceSuggestion,
  MergeQueue,
  PeopleListOptions,
  PersonId,
  PersonPhoto,
  PersonSuggestion,
  PersonSummary,
  PhotoId,
  PhotoInfo,
} from '../contract/people';

function summary(r: PersonCountsRow): PersonSummary {
  return {
    id: r.id,
    name: r.name,
    hidden: !!r.hidden,
    faceCount: r.face_count,
    photoCount: r.photo_count,
    coverFaceId: r.cover_face_id ?? r.best_face,
    userTouched: !!r.user_named,
    birthDate: r.birth_date ?? null,
    latestPhotoDate: r.latest_date,
  };
}

function faceInfo(r: FaceViewRow): FaceInfo {
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
    personBirthDate: r.person_birth_date,
    manual: !!r.manual,
  };
}

function personPhoto(r: PhotoViewRow & { face_id: number | null }): PersonPhoto {
  return { id: r.id, path: r.path, width: r.width, height: r.height, takenAt: r.taken_at, date: r.date, faceId: r.face_id, noFace: r.face_id === null };
}

export class PeopleQueries {
  /** The last ranking of "Same person?" and the library version it was made on (the count and the screen ask one after the other). */
  private merges: { version: string; pairs: MergePair[] } | null = null;

  constructor(
    private readonly ctx: PeopleContext,
    private readonly index: IndexCache,
  ) {}

  /** People in the People page's order and filter (app/people/people-list-order.ts). */
  listPeople(opts: PeopleListOptions = {}): PersonSummary[] {
    return orderPeople(this.ctx.queries.personCounts(null).map(summary), opts);
  }

  getPerson(id: PersonId): PersonSummary | null {
    const [row] = this.ctx.queries.personCounts(id);
    return row ? summary(row) : null;
  }

  personFaces(id: PersonId, opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.ctx.queries.personFaces(id, opts).map(faceInfo);
  }

  personFaceIds(id: PersonId): FaceId[] {
    return this.ctx.queries.personFaceIds(id);
  }

  personPhotos(id: PersonId, opts: { offset?: number; limit?: number } = {}): PersonPhoto[] {
    return this.ctx.queries.personPhotos(id, opts).map(personPhoto);
  }

  smallUnnamed(maxPhotos: number): PersonId[] {
    return this.ctx.people.smallUnnamed(maxPhotos);
  }

  photosTogether(personIds: PersonId[], opts: { only?: boolean; offset?: number; limit?: number } = {}): PersonPhoto[] {
    const ids = [...new Set(personIds)];
    if (ids.length < 2) throw new CorrectionError('choose at least two different people');
    for (const id of ids) {
      const p = this.ctx.people.person(id);
      if (!p || p.merged_into !== null) throw new NotFoundError('person', `no person ${id}`);
    }
    return this.ctx.queries.photosTogether(ids, !!opts.only, opts).map(personPhoto);
  }

  personPhotoIds(id: PersonId): PhotoId[] {
    return this.ctx.queries.personPhotoIds(id);
  }

  unassignedFaces(opts: { offset?: number; limit?: number } = {}): FaceInfo[] {
    return this.ctx.queries.unassignedFaces(this.ctx.model, opts).map(faceInfo);
  }

  face(id: FaceId): FaceInfo | null {
    const r = this.ctx.queries.face(id);
    return r ? faceInfo(r) : null;
  }

  photo(id: PhotoId): PhotoInfo | null {
    const p = this.ctx.queries.photo(id);
    if (!p) return null;
    const faces = this.ctx.queries.photoFaces(id).map(faceInfo);
    const tags = this.ctx.queries.photoTags(id).map((t) => ({ personId: t.person_id, name: t.name }));
    return { id: p.id, path: p.path, width: p.width, height: p.height, takenAt: p.taken_at, date: p.date, faces, tags };
  }

  suggestPeople(faceId: FaceId, k = 5): PersonSuggestion[] {
    const idx = this.index.ensure();
    const row = clusterFace(this.ctx, faceId);
    if (!row) return [];
    const people = this.ctx.people;
    // A face the index does not hold yet carries no cannot-links there: the birth-date rule is checked here too.
    const unborn = new Set(this.ctx.cluster.bornAfter(faceId));
    return idx
      .suggestPeople(row, k)
      .filter((s) => people.person(s.personId)?.merged_into == null && !unborn.has(s.personId))
      .map((s) => ({ personId: s.personId, name: people.person(s.personId)?.name ?? null, similarity: s.score }));
  }

  suggestFaces(personId: PersonId, k = 20): FaceSuggestion[] {
    const idx = this.index.ensure();
    if (!idx.people().some((p) => p.id === personId)) return [];
    return idx.suggestFaces(personId, k).map((s) => ({ faceId: s.faceId, similarity: s.score }));
  }

  similarPeople(personId: PersonId, k = 10): PersonSuggestion[] {
    const idx = this.index.ensure();
    const protos = idx.prototypesOf(personId);
    const best = new Map<PersonId, number>();
    for (const f of protos) {
      const cf = clusterFace(this.ctx, f);
      if (!cf) continue;
      // No floor: "Merge with…" ranks every person, the likeliest first, even where none reaches
      // the suggestion bar (a model with a wide scale, such as MobileFaceNet, often has none).
      for (const s of idx.suggestPeople(cf, k + 1, -1)) {
        if (s.personId === personId) continue;
        best.set(s.personId, Math.max(best.get(s.personId) ?? -1, s.score));
      }
    }
    const people = this.ctx.people;
    return [...best.entries()]
      .filter(([id]) => people.person(id)?.merged_into == null)
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([id, score]) => ({ personId: id, name: people.person(id)?.name ?? null, similarity: score }));
  }

  /**
   * "Same person?": pairs of people (hidden ones left out) ranked by average linkage, at or above
   * the model's `suggest` (the bar below which nothing is suggested), never two people of one
   * photo nor a pair a user decision keeps apart (app/people/merge-queue.ts).
   */
  suggestMerges(limit = 50): MergeQueue {
    const version = libraryVersion(this.ctx);
    const pairs = this.merges?.version === version ? this.merges.pairs : this.rankMerges();
    this.merges = { version, pairs };
    const out: MergeQueue['pairs'] = [];
    for (const p of pairs) {
      if (out.length >= limit) break;
      const a = this.getPerson(p.a);
      const b = this.getPerson(p.b);
      if (a && b) out.push({ a, b, similarity: p.similarity });
    }
    return { pairs: out, total: pairs.length };
  }

  private rankMerges(): MergePair[] {
    const idx = this.index.ensure();
    const th = this.ctx.thresholds();
    const hidden = new Set(this.ctx.queries.personCounts(null).filter((r) => r.hidden).map((r) => r.id));
    const d = idx.decisions();
    const bornAfter = new Map<number, Set<PersonId>>();
    for (const r of this.ctx.cluster.bornAfterAll()) {
      let s = bornAfter.get(r.face_id);
      if (!s) bornAfter.set(r.face_id, (s = new Set()));
      s.add(r.person_id);
    }
    const faces = idx.columns();
    return rankMergePairs({
      faces,
      assignment: idx.assignment(),
      rejected: d.rejected,
      bornAfter,
      userAssigned: d.assigned,
      exclude: hidden,
      qualityMin: th.qualityMin,
      floor: th.mergeQueue ?? th.suggest,
      twice: sameFaceTwice(th, faces.embeddings, faces.quality),
    });
  }
}
