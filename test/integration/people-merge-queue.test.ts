/**
 * "Same person?" (the merge queue) on a real library: the faceapi-bbt photos (8 characters, 5
 * photos each) and a group photo, scanned by the real engine into a real SQLite file. One character
 * is cut in two with a split correction; the queue must offer that pair first, never a pair of one
 * photo, and a No must hold through re-clusters, a re-embed and undo/redo of other corrections.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportPeople, importPeople } from '../../app/interop/import-export';
import { parsePeopleFile, serializePeopleFile } from '../../app/interop/people-file';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { reembedLibrary } from '../../app/library/reembed';
import { FacePipeline } from '../../app/faces/pipeline';
import { setLibraryModel } from '../../app/store/settings';
import { Scanner } from '../../app/library/scanner';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { GROUP, PEOPLE, requireDatasets } from '../helpers/paths';

const work = mkdtempSync(join(tmpdir(), 'visage-merge-queue-'));
const template = join(work, 'template.db');
const library = join(work, 'library');
let n = 0;
const open: Store[] = [];

function fresh(): { store: Store; svc: PeopleService } {
  const file = join(work, `t${++n}.db`);
  copyFileSync(template, file);
  const store = Store.open(file);
  open.push(store);
  return { store, svc: new PeopleService(store.db) };
}

afterEach(() => {
  while (open.length) open.pop()!.close();
});

beforeAll(async () => {
  requireDatasets();
  const src = join(PEOPLE, 'faceapi-bbt');
  for (const id of readdirSync(src).filter((d) => !d.includes('.'))) {
    mkdirSync(join(library, id), { recursive: true });
    for (const f of readdirSync(join(src, id))) symlinkSync(join(src, id, f), join(library, id, f));
  }
  mkdirSync(join(library, '_group'));
  symlinkSync(join(GROUP, 'dlib__2008_002506.jpg'), join(library, '_group', 'group.jpg'));
  const store = Store.open(template);
  const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  await new Scanner({ store, analyzer, thumbnails: null }).scan([library]);
  await analyzer.close?.();
  new PeopleService(store.db).update();
  store.close();
}, 300_000);

const key = (a: number, b: number) => [a, b].sort((x, y) => x - y).join('-');
const pairKeys = (svc: PeopleService) => svc.suggestMerges(1000).pairs.map((p) => key(p.a.id, p.b.id));

/** Splits the two last faces off the biggest person: one character cut in two. */
function cutInTwo(svc: PeopleService): { a: number; b: number; facesA: number[]; facesB: number[] } {
  const big = svc.listPeople()[0]!;
  const faces = svc.personFaceIds(big.id);
  expect(faces.length).toBeGreaterThanOrEqual(4);
  const off = faces.slice(-2);
  const r = svc.correct({ kind: 'split', faceIds: off });
  return { a: big.id, b: r.personIds[0]!, facesA: faces.slice(0, -2), facesB: off };
}

/** The persons the given faces are in now. */
const personsOf = (svc: PeopleService, faces: number[]) => new Set(faces.map((f) => svc.face(f)!.personId));

