/**
 * A head switch survives the engine stopping half-way. Adopting or rolling back a head records,
 * with the active head, that the library is to be re-projected and people re-clustered; the
 * re-cluster's commit clears it. An engine closed (or crashed) in between leaves the new head
 * active, some faces re-projected and people not re-clustered; the next engine host finishes the
 * job in the background at its start (answering requests meanwhile, refusing re-clusters, scans and
 * training), and ends with exactly the library an uninterrupted switch gives, every user decision
 * kept. Real SQLite files, real people and learning services, synthetic faces (no network run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, ReprojectProgress, RollbackResult } from '../../app/contract/contract';
import { headLayout, type HeadShape } from '../../app/learning/head';
import { LearningService } from '../../app/learning/learning-service';
import { activeHeadId, pendingSwitch, projectionSync } from '../../app/learning/projection';
import { encodeHeadRecord, type HeadRecord } from '../../app/learning/record';
import { Rng } from '../../app/learning/rng';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import type { EngineHost } from '../../app/engine/host';
import { hostWithoutEngine } from '../helpers/engine-host';
import { faceFactory } from '../unit/people-helpers';

const MODEL = 'dlib-resnet-v1';
const IDENTITIES = 12;
const PER = 10;
const dirs: string[] = [];
const hosts: EngineHost[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempLibrary(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-resume-'));
  dirs.push(dir);
  return path.join(dir, 'visage.db');
}

/** What the user decided before the switch (must survive it). */
interface Decisions {
  user: Map<number, number>;
  named: Map<number, string>;
  rejected: [number, number][];
  notAFace: number[];
}

/**
 * A library of IDENTITIES x PER faces (one photo each), clustered, with user decisions: two people
 * named, three faces split off into a named person, a face rejected from a person, a face marked
 * not-a-face; and a stored residual-MLP head far from the identity (re-clustering under it moves
 * machine assignments). Returns the head's id and the decisions.
 */
function makeLibrary(file: string): { head: string; decisions: Decisions } {
  const store = Store.open(file);
  const db = store.db;
  const make = faceFactory(IDENTITIES, 5);
  db.transaction(() => {
    const photo = db.prepare("INSERT INTO photos (path, hash, size, mtime_ms, width, height, indexed_at) VALUES (?, ?, 1, 1, 640, 480, '2024-01-01')");
    const face = db.prepare("INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, embedding, model_id, q_score) VALUES (?, 0, 0, 10, 10, 0.9, '[]', ?, ?, 0.9)");
    for (let k = 0; k < PER; k++) {
      for (let i = 0; i < IDENTITIES; i++) {
        const photoId = Number(photo.run(`/lib/${i}/${k}.jpg`, `h${i}-${k}`).lastInsertRowid);
        const e = make(i, photoId).embedding;
        face.run(photoId, Buffer.from(e.buffer, e.byteOffset, 128), MODEL);
      }
    }
  })();
  const people = new PeopleService(db, { projections: projectionSync });
  people.update();
  const list = people.listPeople();
  expect(list.length).toBeGreaterThanOrEqual(3);
  people.correct({ kind: 'name', personId: list[0]!.id, name: 'Ann' });
  people.correct({ kind: 'name', personId: list[1]!.id, name: 'Bob' });
  const split = people.personFaces(list[2]!.id).slice(0, 3).map((f) => f.id);
  people.correct({ kind: 'split', faceIds: split, name: 'Cy' });
  const rejectedFace = people.personFaces(list[1]!.id).at(-1)!.id;
  people.correct({ kind: 'reject', faceIds: [rejectedFace], personId: list[1]!.id });
  const notAFace = people.personFaces(list[0]!.id).at(-1)!.id;
  people.correct({ kind: 'not-a-face', faceIds: [notAFace] });
  const decisions: Decisions = {
    user: new Map(
      (db.prepare("SELECT face_id, person_id FROM face_assignments WHERE source = 'user'").all() as { face_id: number; person_id: number }[]).map((r) => [
        r.face_id,
        r.person_id,
      ]),
    ),
    named: new Map((db.prepare('SELECT id, name FROM persons WHERE name IS NOT NULL').all() as { id: number; name: string }[]).map((r) => [r.id, r.name])),
    rejected: (db.prepare('SELECT face_id, person_id FROM face_rejections').all() as { face_id: number; person_id: number }[]).map((r) => [r.face_id, r.person_id]),
    notAFace: [notAFace],
  };
  expect(decisions.user.size).toBe(3);
  expect([...decisions.named.values()].sort()).toEqual(['Ann', 'Bob', 'Cy']);

  const shape: HeadShape = { kind: 'residual-mlp', inDims: 128, outDims: 128, hidden: 16 };
  const r = new Rng(7);
  const weights = new Float32Array(headLayout(shape).size).map(() => r.normal() * 0.2);
  const head: HeadRecord = { id: `${MODEL}/head-1`, version: 1, parent: null, createdAt: new Date().toISOString(), modelId: MODEL, shape, metrics: {}, weights };
  db.prepare("INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, 1, NULL, ?, 1, ?, '{}')").run(
    head.id,
    MODEL,
    head.createdAt,
    encodeHeadRecord(head),
  );
  store.close();
  return { head: head.id, decisions };
}

