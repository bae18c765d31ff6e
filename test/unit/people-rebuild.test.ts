/**
 * The index rebuild (PeopleService.ensureIndex -> PeopleIndex.load) made faster must make exactly
 * the decisions the old rebuild made:
 * - faces read into packed columns (one Int8Array) instead of one ClusterFace per row;
 * - the pool's kNN index and seed graph built lazily, on the first request that needs the pool,
 *   instead of during load().
 * "Old way" below: ClusterFace[] (as loadFaces() returns them) loaded, then the pool built at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { PeopleService } from '../../app/people/people-service';
import { decisions, loadFaces, personRecords } from '../../app/people/cluster-inputs';
import type { PeopleContext } from '../../app/people/context';
import { synthesize } from '../../app/people/synthetic';
import type { ClusterFace, FaceColumns, FaceId, PersonId } from '../../app/people/types';
import { DIM } from '../../app/people/vector';
import { Store } from '../../app/store/store';

const work = mkdtempSync(join(tmpdir(), 'visage-rebuild-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MODEL = 'dlib-resnet-v1';

function faceAt(s: FaceColumns, i: number): ClusterFace {
  return { id: s.ids[i]!, photoId: s.photoIds[i]!, quality: s.quality[i]!, embedding: s.embeddings.slice(i * DIM, (i + 1) * DIM) };
}

/** Everything a request can observe of an index, pool queries last (they build the lazy pool). */
function observe(idx: PeopleIndex, probes: ClusterFace[]) {
  const people = idx.people().sort((a, b) => a.id - b.id);
  const protos = people.map((p) => [p.id, idx.prototypesOf(p.id)]);
  const decisions = probes.map((f) => idx.decide(f));
  const suggestions = probes.map((f) => idx.suggestPeople(f, 5));
  const own = probes.slice(0, 20).map((f) => safe(() => idx.suggestPeople(f.id, 5)));
  const faces = people.slice(0, 40).map((p) => idx.suggestFaces(p.id, 20));
  return { people, protos, decisions, suggestions, own, faces, pool: idx.pool(), assignment: [...idx.assignment()] };
}

const safe = <T>(f: () => T): T | string => {
  try {
    return f();
  } catch (e) {
    return String(e);
  }
};

/** Loads the same state the old way (objects, eager pool) and the new way (columns, lazy pool). */
function both(opts: ConstructorParameters<typeof PeopleIndex>[0], faces: ClusterFace[], assignment: Map<FaceId, PersonId | null>) {
  const oldIdx = new PeopleIndex(opts);
  oldIdx.load({ faces, assignment });
  oldIdx.materializePool(); // what load() used to do before returning
  const n = faces.length;
  const cols: FaceColumns = { n, ids: new Float64Array(n), photoIds: new Float64Array(n), quality: new Float32Array(n), embeddings: new Int8Array(n * DIM) };
  faces.forEach((f, i) => {
    (cols.ids as Float64Array)[i] = f.id;
    (cols.photoIds as Float64Array)[i] = f.photoId;
    (cols.quality as Float32Array)[i] = f.quality;
    cols.embeddings.set(f.embedding, i * DIM);
  });
  const newIdx = new PeopleIndex(opts);
  newIdx.load({ faces: cols, assignment });
  return { oldIdx, newIdx };
}

