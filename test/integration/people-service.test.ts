/**
 * The people feature on a real library: real faces of people/dlib-johns (5 identities) and two
 * group photos, scanned by the real engine into a real SQLite file.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { computePending, reembedLibrary, type ReembedProgress } from '../../app/library/reembed';
import { FacePipeline } from '../../app/faces/pipeline';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';
import { setLibraryModel } from '../../app/store/settings';
import { Scanner } from '../../app/library/scanner';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { GROUP, PEOPLE, requireDatasets } from '../helpers/paths';

const work = mkdtempSync(join(tmpdir(), 'visage-people-'));
const template = join(work, 'template.db');
const library = join(work, 'library');
let n = 0;
const open: Store[] = [];

function fresh(): { store: Store; svc: PeopleService; file: string } {
  const file = join(work, `t${++n}.db`);
  copyFileSync(template, file);
  const store = Store.open(file);
  open.push(store);
  return { store, svc: new PeopleService(store.db), file };
}

afterEach(() => {
  while (open.length) open.pop()!.close();
});

/** identity folder of a face's photo */
const identityOf = (path: string) => basename(dirname(path));

beforeAll(async () => {
  requireDatasets();
  // A small library: 4 photos of each of the 5 dlib-johns identities, and two group photos.
  const src = join(PEOPLE, 'dlib-johns');
  for (const id of readdirSync(src).filter((d) => !d.includes('.'))) {
    mkdirSync(join(library, id), { recursive: true });
    for (const f of readdirSync(join(src, id)).sort().slice(0, 4)) symlinkSync(join(src, id, f), join(library, id, f));
  }
  mkdirSync(join(library, '_group'));
  for (const f of ['dlib__2008_002506.jpg', 'dlib__2008_001322.jpg']) symlinkSync(join(GROUP, f), join(library, '_group', f));
  const store = Store.open(template);
  const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
  await new Scanner({ store, analyzer, thumbnails: null }).scan([library]);
  await analyzer.close?.();
  new PeopleService(store.db).update();
  store.close();
}, 300_000);