interface Snapshot {
  faces: { id: number; embedding: Buffer; head_id: string | null }[];
  assignments: { face_id: number; person_id: number; source: string; confirmed: number }[];
  persons: { id: number; name: string | null; user_named: number; merged_into: number | null }[];
  active: string;
  pending: string | null;
}

function snapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true });
  try {
    return {
      faces: db.prepare('SELECT id, embedding, head_id FROM faces ORDER BY id').all() as Snapshot['faces'],
      assignments: db.prepare('SELECT face_id, person_id, source, confirmed FROM face_assignments ORDER BY face_id').all() as Snapshot['assignments'],
      persons: db.prepare('SELECT id, name, user_named, merged_into FROM persons ORDER BY id').all() as Snapshot['persons'],
      active: activeHeadId(db, MODEL),
      pending: pendingSwitch(db, MODEL),
    };
  } finally {
    db.close();
  }
}

function expectDecisionsKept(s: Snapshot, d: Decisions): void {
  const byFace = new Map(s.assignments.map((a) => [a.face_id, a]));
  for (const [face, person] of d.user) expect(byFace.get(face), `user face ${face}`).toMatchObject({ person_id: person, source: 'user' });
  for (const [id, name] of d.named) expect(s.persons.find((p) => p.id === id), `person ${name}`).toMatchObject({ name, user_named: 1, merged_into: null });
  for (const [face, person] of d.rejected) expect(byFace.get(face)?.person_id, `face ${face} rejected person ${person}`).not.toBe(person);
  for (const face of d.notAFace) expect(byFace.has(face), `not-a-face ${face}`).toBe(false);
}

const machine = (s: Snapshot) => s.assignments.filter((a) => a.source === 'machine').map((a) => [a.face_id, a.person_id]);

