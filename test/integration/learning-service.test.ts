/**
 * Learning from corrections on a real library: training data from the user's decisions, the
 * adopt/discard rule, re-projection from kept base embeddings, roll back, and every correction
 * surviving the re-cluster that follows adoption.
 */
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { LearningService } from '../../app/learning/learning-service';
import { activeHeadId, setActiveHeadId, syncProjections, projectionSync } from '../../app/learning/projection';
import { PeopleService } from '../../app/people/people-service';
import { encodeHeadRecord, identityHead } from '../../app/learning/record';
import { Store } from '../../app/store/store';
import { runCli } from '../helpers/cli';
import { PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-learning-'));
let store: Store;
let svc: PeopleService;

beforeAll(async () => {
  const lib = join(dir, 'lib');
  const src = join(PEOPLE, 'dlib-johns');
  for (const id of readdirSync(src).filter((d) => !d.includes('.'))) {
    mkdirSync(join(lib, id), { recursive: true });
    for (const f of readdirSync(join(src, id)).sort().slice(0, 6)) symlinkSync(join(src, id, f), join(lib, id, f));
  }
  store = Store.open(join(dir, 'lib.db'));
  const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  await new Scanner({ store, analyzer, thumbnails: null }).scan([lib]);
  await analyzer.close?.();
  svc = new PeopleService(store.db, { projections: projectionSync });
  svc.update();
}, 180_000);

afterAll(() => store?.close());

const embeddings = () => (store.db.prepare('SELECT id, embedding, base_embedding, head_id FROM faces ORDER BY id').all() as { id: number; embedding: Buffer; base_embedding: Buffer; head_id: string | null }[]);

describe('learning from corrections', () => {
  it('is not ready before the user has named anyone, and says why', async () => {
    const learning = new LearningService(store.db, svc);
    const s = learning.summary();
    expect(s.ready).toBe(false);
    expect(s.active.id).toBe('base');
    await expect(learning.train()).rejects.toThrow(/at least two faces of at least 2 people/);
  });

  it('trains from named people, stores the head with its figures, and adopts it only if it is better', async () => {
    const people = svc.listPeople();
    people.forEach((p, i) => svc.correct({ kind: 'name', personId: p.id, name: `Person ${i}` }));
    const moved = svc.personFaces(people[0]!.id)[0]!.id;
    svc.correct({ kind: 'reject', faceIds: [svc.personFaces(people[1]!.id)[0]!.id], personId: people[1]!.id });
    const learning = new LearningService(store.db, svc);
    const s = learning.summary();
    expect(s.ready).toBe(true);
    expect(s.people).toBe(people.length);
    expect(s.negatives).toBeGreaterThan(0);
    // Naming accepts the people's faces: trained on, but not the user's own labels (those are
    // held out first; with none, the accepted faces are held out instead).
    const data = learning.gather();
    expect(data.labels.size).toBe(0);
    expect(data.accepted!.size).toBe(s.labelledFaces);
    const progress: number[] = [];
    const reprojected: number[] = [];
    const out = await learning.train({
      onProgress: (p) => progress.push(p.epoch),
      options: { epochs: 8, heldOutFraction: 0.3 },
      reprojectChunk: 10,
      onReproject: (p) => reprojected.push(p.done),
    });
    expect(progress.length).toBeGreaterThan(0);
    expect(out.head.version).toBe(1);
    expect(out.reason.length).toBeGreaterThan(0);
    const heads = learning.heads();
    expect(heads.map((h) => h.id)).toContain(out.head.id);
    const active = heads.find((h) => h.active)!;
    if (out.adopted) {
      // Adopted: every face re-projected from its base; decisions kept through the re-cluster.
      expect(active.id).toBe(out.head.id);
      expect(embeddings().every((f) => f.head_id === out.head.id)).toBe(true);
      expect(reprojected.at(-1)).toBe(embeddings().length);
      expect(out.people).not.toBeNull();
    } else {
      expect(active.id).toBe('base');
      expect(embeddings().every((f) => f.head_id === null && f.embedding.equals(f.base_embedding))).toBe(true);
    }
    expect(svc.face(moved)!.personId).toBe(people[0]!.id);
    expect(svc.listPeople().map((p) => p.name).sort()).toEqual(people.map((_, i) => `Person ${i}`).sort());
  }, 120_000);

  it('re-projects from the kept base embedding under any head and rolls back to the base exactly', async () => {
    const learning = new LearningService(store.db, svc);
    const before = embeddings();
    // A head that reverses the components: easy to check face by face.
    const head = identityHead(svc.model);
    head.id = 'test/reverse';
    head.version = 99;
    head.weights = new Float32Array(head.weights.length);
    for (let o = 0; o < 128; o++) head.weights[o * 128 + (127 - o)] = 1;
    store.db
      .prepare("INSERT INTO heads (id, model_id, version, parent, created_at, adopted, record, summary) VALUES (?, ?, 99, NULL, ?, 1, ?, '{}')")
      .run(head.id, svc.model, new Date().toISOString(), encodeHeadRecord(head));
    const headId = head.id;
    const progress: number[] = [];
    await learning.rollback(headId, { reprojectChunk: 7, onReproject: (p) => progress.push(p.done) });
    expect(activeHeadId(store.db, svc.model)).toBe(headId);
    // In chunks of 7 faces, the last one reporting every face.
    expect(progress).toHaveLength(Math.ceil(before.length / 7));
    expect(progress.at(-1)).toBe(before.length);
    const projected = embeddings();
    expect(projected.every((f) => f.head_id === headId)).toBe(true);
    for (const f of projected) {
      const base = new Int8Array(f.base_embedding.buffer, f.base_embedding.byteOffset, 128);
      const got = new Int8Array(f.embedding.buffer, f.embedding.byteOffset, 128);
      // reversed (quantisation of the renormalised vector may move a component by one step)
      for (let i = 0; i < 128; i++) expect(Math.abs(got[i]! - base[127 - i]!)).toBeLessThanOrEqual(1);
    }
    const r = await learning.rollback('base');
    expect(r.active.id).toBe('base');
    expect(embeddings().every((f) => f.head_id === null && f.embedding.equals(f.base_embedding))).toBe(true);
    expect(embeddings().map((f) => f.base_embedding)).toEqual(before.map((f) => f.base_embedding));
    await expect(learning.rollback('no-such-head')).rejects.toThrow(/no head/);
    // New faces (a scan) are projected with the active head by the next clustering.
    setActiveHeadId(store.db, svc.model, headId);
    store.db.prepare('UPDATE faces SET head_id = NULL, embedding = base_embedding').run();
    expect(syncProjections(store.db, svc.model)).toBe(before.length);
    setActiveHeadId(store.db, svc.model, 'base');
    syncProjections(store.db, svc.model);
  });
});

describe('visage eval-learning', () => {
  it('reports before/after figures on a labelled tree', () => {
    const r = runCli(['eval-learning', '--data', join(PEOPLE, 'dlib-johns'), '--labeled', '3', '--seed', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    for (const k of ['before', 'after']) {
      for (const m of ['accuracy', 'wrong', 'unassigned', 'bcubedF1']) expect(typeof out[k][m], `${k}.${m}`).toBe('number');
    }
    expect(out.identities).toBe(5);
    expect(out.labeled).toBe(15);
    expect(out.testFaces).toBeGreaterThan(20);
    expect(typeof out.adopted).toBe('boolean');
    expect(typeof out.trainSeconds).toBe('number');
    expect(out.after.wrong).toBeLessThanOrEqual(out.before.wrong + 0.05);
    // An adopted head's switch lists what it put into named people, by what those faces really are.
    if (out.changes) {
      expect(out.adopted).toBe(true);
      expect(out.changes.right + out.changes.wrong + out.changes.strangers).toBe(out.changes.joined);
    }
  }, 180_000);

  it('--answer N and --review: answers "Is this Anna?" and "Check what changed" as the user would', () => {
    const r = runCli(['eval-learning', '--data', join(PEOPLE, 'dlib-johns'), '--labeled', '3', '--seed', '1', '--answer', '2', '--review', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    // --review: every face the switch put into named people answered, Yes or No, then trained again.
    if (out.changes) {
      expect(out.reviewed.yes).toBe(out.changes.right);
      expect(out.reviewed.no).toBe(out.changes.wrong + out.changes.strangers);
      expect(typeof out.reviewed.secondTraining.adopted).toBe('boolean');
      expect(out.reviewed.afterAnswers.wrong).toBeLessThanOrEqual(out.after.wrong);
    } else expect(out.reviewed).toBeUndefined();
    const a = out.answered;
    expect(a.perPerson).toBe(2);
    // at most 2 answers for each of the 5 named people, each a Yes or a No
    expect(a.yes + a.no).toBeLessThanOrEqual(10);
    expect(a.testFaces).toBeLessThanOrEqual(out.testFaces);
    expect(a.testFaces).toBeGreaterThanOrEqual(out.testFaces - (a.yes + a.no));
    for (const k of ['before', 'after']) expect(typeof a[k].accuracy, k).toBe('number');
    expect(runCli(['eval-learning', '--data', join(PEOPLE, 'dlib-johns'), '--labeled', '3', '--answer', '-1']).code).toBe(2);
  }, 180_000);
});
