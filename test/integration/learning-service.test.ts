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

/** These small libraries hold back fewer of the user's faces than the app's check needs (20, judge.ts): lowered so training and adoption run. */
const SMALL_JUDGE = { adoptionFraction: 0.3, minJudgeFaces: 1 };

describe('learning from corrections', () => {
  it('is not ready before the user has named anyone, and says why', async () => {
    const learning = new LearningService(store.db, svc);
    const s = learning.summary();
    expect(s.ready).toBe(false);
    expect(s.active.id).toBe('base');
    await expect(learning.train()).rejects.toThrow(/at least two faces of at least 2 people/);
  });

  it('with named people only (none of the user\'s own labels) trains nothing and adopts nothing, and says why; with confirmed faces it trains and judges on them', async () => {
    const people = svc.listPeople();
    people.forEach((p, i) => svc.correct({ kind: 'name', personId: p.id, name: `Person ${i}` }));
    const moved = svc.personFaces(people[0]!.id)[0]!.id;
    svc.correct({ kind: 'reject', faceIds: [svc.personFaces(people[1]!.id)[0]!.id], personId: people[1]!.id });
    const learning = new LearningService(store.db, svc);
    const s = learning.summary();
    expect(s.ready).toBe(true);
    expect(s.people).toBe(people.length);
    expect(s.negatives).toBeGreaterThan(0);
    // one "not this person" answer so far; a new version is put in use with about 100 (20 held back)
    expect(s.noAnswers).toBe(1);
    expect(s.minNoAnswers).toBe(100);
    // Naming accepts the people's faces: trained on, but never the judge (issue 18: machine-placed
    // faces are not the user's labels).
    const data = learning.gather();
    expect(data.labels.size).toBe(0);
    expect(data.accepted!.size).toBe(s.labelledFaces);
    const progress: number[] = [];
    const out = await learning.train({ onProgress: (p) => progress.push(p.epoch), options: { epochs: 8 } });
    expect(progress).toEqual([]);
    expect(out.adopted).toBe(false);
    expect(out.reason).toBe('too few of your own labels to judge: 0, need 20');
    expect(out.heldBack).toMatchObject({ faces: 0, need: 20 });
    expect(learning.heads().find((h) => h.active)!.id).toBe('base');
    expect(learning.heads().map((h) => h.id)).toContain(out.head.id);
    expect(embeddings().every((f) => f.head_id === null && f.embedding.equals(f.base_embedding))).toBe(true);
    expect(out.people).toBeNull();
    expect(svc.face(moved)!.personId).toBe(people[0]!.id);
    // The user confirms every face of each person: now the check has the user's own labels.
    for (const p of svc.listPeople()) svc.correct({ kind: 'confirm', faceIds: svc.personFaces(p.id).map((f) => f.id), personId: p.id });
    const judged = await learning.train({ onProgress: (p) => progress.push(p.epoch), options: { epochs: 8, heldOutFraction: 0.3, ...SMALL_JUDGE } });
    expect(progress.length).toBeGreaterThan(0);
    expect(judged.heldBack.faces).toBeGreaterThan(0);
    expect(judged.heldBack.before.right + judged.heldBack.before.wrong + judged.heldBack.before.unassigned).toBe(judged.heldBack.faces);
    expect(judged.reason.length).toBeGreaterThan(0);
    expect(svc.listPeople().map((p) => p.name).sort()).toEqual(people.map((_, i) => `Person ${i}`).sort());
  }, 120_000);

  it('discards a head that does not beat the current one by the required gain, and adopts one that does', async () => {
    const learning = new LearningService(store.db, svc);
    const activeBefore = learning.heads().find((h) => h.active)!.id;
    const before = embeddings();
    const names = svc.listPeople().map((p) => p.name).sort();
    expect(names.every((n) => n !== null)).toBe(true);
    // A gain no head can reach: discarded, the active head and every embedding unchanged.
    const no = await learning.train({ options: { epochs: 4, heldOutFraction: 0.3, minGain: 10, ...SMALL_JUDGE } });
    expect(no.adopted).toBe(false);
    expect(no.reason).toMatch(/does not beat|never beat/);
    expect(learning.heads().find((h) => h.active)!.id).toBe(activeBefore);
    expect(embeddings()).toEqual(before);
    // Any head "beats" the current one when the required gain is very negative (and the last
    // epoch's weights are kept): adopted, every face re-projected with it.
    const yes = await learning.train({ options: { epochs: 4, heldOutFraction: 0.3, minGain: -10, noMoreWrong: false, restoreBest: false, ...SMALL_JUDGE } });
    expect(yes.adopted, yes.reason).toBe(true);
    expect(learning.heads().find((h) => h.active)!.id).toBe(yes.head.id);
    expect(embeddings().every((f) => f.head_id === yes.head.id)).toBe(true);
    // The user's names survive the re-cluster that follows the adoption.
    expect(yes.people).not.toBeNull();
    expect(svc.listPeople().map((p) => p.name).sort()).toEqual(names);
    await learning.rollback('base');
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
    // dlib-johns with 3 labelled faces each (15 of the user's labels) holds back at most 5, fewer
    // than a trustworthy check needs (20): nothing is trained or adopted, and it says so; the
    // switch has nothing to list for the user to check.
    expect(out.before).toMatchObject({ accuracy: 1, wrong: 0, unassigned: 0 });
    expect(out.adopted).toBe(false);
    expect(out.reason).toMatch(/^too few of your own labels to judge: [0-5], need 20$/);
    expect(out.changes).toBeUndefined();
  }, 180_000);

  it('--answer N answers "Is this Anna?" by the truth (all No when every face is already right); --review has nothing to check when no head was adopted', () => {
    // dlib's vectors on deepface-tests: every test face is right before the answers and one face
    // of another identity is suggested for a named person (MobileFaceNet suggests none there; on
    // dlib-johns the suggested faces were parts of close-up faces, which detection now drops).
    const r = runCli(['eval-learning', '--data', join(PEOPLE, 'deepface-tests'), '--model', 'dlib-resnet-v1', '--labeled', '3', '--seed', '1', '--answer', '2', '--review', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.lastJson();
    // Every face is on its own person before the answers (see above), so a face suggested for a
    // named person is always someone else's: a Yes here would be a wrong answer by the eval.
    expect(out.before).toMatchObject({ accuracy: 1, wrong: 0, unassigned: 0 });
    const a = out.answered;
    expect(a.perPerson).toBe(2);
    expect(a.yes).toBe(0);
    expect(a.no).toBeGreaterThan(0);
    expect(out.identities).toBe(4);
    expect(a.no).toBeLessThanOrEqual(8); // at most 2 for each of the 4 named people
    // Saying No never makes the faces that were not asked about worse.
    expect(a.after.wrong).toBeLessThanOrEqual(a.before.wrong);
    expect(a.after.accuracy).toBeGreaterThanOrEqual(a.before.accuracy);
    // no error before the answers: no "error cut" to claim
    expect(a.errorCut).toBeNull();
    expect(out.errorCut).toBeNull();
    // Discarded head: no switch, so "Check what changed" has nothing and --review answers nothing.
    expect(out.adopted).toBe(false);
    expect(out.changes).toBeUndefined();
    expect(out.reviewed).toBeUndefined();
    expect(runCli(['eval-learning', '--data', join(PEOPLE, 'dlib-johns'), '--labeled', '3', '--answer', '-1']).code).toBe(2);
  }, 180_000);
});