describe('index rebuild: lazy pool and packed faces give the same index', () => {
  const N = 3000, HELD = 150;
  const s = synthesize({ faces: N + HELD, identities: Math.ceil(N / 40), seed: 7 });
  const faces = Array.from({ length: N }, (_, i) => faceAt(s, i));
  const held = Array.from({ length: HELD }, (_, i) => faceAt(s, N + i));
  // a stored clustering: identities with >= 3 faces are people (one face per photo), the rest pooled
  const sizes = new Map<number, number>();
  for (let i = 0; i < N; i++) sizes.set(s.truth[i]!, (sizes.get(s.truth[i]!) ?? 0) + 1);
  const assignment = new Map<FaceId, PersonId | null>();
  const seen = new Set<string>();
  for (let i = 0; i < N; i++) {
    const t = s.truth[i]!, key = `${s.photoIds[i]}:${t}`;
    // every 9th face unassigned too, so that the pool is large enough for HNSW below
    assignment.set(s.ids[i]!, sizes.get(t)! >= 3 && !seen.has(key) && i % 9 !== 0 ? t + 1 : null);
    seen.add(key);
  }

  for (const [label, index] of [
    ['brute force', undefined],
    ['HNSW (switchAt 64)', { switchAt: 64 }],
  ] as const) {
    it(`same prototypes, decisions, suggestions and later changes (${label})`, () => {
      const { oldIdx, newIdx } = both({ model: MODEL, index }, faces, assignment);
      expect(newIdx.poolPending).toBe(true);
      expect(newIdx.pool().length).toBeGreaterThan(200);
      // prototypes, decisions and people suggestions are answered without building the pool
      const people = newIdx.people();
      for (const p of people) expect(newIdx.prototypesOf(p.id)).toEqual(oldIdx.prototypesOf(p.id));
      for (const f of held) {
        expect(newIdx.decide(f)).toEqual(oldIdx.decide(f));
        expect(newIdx.suggestPeople(f, 5)).toEqual(oldIdx.suggestPeople(f, 5));
      }
      expect(newIdx.poolPending).toBe(true);
      expect(observe(newIdx, held)).toEqual(observe(oldIdx, held));
      // face suggestions scan the unbuilt pool exactly instead of building its index
      expect(newIdx.poolPending).toBe(true);
      // the same changes afterwards: new faces, corrections, pool clustering
      expect(newIdx.addFaces(held.slice(0, 100))).toEqual(oldIdx.addFaces(held.slice(0, 100)));
      const [a, b] = newIdx.people().filter((p) => newIdx.facesOf(p.id).length >= 4);
      const fa = newIdx.facesOf(a!.id), fb = newIdx.facesOf(b!.id);
      const pooled = newIdx.pool();
      for (const idx of [oldIdx, newIdx]) idx.addPerson({ id: a!.id, name: 'Anna', userNamed: true });
      const run = (idx: PeopleIndex) => [
        idx.reject(fa[0]!, a!.id),
        idx.userAssign(fb[1]!, a!.id),
        idx.userAssign(pooled[0]!, b!.id),
        idx.mergePersons(a!.id, b!.id),
        idx.removeFace(fa[2]!),
        idx.addFaces(held.slice(100)),
        idx.clusterPool(),
      ];
      expect(run(newIdx)).toEqual(run(oldIdx));
      expect(observe(newIdx, held)).toEqual(observe(oldIdx, held));
    });

    it(`a change before any pool query builds the pool first (${label})`, () => {
      const firsts: [string, (idx: PeopleIndex) => unknown][] = [
        ['reject', (idx) => idx.reject(idx.facesOf(idx.people()[3]!.id)[0]!, idx.people()[3]!.id)],
        ['clusterPool', (idx) => idx.clusterPool()],
        ['attachPool', (idx) => idx.attachPool()],
        ['addFaces', (idx) => idx.addFaces(held.slice(0, 10))],
        ['removePerson', (idx) => idx.removePerson(idx.people()[5]!.id)],
      ];
      for (const [, first] of firsts) {
        const { oldIdx, newIdx } = both({ model: MODEL, index }, faces, assignment);
        expect(first(newIdx)).toEqual(first(oldIdx));
        expect(newIdx.poolPending).toBe(false);
        expect(observe(newIdx, held)).toEqual(observe(oldIdx, held));
      }
    });
  }
});