function openHost(file: string): { host: EngineHost; events: { event: EventName; data: unknown }[] } {
  const host = hostWithoutEngine(file, { reprojectChunk: 25 });
  hosts.push(host);
  const events: { event: EventName; data: unknown }[] = [];
  host.on('event', (event: EventName, data: unknown) => events.push({ event, data }));
  return { host, events };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const t = Date.now();
  while (!pred()) {
    if (Date.now() - t > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const reprojected = (events: { event: EventName; data: unknown }[]) =>
  events.filter((e) => e.event === 'learning.reprojecting').map((e) => e.data as ReprojectProgress);

describe('a head switch interrupted by the engine stopping is finished at the next start', () => {
  it('roll back: the engine closes after one chunk; the next host re-projects the rest and re-clusters in the background, as an uninterrupted roll back would', async () => {
    const file = tempLibrary();
    const { head, decisions } = makeLibrary(file);
    const before = snapshot(file);
    expect(before.pending).toBeNull();

    // The same library rolled back without interruption: what the resumed one must end as.
    const refFile = tempLibrary();
    fs.copyFileSync(file, refFile);
    const ref = Store.open(refFile);
    await new LearningService(ref.db, new PeopleService(ref.db, { projections: projectionSync })).rollback(head);
    ref.close();
    const want = snapshot(refFile);
    expect(want.pending).toBeNull();
    expect(want.faces.every((f) => f.head_id === head)).toBe(true);
    // (the head moves machine assignments: a library left un-re-clustered would not match)
    expect(machine(want)).not.toEqual(machine(before));
    expectDecisionsKept(want, decisions);

    // First session: roll back, the engine closed right after the first chunk.
    const first = openHost(file);
    let closed: Promise<void> | null = null;
    first.host.on('event', (event: EventName) => {
      if (event === 'learning.reprojecting') closed ??= first.host.close();
    });
    const reply = first.host.handle('learning.rollback', { headId: head }) as Promise<RollbackResult>;
    const settled = reply.then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(await settled).toBe('AbortError');
    await closed;
    expect(reprojected(first.events)).toHaveLength(1);
    expect(first.events.some((e) => e.event === 'people.changed')).toBe(false);
    const mid = snapshot(file);
    expect(mid.active).toBe(head);
    expect(mid.pending).toBe(head);
    const done = mid.faces.filter((f) => f.head_id === head).length;
    expect(done).toBeGreaterThanOrEqual(25);
    expect(done).toBeLessThan(mid.faces.length);
    expect(mid.assignments).toEqual(before.assignments);

    // Next session: the host finishes the switch in the background. Requests are answered
    // meanwhile (from the start and between chunks); a re-cluster, a scan, training and a roll
    // back wait.
    const next = openHost(file);
    const ask = () =>
      (
        [
          ['people.list', {}],
          ['people.recluster', undefined],
          ['scan.start', undefined],
          ['learning.start', undefined],
          ['learning.rollback', { headId: 'base' }],
        ] as const
      ).map(([method, params]) =>
        next.host.handle(method, params).then(
          (r) => ({ method, ok: Array.isArray(r) }),
          (e: { code?: string; message: string }) => ({ method, code: e.code, message: e.message }),
        ),
      );
    let between: ReturnType<typeof ask> | null = null;
    next.host.on('event', (event: EventName) => {
      if (event === 'learning.reprojecting') between ??= ask();
    });
    const atStart = ask();
    await until(() => next.events.some((e) => e.event === 'people.changed'), 'the resumed switch');
    await next.host.reprojectSettled();
    expect(next.events.filter((e) => e.event === 'people.changed').map((e) => e.data)).toEqual([{ reason: 'learning:resumed' }]);
    for (const answers of [await Promise.all(atStart), await Promise.all(between!)]) {
      expect(answers[0]).toEqual({ method: 'people.list', ok: true });
      for (const a of answers.slice(1)) expect(a, a.method).toMatchObject({ code: 'busy', message: expect.stringMatching(/wait for the re-projection to finish/) });
    }
    const progress = reprojected(next.events);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.headId === head && p.total === mid.faces.length - done)).toBe(true);
    expect(progress.at(-1)!.done).toBe(mid.faces.length - done);
    expect(((await next.host.handle('learning.state', {})) as { reprojecting: unknown }).reprojecting).toBeNull();

    const end = snapshot(file);
    expect(end.pending).toBeNull();
    expect(end.active).toBe(head);
    expect(end.faces.map((f) => [f.id, f.head_id])).toEqual(want.faces.map((f) => [f.id, f.head_id]));
    end.faces.forEach((f, i) => expect(f.embedding.equals(want.faces[i]!.embedding), `face ${f.id}`).toBe(true));
    expect(end.assignments).toEqual(want.assignments);
    expect(end.persons).toEqual(want.persons);
    expectDecisionsKept(end, decisions);
    // Nothing pending any more: the host after that one starts idle and re-clusters on request.
    await next.host.close();
    const third = openHost(file);
    expect(await third.host.handle('people.recluster', {})).toMatchObject({ assigned: expect.any(Number) });
    expect(reprojected(third.events)).toEqual([]);
  });

  it('adoption: training adopts a head, the process dies after one chunk (services dropped); the next host re-projects and re-clusters', async () => {
    const file = tempLibrary();
    const { decisions } = makeLibrary(file);
    // The user confirms Ann's and Bob's faces: training is judged on the user's own labels only.
    const setupStore = Store.open(file);
    const setupPeople = new PeopleService(setupStore.db, { projections: projectionSync });
    for (const p of setupPeople.listPeople().filter((x) => x.name === 'Ann' || x.name === 'Bob')) setupPeople.correct({ kind: 'confirm', faceIds: setupPeople.personFaces(p.id).map((f) => f.id), personId: p.id });
    setupStore.close();
    const before = snapshot(file);
    const store = Store.open(file);
    const learning = new LearningService(store.db, new PeopleService(store.db, { projections: projectionSync }));
    const stop = new AbortController();
    // Adoption forced (any score): this is about what follows it.
    const out = learning.train({
      options: { epochs: 2, minGain: -1e9, noMoreWrong: false, restoreBest: false, heldOutFraction: 0.3, adoptionFraction: 0.3, minJudgeFaces: 1 },
      reprojectChunk: 30,
      reprojectSignal: stop.signal,
      onReproject: () => stop.abort(),
    });
    await expect(out).rejects.toMatchObject({ name: 'AbortError' });
    const adopted = activeHeadId(store.db, MODEL);
    expect(adopted).not.toBe('base');
    expect(pendingSwitch(store.db, MODEL)).toBe(adopted);
    // The process goes away: nothing else runs, the connection is dropped.
    store.close();
    const mid = snapshot(file);
    expect(mid.faces.filter((f) => f.head_id === adopted)).toHaveLength(30);
    expect(mid.assignments).toEqual(before.assignments);

    // What finishing the switch must give: the same file, re-clustered in one go.
    const refFile = tempLibrary();
    fs.copyFileSync(file, refFile);
    const ref = Store.open(refFile);
    new PeopleService(ref.db, { projections: projectionSync }).recluster();
    ref.close();
    const want = snapshot(refFile);
    expect(want.pending).toBeNull();
    expect(machine(want)).not.toEqual(machine(before));

    const next = openHost(file);
    await until(() => next.events.some((e) => e.event === 'people.changed'), 'the resumed switch');
    await next.host.reprojectSettled();
    expect(next.events.find((e) => e.event === 'people.changed')!.data).toEqual({ reason: 'learning:resumed' });
    expect(reprojected(next.events).at(-1)).toEqual({ headId: adopted, done: mid.faces.length - 30, total: mid.faces.length - 30 });
    const end = snapshot(file);
    expect(end.pending).toBeNull();
    expect(end.faces.every((f) => f.head_id === adopted)).toBe(true);
    end.faces.forEach((f, i) => expect(f.embedding.equals(want.faces[i]!.embedding), `face ${f.id}`).toBe(true));
    expect(end.assignments).toEqual(want.assignments);
    expect(end.persons).toEqual(want.persons);
    expectDecisionsKept(end, decisions);
  });

  it('a re-projection that was done but not re-clustered (stopped in between) is re-clustered at the next start; a manual re-cluster also clears the mark', async () => {
    const file = tempLibrary();
    const { head, decisions } = makeLibrary(file);
    const store = Store.open(file);
    const learning = new LearningService(store.db, new PeopleService(store.db, { projections: projectionSync }));
    // Every face re-projected (one chunk), then stopped before the re-cluster.
    const stop = new AbortController();
    await expect(learning.rollback(head, { reprojectChunk: 10_000, reprojectSignal: stop.signal, onReproject: () => stop.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(learning.pendingSwitch()).toBe(head);
    store.close();
    const mid = snapshot(file);
    expect(mid.faces.every((f) => f.head_id === head)).toBe(true);

    const copy = tempLibrary();
    fs.copyFileSync(file, copy);

    const next = openHost(file);
    await until(() => next.events.some((e) => e.event === 'people.changed'), 'the resumed switch');
    await next.host.reprojectSettled();
    expect(reprojected(next.events)).toEqual([]);
    const end = snapshot(file);
    expect(end.pending).toBeNull();
    expect(machine(end)).not.toEqual(machine(mid));
    expectDecisionsKept(end, decisions);

    // `visage people recluster` (or any full re-cluster) on the stopped library finishes it too.
    const other = Store.open(copy);
    expect(pendingSwitch(other.db, MODEL)).toBe(head);
    new PeopleService(other.db, { projections: projectionSync }).recluster();
    expect(pendingSwitch(other.db, MODEL)).toBeNull();
    other.close();
    expect(snapshot(copy).assignments).toEqual(end.assignments);
  });
});
