/**
 * The album merge pass and the leftovers rule (PeopleIndex.settle; thresholds albumMerge,
 * leftover; docs/clustering.md "Album merge and leftovers") through PeopleService on real SQLite
 * files: one identity whose faces fall into two groups too far apart for HAC (cross cosine ~0.935
 * against `cluster` 0.945) but near as albums. The re-cluster and the incremental update after a
 * scan (addFaces) both merge them; neither breaks a "not same" answer, a rejection or a
 * same-photo cannot-link; low-quality faces join the album they are clearly nearest to, never
 * seed a person; seed-quality faces left in the pool (leftoverSeed) join an album only when no
 * other person's album, however small, comes within the margin.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { PeopleService } from '../../app/people/people-service';
import { thresholdsFor, type ModelThresholds } from '../../app/people/thresholds';
import { unitVectors } from '../helpers/unit-vectors';
import { Store } from '../../app/store/store';

const MODEL = 'dlib-resnet-v1';
const ON: Partial<ModelThresholds> = { albumMerge: 0.92, albumMergeMinFaces: 5, leftover: 0.9, leftoverMinFaces: 3 };
const OFF: Partial<ModelThresholds> = { albumMerge: 1, leftover: 1 };

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function openLibrary(): Database.Database {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-album-merge-'));
  dirs.push(dir);
  const store = Store.open(path.join(dir, 'visage.db'));
  stores.push(store);
  return store.db;
}

/** Unit vectors: identity A's two looks (centres at cosine ~0.945 apart), identity B, identity C (far from all). */
function vectors(seed = 3) {
  const { random, mix } = unitVectors(seed);
  const a1 = random();
  const a2 = mix(a1, random(), 0.945);
  const b = mix(a1, random(), 0.7);
  const c = random();
  /** A face near `centre` (cosine to it ~`spread`). */
  const face = (centre: Float64Array, spread = 0.99) => mix(centre, random(), spread);
  return { a1, a2, b, c, face, random, mix };
}

interface Row { id: number; photo: number; v: Float64Array; quality?: number }

function write(db: Database.Database, rows: Row[]): void {
  const photo = db.prepare("INSERT OR IGNORE INTO photos (id, path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, ?, 1, 1, 640, 480, '2024-01-01')");
  const face = db.prepare("INSERT INTO faces (id, photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, ?, ?, 0, 10, 10, 0.9, '[]', ?, ?, ?)");
  db.transaction(() => {
    for (const r of rows) {
      photo.run(r.photo, `/lib/${r.photo}.jpg`, `h${r.photo}`);
      const e = Buffer.from(Int8Array.from(r.v, (x) => Math.max(-127, Math.min(127, Math.round(x * 127 * 4)))).buffer);
      face.run(r.id, r.photo, r.id * 20, e, MODEL, r.quality ?? 0.9);
    }
  })();
}

/** Identity A: 8 faces of look 1 (ids 1-8), 6 of look 2 (ids 11-16); identity B: 6 faces (21-26); each on a photo of its own. */
function library(v = vectors()) {
  const rows: Row[] = [];
  for (let i = 1; i <= 8; i++) rows.push({ id: i, photo: i, v: v.face(v.a1) });
  for (let i = 11; i <= 16; i++) rows.push({ id: i, photo: i, v: v.face(v.a2) });
  for (let i = 21; i <= 26; i++) rows.push({ id: i, photo: i, v: v.face(v.b) });
  return rows;
}

const personOf = (db: Database.Database, faceId: number): number | null =>
  db.prepare<[number], { person_id: number }>('SELECT person_id FROM face_assignments WHERE face_id = ?').get(faceId)?.person_id ?? null;
const peopleOf = (db: Database.Database, ids: number[]) => new Set(ids.map((id) => personOf(db, id)));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const svc = (db: Database.Database, overrides: Partial<ModelThresholds>) => new PeopleService(db, { overrides });

/**
 * A library where look 1 of identity A and identity B were scanned and grouped (update), then
 * `extra` arrives in a later scan (update again); A's person exists.
 */
function scanLater(v: ReturnType<typeof vectors>, extra: Row[], overrides: Partial<ModelThresholds>): Database.Database {
  const db = openLibrary();
  write(db, library(v).filter((r) => r.id <= 8 || r.id > 20));
  svc(db, overrides).update();
  write(db, extra);
  svc(db, overrides).update();
  expect(personOf(db, 1)).not.toBeNull();
  return db;
}