describe('PeopleService rebuild after corrections equals the old rebuild', () => {
  it('same prototypes per person, decisions, people and face suggestions', () => {
    const N = 4000;
    const s = synthesize({ faces: N + 100, identities: Math.ceil(N / 40), seed: 3 });
    const store = Store.open(join(work, 'lib.db'));
    try {
      const db = store.db;
      db.transaction(() => {
        const photo = db.prepare("INSERT OR IGNORE INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, ?, 1, 1, 640, 480, '2024-01-01')");
        const face = db.prepare("INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, ?, 0, 0, 10, 10, 0.9, '[]', ?, ?, ?)");
        for (let i = 0; i < N + 100; i++) {
          photo.run(s.photoIds[i], `/lib/${s.photoIds[i]}.jpg`, `h${s.photoIds[i]}`);
          // the last 100 faces have no quality score (q_score NULL) and come after the watermark
          face.run(s.ids[i], s.photoIds[i], Buffer.from(s.embeddings.buffer, s.embeddings.byteOffset + i * DIM, DIM), MODEL, i < N ? s.quality[i] : null);
        }
      })();
      const svc = new PeopleService(db);
      svc.recluster();
      db.prepare("UPDATE settings SET value = ? WHERE key = 'people.clusteredUpTo'").run(String(s.ids[N - 1]));
      db.prepare("UPDATE faces SET q_score = NULL WHERE id IN (SELECT id FROM faces ORDER BY id LIMIT 50)").run();
      // corrections of several kinds, then a rebuild
      const people = svc.listPeople().filter((p) => svc.personFaces(p.id).length >= 4);
      const [a, b, c] = people;
      const fa = svc.personFaces(a!.id).map((f) => f.id), fc = svc.personFaces(c!.id).map((f) => f.id);
      svc.correct({ kind: 'name', personId: a!.id, name: 'Anna' });
      svc.correct({ kind: 'reject', faceIds: [fa[0]!], personId: a!.id });
      svc.correct({ kind: 'merge', targetId: a!.id, sourceIds: [b!.id] });
      svc.correct({ kind: 'split', faceIds: fc.slice(0, 2), name: 'Carl' });
      svc.correct({ kind: 'not-a-face', faceIds: [fa[1]!] });
      svc.undo();

      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const priv = svc as any;
      const rebuilt = (): PeopleIndex => {
        priv.cache.set(null);
        return priv.cache.ensure();
      };
      const ctx = priv.cache.ctx as PeopleContext;
      // the old ensureIndex: ClusterFace objects, filtered, loaded, pool built during load
      const oldWay = (): PeopleIndex => {
        const idx = new PeopleIndex({ model: priv.thresholds, newPersonId: () => 1e9 });
        const assignment = new Map<number, number | null>();
        for (const r of db
          .prepare('SELECT fa.face_id, fa.person_id FROM face_assignments fa JOIN persons p ON p.id = fa.person_id WHERE p.merged_into IS NULL')
          .all() as { face_id: number; person_id: number }[])
          assignment.set(r.face_id, r.person_id);
        const mark = ctx.cluster.watermark();
        const faces = (loadFaces(ctx) as ClusterFace[]).filter((f) => f.id <= mark || assignment.has(f.id));
        idx.load({ persons: personRecords(ctx), faces, assignment, decisions: decisions(ctx) });
        idx.materializePool();
        return idx;
      };
      const probes = Array.from({ length: 100 }, (_, i) => faceAt(s, N + i));
      const newIdx = rebuilt(), oldIdx = oldWay();
      expect(newIdx.faceCount).toBe(oldIdx.faceCount);
      expect(newIdx.columns()).toEqual(oldIdx.columns());
      expect(newIdx.decisions()).toEqual(oldIdx.decisions());
      expect(observe(newIdx, probes)).toEqual(observe(oldIdx, probes));
      // and through the service: suggestions of the rebuilt index are those of the old one
      const live = rebuilt();
      for (const f of probes.slice(0, 20)) expect(live.suggestPeople(f, 5)).toEqual(oldIdx.suggestPeople(f, 5));
      expect(svc.suggestFaces(a!.id, 10)).toEqual(oldIdx.suggestFaces(a!.id, 10).map((x) => ({ faceId: x.faceId, similarity: x.score })));
    } finally {
      store.close();
    }
  }, 120_000);
});