describe('"Same person?" on a real library', () => {
  it('offers the two halves of a split character first, above every pair of different characters', () => {
    const { svc } = fresh();
    expect(svc.suggestMerges().total).toBe(0); // every character in one person: nothing to ask
    const { a, b } = cutInTwo(svc);
    const q = svc.suggestMerges(10);
    expect(q.total).toBeGreaterThanOrEqual(1);
    expect(key(q.pairs[0]!.a.id, q.pairs[0]!.b.id)).toBe(key(a, b));
    for (const p of q.pairs.slice(1)) expect(p.similarity).toBeLessThanOrEqual(q.pairs[0]!.similarity);
    expect(q.pairs[0]!.a.faceCount + q.pairs[0]!.b.faceCount).toBe(svc.personFaceIds(a).length + svc.personFaceIds(b).length);
  });

  it('offers a pair only at or above the model\'s mergeQueue bar (album similarity), not just above suggest', () => {
    const { svc, store } = fresh();
    const { a, b } = cutInTwo(svc);
    const s = svc.suggestMerges(10).pairs.find((p) => key(p.a.id, p.b.id) === key(a, b))!.similarity;
    const at = (mergeQueue: number) => pairKeys(new PeopleService(store.db, { overrides: { mergeQueue } }));
    expect(at(s - 0.001)).toContain(key(a, b));
    expect(at(s + 0.001)).not.toContain(key(a, b));
  });

  it('never offers two people with a face in one photo', () => {
    const { svc, store } = fresh();
    const { a, b } = cutInTwo(svc);
    expect(pairKeys(svc)).toContain(key(a, b));
    // two faces of the group photo, one put into each half: now they share a photo
    const group = (store.db.prepare("SELECT f.id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path LIKE '%group.jpg' ORDER BY f.id").all() as { id: number }[]).map((r) => r.id);
    expect(group.length).toBeGreaterThanOrEqual(2);
    svc.correct({ kind: 'move', faceIds: [group[0]!], personId: a });
    svc.correct({ kind: 'move', faceIds: [group[1]!], personId: b });
    expect(pairKeys(svc)).not.toContain(key(a, b));
    svc.undo();
    expect(pairKeys(svc)).toContain(key(a, b));
  });

  it('yes merges the two into one person (undoable)', () => {
    const { svc } = fresh();
    const { a, b, facesA, facesB } = cutInTwo(svc);
    svc.answerMerge(a, b, true);
    expect(personsOf(svc, [...facesA, ...facesB]).size).toBe(1);
    expect(pairKeys(svc)).not.toContain(key(a, b));
    expect(svc.undo()!.kind).toBe('merge');
    expect(personsOf(svc, [...facesA, ...facesB]).size).toBe(2);
    expect(pairKeys(svc)).toContain(key(a, b));
  });

  it('no keeps the pair out of the queue and apart through re-clusters and undo/redo of other corrections; undoing the No brings it back', () => {
    const { svc } = fresh();
    const { a, b, facesA, facesB } = cutInTwo(svc);
    const other = svc.listPeople().find((p) => p.id !== a && p.id !== b)!;
    svc.correct({ kind: 'name', personId: other.id, name: 'Before' });
    svc.answerMerge(a, b, false);
    expect(svc.history(1)[0]!.kind).toBe('not-same');
    expect(pairKeys(svc)).not.toContain(key(a, b));

    svc.recluster();
    expect(pairKeys(svc)).not.toContain(key(a, b));
    expect(personsOf(svc, facesA).size).toBe(1);
    expect([...personsOf(svc, facesA)].some((p) => personsOf(svc, facesB).has(p))).toBe(false);

    // a correction made after the No, undone and redone; the one made before it can't be undone past the No
    svc.correct({ kind: 'name', personId: other.id, name: 'After' });
    expect(svc.undo()!.kind).toBe('name');
    expect(pairKeys(svc)).not.toContain(key(a, b));
    svc.redo();
    svc.recluster();
    expect(pairKeys(svc)).not.toContain(key(a, b));
    expect(svc.getPerson(other.id)!.name).toBe('After');

    // undoing the No itself (after undoing the rename on top of it) lifts it
    expect(svc.undo()!.kind).toBe('name');
    expect(svc.undo()!.kind).toBe('not-same');
    expect(pairKeys(svc)).toContain(key(a, b));
    // and redoing it puts it back
    expect(svc.redo()!.kind).toBe('not-same');
    expect(pairKeys(svc)).not.toContain(key(a, b));
  });

  it('no survives undo of a correction made before it', () => {
    const { svc } = fresh();
    const people = svc.listPeople();
    const third = people[people.length - 1]!;
    const { a, b, facesA, facesB } = cutInTwo(svc);
    svc.correct({ kind: 'hide', personId: third.id, hidden: true });
    svc.answerMerge(a, b, false);
    svc.correct({ kind: 'hide', personId: third.id, hidden: false });
    svc.recluster();
    expect(pairKeys(svc)).not.toContain(key(a, b));
    expect([...personsOf(svc, facesA)].some((p) => personsOf(svc, facesB).has(p))).toBe(false);
  });

  it('no survives a re-embed with another model and its re-cluster', async () => {
    const { svc, store } = fresh();
    const { a, b, facesA, facesB } = cutInTwo(svc);
    svc.answerMerge(a, b, false);
    const engine = await FacePipeline.create({ embedder: 'faceplugin-512-pca128', provider: 'cpu', threads: 1 });
    const r = await reembedLibrary(store, engine);
    await engine.close();
    expect(r.failed).toEqual([]);
    setLibraryModel(store.db, 'faceplugin-512-pca128');
    const after = new PeopleService(store.db);
    after.recluster();
    const pa = personsOf(after, facesA);
    const pb = personsOf(after, facesB);
    expect(pa.size).toBe(1);
    expect(pb.size).toBe(1);
    expect([...pa][0]).not.toBe([...pb][0]);
    expect(after.suggestMerges(1000).pairs.map((p) => key(p.a.id, p.b.id))).not.toContain(key([...pa][0]!, [...pb][0]!));
  }, 180_000);

  it('no travels in the people file: exported, read back and imported into another library, the pair stays apart', async () => {
    const { svc, store } = fresh();
    const { a, b, facesA, facesB } = cutInTwo(svc);
    svc.answerMerge(a, b, false);
    const file = parsePeopleFile(serializePeopleFile(exportPeople(store.db, 'test')));
    expect(file.corrections.map((c) => c.correction.kind)).toContain('not-same');
    const other = fresh();
    await importPeople(other.svc, other.store.db, file, 'people file');
    other.svc.recluster();
    const pa = personsOf(other.svc, facesA);
    const pb = personsOf(other.svc, facesB);
    expect(pa.size).toBe(1);
    expect(pb.size).toBe(1);
    expect([...pa][0]).not.toBe([...pb][0]);
    expect(pairKeys(other.svc)).not.toContain(key([...pa][0]!, [...pb][0]!));
  });

  it('refuses a pair of one person and an unknown person', () => {
    const { svc } = fresh();
    const p = svc.listPeople()[0]!;
    expect(() => svc.answerMerge(p.id, p.id, false)).toThrow(/same person as itself/);
    expect(() => svc.answerMerge(p.id, 99_999, true)).toThrow(/no person 99999/);
    expect(() => svc.answerMerge(p.id, 99_999, false)).toThrow(/no person 99999/);
  });
});