describe('people from a real library', () => {
  it('clusters the faces into the right people, never two faces of one photo together', () => {
    const { svc, store } = fresh();
    const people = svc.listPeople();
    const johns = people.filter((p) => svc.personFaces(p.id).every((f) => identityOf(f.photoPath) !== '_group'));
    expect(johns.length).toBeGreaterThanOrEqual(5);
    // each machine person holds one identity only
    for (const p of people) {
      const ids = new Set(svc.personFaces(p.id).filter((f) => identityOf(f.photoPath) !== '_group').map((f) => identityOf(f.photoPath)));
      expect(ids.size).toBeLessThanOrEqual(1);
    }
    const clash = store.db
      .prepare('SELECT COUNT(*) AS n FROM face_assignments a JOIN faces f ON f.id = a.face_id JOIN face_assignments b ON b.person_id = a.person_id AND b.face_id > a.face_id JOIN faces g ON g.id = b.face_id WHERE f.photo_id = g.photo_id')
      .get() as { n: number };
    expect(clash.n).toBe(0);
  });

  it('names, proposes a merge for an existing name, merges, and undoes/redoes each', () => {
    const { svc } = fresh();
    const [a, b] = svc.listPeople();
    expect(a && b).toBeTruthy();
    const r1 = svc.correct({ kind: 'name', personId: a!.id, name: 'Anna' });
    expect(r1.mergeProposal).toBeUndefined();
    expect(svc.getPerson(a!.id)!.name).toBe('Anna');
    const r2 = svc.correct({ kind: 'name', personId: b!.id, name: 'anna' });
    expect(r2.mergeProposal).toEqual({ personId: a!.id, name: 'Anna' });
    const facesA = svc.personFaces(a!.id).length, facesB = svc.personFaces(b!.id).length;
    svc.correct({ kind: 'merge', targetId: a!.id, sourceIds: [b!.id] });
    expect(svc.personFaces(a!.id)).toHaveLength(facesA + facesB);
    expect(svc.getPerson(b!.id)).toBeNull();
    expect(svc.listPeople().find((p) => p.id === b!.id)).toBeUndefined();
    svc.undo();
    expect(svc.personFaces(a!.id)).toHaveLength(facesA);
    expect(svc.personFaces(b!.id)).toHaveLength(facesB);
    svc.redo();
    expect(svc.personFaces(a!.id)).toHaveLength(facesA + facesB);
    svc.undo();
    svc.undo(); // the second naming
    expect(svc.getPerson(b!.id)!.name).toBeNull();
    svc.undo();
    expect(svc.getPerson(a!.id)!.name).toBeNull();
    expect(svc.undo()).toBeNull();
  });

  it('splits faces into a new person, with cannot-links to the old one; undo removes the new person', () => {
    const { svc } = fresh();
    const p = svc.listPeople().find((x) => x.faceCount >= 3)!;
    const faces = svc.personFaces(p.id).slice(0, 2).map((f) => f.id);
    const r = svc.correct({ kind: 'split', faceIds: faces, name: 'Split Off' });
    const newId = r.personIds[0]!;
    expect(svc.personFaces(newId).map((f) => f.id).sort()).toEqual([...faces].sort());
    expect(svc.personFaces(newId).every((f) => f.source === 'user')).toBe(true);
    // A re-cluster reproduces it: the split faces stay with the new person, not the old.
    svc.recluster();
    expect(svc.personFaces(newId).map((f) => f.id).sort()).toEqual([...faces].sort());
    expect(svc.personFaces(p.id).some((f) => faces.includes(f.id))).toBe(false);
    svc.undo();
    expect(svc.getPerson(newId)).toBeNull();
    svc.redo();
    expect(svc.getPerson(newId)!.name).toBe('Split Off');
    expect(svc.personFaces(newId)).toHaveLength(2);
  });

  it('"not this person" holds through re-clusters; move and confirm are never undone by the machine', () => {
    const { svc } = fresh();
    const [p, q] = svc.listPeople().filter((x) => x.faceCount >= 2);
    const victim = svc.personFaces(p!.id)[0]!.id;
    svc.correct({ kind: 'reject', faceIds: [victim], personId: p!.id });
    expect(svc.face(victim)!.personId).not.toBe(p!.id);
    svc.recluster();
    svc.update();
    expect(svc.face(victim)!.personId).not.toBe(p!.id);
    expect(svc.suggestPeople(victim).map((s) => s.personId)).not.toContain(p!.id);

    // Move a face of q to p: it stays there through a re-cluster, although it looks like q.
    const moved = svc.personFaces(q!.id)[0]!.id;
    svc.correct({ kind: 'move', faceIds: [moved], personId: p!.id });
    svc.recluster();
    expect(svc.face(moved)!.personId).toBe(p!.id);
    expect(svc.face(moved)!.source).toBe('user');

    const confirmFace = svc.personFaces(q!.id)[0]!.id;
    svc.correct({ kind: 'confirm', faceIds: [confirmFace], personId: q!.id });
    expect(svc.face(confirmFace)!.confirmed).toBe(true);
    svc.undo();
    expect(svc.face(confirmFace)!.confirmed).toBe(false);
    svc.undo(); // move
    expect(svc.face(moved)!.personId).toBe(q!.id);
    svc.undo(); // reject
    expect(svc.history(10).filter((h) => !h.undone)).toHaveLength(0);
  });

  it('hides a person, chooses a cover, marks not-a-face; each undoable', () => {
    const { svc } = fresh();
    const p = svc.listPeople().find((x) => x.faceCount >= 2)!;
    svc.correct({ kind: 'hide', personId: p.id, hidden: true });
    expect(svc.listPeople().some((x) => x.id === p.id)).toBe(false);
    expect(svc.listPeople({ includeHidden: true }).some((x) => x.id === p.id)).toBe(true);
    const last = svc.personFaces(p.id).at(-1)!.id;
    svc.correct({ kind: 'cover', personId: p.id, faceId: last });
    expect(svc.getPerson(p.id)!.coverFaceId).toBe(last);
    svc.correct({ kind: 'not-a-face', faceIds: [last] });
    expect(svc.face(last)!.personId).toBeNull();
    expect(svc.unassignedFaces().some((f) => f.id === last)).toBe(false);
    svc.recluster();
    expect(svc.face(last)!.personId).toBeNull();
    svc.undo();
    expect(svc.face(last)!.personId).toBe(p.id);
    svc.undo();
    svc.undo();
    expect(svc.listPeople().some((x) => x.id === p.id)).toBe(true);
  });

  it('a new correction after undo ends the redo chain', () => {
    const { svc } = fresh();
    const [a, b] = svc.listPeople();
    svc.correct({ kind: 'name', personId: a!.id, name: 'X' });
    svc.undo();
    svc.correct({ kind: 'name', personId: b!.id, name: 'Y' });
    expect(svc.redo()).toBeNull();
    expect(svc.getPerson(a!.id)!.name).toBeNull();
  });

  it('suggests people for a face (its own and rejected people excluded), faces for a person, similar people ranked', () => {
    const { svc } = fresh();
    const [p, q] = svc.listPeople();
    const f = svc.personFaces(p!.id)[0]!;
    const s = svc.suggestPeople(f.id, 3);
    expect(s.map((x) => x.personId)).not.toContain(p!.id);
    for (let i = 1; i < s.length; i++) expect(s[i - 1]!.similarity).toBeGreaterThanOrEqual(s[i]!.similarity);
    // After "not this person", the face is unassigned and never suggested for p again.
    svc.correct({ kind: 'reject', faceIds: [f.id], personId: p!.id });
    expect(svc.suggestPeople(f.id, 5).map((x) => x.personId)).not.toContain(p!.id);
    expect(svc.suggestFaces(p!.id, 10).map((x) => x.faceId)).not.toContain(f.id);
    // Moved elsewhere by the user, a face of q is suggested back to q first.
    const g = svc.personFaces(q!.id)[0]!;
    svc.correct({ kind: 'split', faceIds: [g.id] });
    const sims = svc.similarPeople(q!.id, 3);
    for (let i = 1; i < sims.length; i++) expect(sims[i - 1]!.similarity).toBeGreaterThanOrEqual(sims[i]!.similarity);
    expect(sims.map((x) => x.personId)).not.toContain(q!.id);
  });

  it('refuses bad corrections with a clear error and changes nothing', () => {
    const { svc } = fresh();
    const before = svc.history().length;
    expect(() => svc.correct({ kind: 'name', personId: 999999, name: 'x' })).toThrow(/no person/);
    expect(() => svc.correct({ kind: 'move', faceIds: [999999], personId: svc.listPeople()[0]!.id })).toThrow(/no face/);
    expect(() => svc.correct({ kind: 'split', faceIds: [] })).toThrow(/no faces/);
    expect(svc.history()).toHaveLength(before);
  });

  it('keeps corrections across a re-scan of the library', async () => {
    const { svc, store } = fresh();
    const p = svc.listPeople()[0]!;
    svc.correct({ kind: 'name', personId: p.id, name: 'Rescanned' });
    const analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
    await new Scanner({ store, analyzer, thumbnails: null }).scan([library]);
    await analyzer.close?.();
    const again = new PeopleService(store.db);
    again.update();
    expect(again.getPerson(p.id)!.name).toBe('Rescanned');
    expect(again.personFaces(p.id).length).toBe(p.faceCount);
  }, 120_000);

  it('a model change (re-embedding every face) keeps every user decision', async () => {
    const { svc, store } = fresh();
    const [p, q] = svc.listPeople().filter((x) => x.faceCount >= 2);
    svc.correct({ kind: 'name', personId: p!.id, name: 'Kept' });
    const moved = svc.personFaces(q!.id)[0]!.id;
    svc.correct({ kind: 'move', faceIds: [moved], personId: p!.id });
    const rejected = svc.personFaces(p!.id).find((f) => f.id !== moved)!.id;
    svc.correct({ kind: 'reject', faceIds: [rejected], personId: p!.id });
    const faceIds = (store.db.prepare('SELECT id FROM faces ORDER BY id').all() as { id: number }[]).map((r) => r.id);

    const engine = await FacePipeline.create({ embedder: 'faceplugin-512-pca128', provider: 'cpu', threads: 1 });
    const r = await reembedLibrary(store, engine);
    await engine.close();
    expect(r.failed).toEqual([]);
    expect(r.faces).toBe(faceIds.length);
    setLibraryModel(store.db, 'faceplugin-512-pca128');
    const after = new PeopleService(store.db);
    expect(after.model).toBe('faceplugin-512-pca128');
    after.recluster();
    // Same faces (ids kept), now all of the new model; every decision still holds.
    expect((store.db.prepare('SELECT id FROM faces ORDER BY id').all() as { id: number }[]).map((x) => x.id)).toEqual(faceIds);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM faces WHERE model_id != 'faceplugin-512-pca128'").get()).toEqual({ n: 0 });
    expect(after.getPerson(p!.id)!.name).toBe('Kept');
    expect(after.face(moved)!.personId).toBe(p!.id);
    expect(after.face(rejected)!.personId).not.toBe(p!.id);
    expect(after.listPeople().length).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it('a model change stays on the old model until the switch: interrupted, the library works as before and the next run resumes', async () => {
    const { svc, store } = fresh();
    const p = svc.listPeople().find((x) => x.faceCount >= 2)!;
    svc.correct({ kind: 'name', personId: p.id, name: 'Before' });
    const oldVectors = store.db.prepare('SELECT id, model_id, embedding FROM faces ORDER BY id').all();
    const faces = oldVectors.length;
    const photos = (store.db.prepare('SELECT count(DISTINCT photo_id) AS n FROM faces').get() as { n: number }).n;

    // The library was scanned with the default model; it moves to the other family.
    const target = DEFAULT_EMBEDDER === 'dlib-resnet-v1' ? 'mobilefacenet-192' : 'dlib-resnet-v1';
    const engine = await FacePipeline.create({ embedder: target, provider: 'cpu', threads: 1 });
    // An interrupted run: phase 1 stopped after two photos (the progress callback throws).
    const seen: ReembedProgress[] = [];
    await expect(
      computePending(store, engine, (pr) => {
        seen.push(pr);
        if (pr.done === 2) throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    expect(seen.map((x) => [x.done, x.photos])).toEqual([[1, photos], [2, photos]]);
    // The library is untouched and still on its model: same vectors, same model, people as they were.
    expect(store.db.prepare('SELECT id, model_id, embedding FROM faces ORDER BY id').all()).toEqual(oldVectors);
    const during = new PeopleService(store.db);
    expect(during.model).toBe(DEFAULT_EMBEDDER);
    expect(during.getPerson(p.id)!.name).toBe('Before');
    const waiting = (store.db.prepare('SELECT count(*) AS n FROM reembed_pending').get() as { n: number }).n;
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThan(faces);

    // The next run embeds only what is left, then switches every face at once.
    const r = await reembedLibrary(store, engine);
    await engine.close();
    expect(r.failed).toEqual([]);
    expect(r.resumed).toBe(waiting);
    expect(r.faces).toBe(faces - waiting);
    expect(r.photos).toBeLessThan(photos);
    expect(r.switched).toBe(faces);
    expect(store.db.prepare('SELECT DISTINCT model_id FROM faces').all()).toEqual([{ model_id: target }]);
    expect(store.db.prepare('SELECT count(*) AS n FROM reembed_pending').get()).toEqual({ n: 0 });
    const after = new PeopleService(store.db);
    expect(after.model).toBe(target);
    after.recluster();
    expect(after.getPerson(p.id)!.name).toBe('Before');
  }, 180_000);
});