/** No person holds two faces of one photo, none holds a face that rejected it. */
function expectConstraints(db: Database.Database): void {
  const shared = db
    .prepare('SELECT f.photo_id, a.person_id, COUNT(*) AS n FROM face_assignments a JOIN faces f ON f.id = a.face_id GROUP BY f.photo_id, a.person_id HAVING n > 1')
    .all();
  expect(shared).toEqual([]);
  const rejected = db.prepare('SELECT r.face_id FROM face_rejections r JOIN face_assignments a ON a.face_id = r.face_id AND a.person_id = r.person_id').all();
  expect(rejected).toEqual([]);
}

describe('album merge: the two looks of one identity become one person', () => {
  it('in a full re-cluster, and only with the pass on', () => {
    const db = openLibrary();
    write(db, library());
    svc(db, OFF).recluster();
    expect(peopleOf(db, range(1, 8)).size).toBe(1);
    expect(personOf(db, 11)).not.toBe(personOf(db, 1));
    svc(db, ON).recluster();
    expect(peopleOf(db, [...range(1, 8), ...range(11, 16)])).toEqual(new Set([personOf(db, 1)]));
    expect(personOf(db, 1)).not.toBeNull();
    expect(personOf(db, 21)).not.toBe(personOf(db, 1));
    expectConstraints(db);
  });

  it('in the incremental update after a scan: the look that arrives later joins the person', () => {
    const rows = library();
    const db = openLibrary();
    write(db, rows.filter((r) => r.id <= 8 || r.id > 20));
    svc(db, ON).update();
    const anna = personOf(db, 1);
    expect(anna).not.toBeNull();
    write(db, rows.filter((r) => r.id > 10 && r.id <= 20));
    svc(db, ON).update();
    expect(peopleOf(db, range(11, 16))).toEqual(new Set([anna]));
    // off: the later look is a person of its own
    const db2 = openLibrary();
    write(db2, rows.filter((r) => r.id <= 8 || r.id > 20));
    svc(db2, OFF).update();
    write(db2, rows.filter((r) => r.id > 10 && r.id <= 20));
    svc(db2, OFF).update();
    expect(personOf(db2, 11)).not.toBeNull();
    expect(personOf(db2, 11)).not.toBe(personOf(db2, 1));
  });

  it('never merges two people the user answered "not the same person", in the re-cluster or the update', () => {
    const rows = library();
    const db = openLibrary();
    write(db, rows);
    const off = svc(db, OFF);
    off.recluster();
    const [a, b] = [personOf(db, 1)!, personOf(db, 11)!];
    off.answerMerge(a, b, false);
    svc(db, ON).recluster();
    expect(personOf(db, 1)).not.toBe(personOf(db, 11));
    expect(peopleOf(db, range(11, 16)).has(personOf(db, 1))).toBe(false);
    expectConstraints(db);
    // more faces of look 2 arrive: the update does not merge either
    const v = vectors();
    write(db, range(31, 36).map((id) => ({ id, photo: id, v: v.face(v.a2) })));
    svc(db, ON).update();
    expect(peopleOf(db, [...range(11, 16), ...range(31, 36)]).has(personOf(db, 1))).toBe(false);
    expectConstraints(db);
  });

  it('never moves a face into a person it rejected, and a face of look 2 that rejected look 1 keeps the merge off', () => {
    const db = openLibrary();
    write(db, library());
    const off = svc(db, OFF);
    off.recluster();
    const a = personOf(db, 1)!;
    off.correct({ kind: 'reject', personId: a, faceIds: [1] });
    db.prepare('INSERT INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(12, a);
    svc(db, ON).recluster();
    expect(personOf(db, 1)).not.toBe(a);
    expect(personOf(db, 12)).not.toBe(a);
    expectConstraints(db);
  });

  it('keeps faces of one photo apart: a face of look 2 on a photo of look 1 stays out of the merged person', () => {
    const rows = library().map((r) => (r.id === 11 ? { ...r, photo: 1 } : r));
    const db = openLibrary();
    write(db, rows);
    svc(db, ON).recluster();
    const anna = personOf(db, 1);
    expect(peopleOf(db, range(12, 16))).toEqual(new Set([anna]));
    expect(personOf(db, 11)).not.toBe(anna);
    expectConstraints(db);
    // incremental: the same
    const db2 = openLibrary();
    write(db2, rows.filter((r) => r.id <= 8 || r.id > 20));
    svc(db2, ON).update();
    write(db2, rows.filter((r) => r.id > 10 && r.id <= 20));
    svc(db2, ON).update();
    expect(peopleOf(db2, range(12, 16))).toEqual(new Set([personOf(db2, 1)]));
    expect(personOf(db2, 11)).not.toBe(personOf(db2, 1));
    expectConstraints(db2);
  });

  it('refuses the merge when most of the smaller person shares photos with the larger (two people seen together)', () => {
    const rows = library().map((r) => (r.id >= 11 && r.id <= 14 ? { ...r, photo: r.id - 10 } : r));
    const db = openLibrary();
    write(db, rows);
    svc(db, ON).recluster();
    expect(personOf(db, 15)).not.toBeNull();
    expect(personOf(db, 15)).not.toBe(personOf(db, 1));
    expectConstraints(db);
  });
});

describe('leftovers: low-quality faces join the album they are clearly nearest to', () => {
  it('attach to their person in the re-cluster and the update, never seed a person', () => {
    const v = vectors();
    const low = (id: number, centre: Float64Array) => ({ id, photo: id, v: v.face(centre, 0.95), quality: 0.05 });
    const extra = [low(41, v.a1), low(42, v.a1), low(51, v.c), low(52, v.c), low(53, v.c)];
    for (const [overrides, attached] of [[OFF, false], [ON, true]] as const) {
      const db = openLibrary();
      write(db, [...library(v), ...extra]);
      svc(db, overrides).recluster();
      expect(personOf(db, 41) === personOf(db, 1) && personOf(db, 42) === personOf(db, 1)).toBe(attached);
      // identity C has only low-quality faces: they never make a person
      expect(peopleOf(db, [51, 52, 53])).toEqual(new Set([null]));
    }
    const db = openLibrary();
    write(db, library(v));
    svc(db, ON).update();
    write(db, extra);
    svc(db, ON).update();
    expect(peopleOf(db, [41, 42])).toEqual(new Set([personOf(db, 1)]));
    expect(peopleOf(db, [51, 52, 53])).toEqual(new Set([null]));
  });

  it('a low-quality face between two people (no margin) stays unassigned; one that rejected its person too', () => {
    const v = vectors();
    const d = v.face(v.b, 0.8);
    const twins = [...range(71, 76).map((id) => ({ id, photo: id, v: v.face(v.b, 0.998) })), ...range(81, 86).map((id) => ({ id, photo: id, v: v.face(d, 0.998) }))];
    const mid = v.b.map((x, i) => x + d[i]!);
    const db = openLibrary();
    write(db, [...library(v), ...twins, { id: 61, photo: 61, v: mid.map((x) => x / Math.hypot(...mid)), quality: 0.05 }, { id: 62, photo: 62, v: v.face(v.a1, 0.95), quality: 0.05 }]);
    const off = svc(db, OFF);
    off.recluster();
    expect(personOf(db, 71)).not.toBe(personOf(db, 81));
    db.prepare('INSERT INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(62, personOf(db, 1)!);
    svc(db, ON).recluster();
    expect(personOf(db, 61)).toBeNull();
    expect(personOf(db, 62)).not.toBe(personOf(db, 1));
    expectConstraints(db);
  });

  it('a low-quality face whose lead over the runner-up album is under leftoverMargin stays unassigned; with the default (margin) it joins', () => {
    const v = vectors();
    // x: ~0.93 to identity A's album; person C (6 sharp faces) ~0.89 to x: a lead of ~0.04
    const x = v.face(v.a1, 0.94);
    const c = v.mix(x, v.random(), 0.89);
    const rival = range(101, 106).map((id) => ({ id, photo: id, v: v.face(c, 0.998) }));
    const low = { id: 109, photo: 109, v: x, quality: 0.05 };
    // `suggest` lowered so that C is among the people the face is ranked against
    const base = { ...ON, suggest: 0.85 };
    for (const [leftoverMargin, joins] of [[undefined, true], [0.08, false]] as const) {
      const overrides = leftoverMargin === undefined ? base : { ...base, leftoverMargin };
      const db = openLibrary();
      write(db, [...library(v), ...rival, low]);
      svc(db, overrides).recluster();
      expect(personOf(db, 101)).not.toBeNull();
      expect(personOf(db, 101)).not.toBe(personOf(db, 1));
      expect(personOf(db, 109)).toBe(joins ? personOf(db, 1) : null);
      const later = scanLater(v, [...rival, low], overrides);
      expect(personOf(later, 109)).toBe(joins ? personOf(later, 1) : null);
    }
  });
});

describe('seed-quality leftovers: a sharp face far from every prototype joins the album it is clearly nearest to', () => {
  // the low-quality rule off; the album merge on (identity A one person), the same in both
  const SEED_ON: Partial<ModelThresholds> = { albumMerge: 0.92, albumMergeMinFaces: 5, leftover: 1, leftoverSeed: 0.85, leftoverSeedMargin: 0.1, leftoverSeedMinFaces: 3 };
  const SEED_OFF: Partial<ModelThresholds> = { ...SEED_ON, leftoverSeed: 1 };
  /** A seed-quality face of look 1 in an unusual pose: cosine ~0.88 to its album, under `assign` (0.945) to every prototype. */
  const pose = (v: ReturnType<typeof vectors>, id: number) => ({ id, photo: id, v: v.face(v.a1, 0.91), quality: 0.9 });

  it('joins in the re-cluster and in the update after a scan, only with the rule on', () => {
    const v = vectors();
    const extra = [pose(v, 91), pose(v, 92)];
    for (const [overrides, attached] of [[SEED_OFF, false], [SEED_ON, true]] as const) {
      const db = openLibrary();
      write(db, [...library(v), ...extra]);
      svc(db, overrides).recluster();
      expect(personOf(db, 1)).not.toBeNull();
      expect(peopleOf(db, [91, 92])).toEqual(new Set([attached ? personOf(db, 1) : null]));
      expect(personOf(db, 21)).not.toBe(personOf(db, 1));
    }
    // the update after a scan: look 1 and identity B are people, the two new faces arrive
    const db = scanLater(v, extra, SEED_ON);
    expect(peopleOf(db, [91, 92])).toEqual(new Set([personOf(db, 1)]));
  });

  it('stays unassigned when its best cosine to one of the person\'s prototypes is under the floor (leftoverSeedNearest), in the re-cluster and the update', () => {
    const v = vectors();
    const extra = [pose(v, 91), pose(v, 92)]; // ~0.90 to every face of look 1, its album mean too
    for (const [nearest, attached] of [[0.85, true], [0.95, false]] as const) {
      const overrides = { ...SEED_ON, leftoverSeedNearest: nearest };
      const db = openLibrary();
      write(db, [...library(v), ...extra]);
      svc(db, overrides).recluster();
      expect(peopleOf(db, [91, 92])).toEqual(new Set([attached ? personOf(db, 1) : null]));
      const later = scanLater(v, extra, overrides);
      expect(peopleOf(later, [91, 92])).toEqual(new Set([attached ? personOf(later, 1) : null]));
    }
  });

  it('stays unassigned when a runner-up album, even one too small to join, is within the margin; and when it rejected the person', () => {
    const v = vectors();
    const x = v.face(v.a1, 0.91);
    // two faces of someone else about as near to x as identity A's album (cosine ~0.87): a 2-face
    // person, under leftoverSeedMinFaces, so it could not take x, but it is the runner-up
    const other = v.mix(x, v.random(), 0.88);
    const near = [{ id: 95, photo: 95, v: v.face(other) }, { id: 96, photo: 96, v: v.face(other) }];
    const db = openLibrary();
    write(db, [...library(v), ...near, { id: 93, photo: 93, v: x, quality: 0.9 }, pose(v, 94)]);
    svc(db, SEED_OFF).recluster();
    const small = personOf(db, 95);
    expect(small).not.toBeNull();
    expect(small).not.toBe(personOf(db, 1));
    // 94 rejects identity A's person
    db.prepare('INSERT INTO face_rejections (face_id, person_id) VALUES (?, ?)').run(94, personOf(db, 1)!);
    svc(db, SEED_ON).recluster();
    expect(personOf(db, 93) === null || personOf(db, 93) === personOf(db, 95)).toBe(true);
    expect(personOf(db, 93)).not.toBe(personOf(db, 1));
    expect(personOf(db, 94)).not.toBe(personOf(db, 1));
    expectConstraints(db);
  });
});

describe('small-person merge: a machine person of two faces joins the album it is clearly nearest to', () => {
  // album merge on (identity A one person; its bar 0.92 is above the pair's linkage ~0.88)
  const SMALL_ON: Partial<ModelThresholds> = { albumMerge: 0.92, albumMergeMinFaces: 5, leftover: 1, leftoverSeed: 1, leftoverSeedMinFaces: 3, smallMerge: 0.85, smallMergeMargin: 0.1, smallMergeMaxFaces: 2 };
  const SMALL_OFF: Partial<ModelThresholds> = { ...SMALL_ON, smallMerge: 1 };
  /** Two faces of identity A in a look of their own: a pair (cosine ~0.98) at linkage ~0.88 to A's album. */
  const pair = (v: ReturnType<typeof vectors>, ids: [number, number]) => {
    const look = v.mix(v.a1, v.random(), 0.92);
    return ids.map((id) => ({ id, photo: id, v: v.face(look) }));
  };

  it('joins in the re-cluster and in the update after a scan, only with the rule on; a "not the same person" answer holds', () => {
    const v = vectors();
    const extra = pair(v, [31, 32]);
    for (const [overrides, merged] of [[SMALL_OFF, false], [SMALL_ON, true]] as const) {
      const db = openLibrary();
      write(db, [...library(v), ...extra]);
      svc(db, overrides).recluster();
      expect(personOf(db, 31)).not.toBeNull();
      expect(personOf(db, 31)).toBe(personOf(db, 32));
      expect(personOf(db, 31) === personOf(db, 1)).toBe(merged);
      expect(personOf(db, 21)).not.toBe(personOf(db, 1));
      expectConstraints(db);
    }
    // the update after a scan: look 1 and identity B are people, the pair arrives
    const db = scanLater(v, extra, SMALL_ON);
    expect(peopleOf(db, [31, 32])).toEqual(new Set([personOf(db, 1)]));

    // the user says the pair is someone else: no re-cluster puts it back
    const again = openLibrary();
    write(again, [...library(v), ...extra]);
    const off = svc(again, SMALL_OFF);
    off.recluster();
    off.answerMerge(personOf(again, 1)!, personOf(again, 31)!, false);
    svc(again, SMALL_ON).recluster();
    expect(personOf(again, 31)).not.toBe(personOf(again, 1));
    expectConstraints(again);
  });

  it('takes a person of up to smallMergeMaxFaces faces (3 for MobileFaceNet), not a bigger one', () => {
    // Three or four faces of identity A in a look of their own, at linkage ~0.88 to A's album: under
    // the album merge's bar (0.92), so only this rule can join them, and only up to its size.
    const v = vectors();
    const look = v.mix(v.a1, v.random(), 0.92);
    const group = (ids: number[]) => ids.map((id) => ({ id, photo: id, v: v.face(look) }));
    const cases: [number[], number, boolean][] = [
      [[31, 32, 33], 2, false],
      [[31, 32, 33], 3, true],
      [[31, 32, 33, 34], 3, false],
    ];
    for (const [ids, max, merged] of cases) {
      const db = openLibrary();
      write(db, [...library(v), ...group(ids)]);
      svc(db, { ...SMALL_ON, smallMergeMaxFaces: max }).recluster();
      expect(personOf(db, 31), `${ids.length} faces, max ${max}`).not.toBeNull();
      expect(peopleOf(db, ids)).toEqual(new Set([personOf(db, 31)]));
      expect(personOf(db, 31) === personOf(db, 1), `${ids.length} faces, max ${max}`).toBe(merged);
      expectConstraints(db);
    }
    expect(thresholdsFor('mobilefacenet-192').smallMergeMaxFaces).toBe(3);
  });

  it('stays apart when another person, however small, is within the margin', () => {
    const v = vectors();
    const extra = pair(v, [31, 32]);
    // a second pair about as near to the first pair as identity A's album is
    const rivalLook = v.mix(extra[0]!.v, v.random(), 0.88);
    const rival = [41, 42].map((id) => ({ id, photo: id, v: v.face(rivalLook) }));
    const db = openLibrary();
    write(db, [...library(v), ...extra, ...rival]);
    svc(db, SMALL_ON).recluster();
    expect(personOf(db, 31)).not.toBeNull();
    expect(personOf(db, 31)).not.toBe(personOf(db, 1));
  });
});
