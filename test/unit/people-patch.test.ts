/**
 * After a correction, undo or redo, PeopleService patches its in-memory index (PeopleIndex.patch)
 * instead of rebuilding it. The patched index must answer exactly as one freshly loaded from the
 * database: checked after every step of a sequence that uses every correction kind, undo and redo,
 * against a new PeopleService on the same database. And it must really be patched: the number of
 * index builds stays the same through the corrections it can mirror (all but a face marked a face
 * again, and any correction once update() has used the pool); those it cannot mirror have it built
 * again in the background.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { PeopleService } from '../../app/people/people-service';
import { recluster } from '../../app/people/recluster';
import { synthesize } from '../../app/people/synthetic';
import type { FaceColumns } from '../../app/people/types';
import type { Correction } from '../../app/contract/people';
import { Store } from '../../app/store/store';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const work = mkdtempSync(join(tmpdir(), 'visage-patch-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the index answers (suggestions of every kind) plus the people as the database lists them. */
function observe(svc: PeopleService, faces: number[]) {
  const people = svc.listPeople({ includeHidden: true }).sort((a, b) => a.id - b.id);
  return {
    people: people.map((p) => [p.id, p.name, p.faceCount]),
    suggestFaces: people.slice(0, 12).map((p) => svc.suggestFaces(p.id, 20)),
    suggestPeople: faces.map((f) => svc.suggestPeople(f, 5)),
    similar: people.slice(0, 6).map((p) => svc.similarPeople(p.id, 5)),
  };
}

describe('PeopleService: the index patched after corrections answers as a fresh one', () => {
  it('through every correction kind, undo and redo', () => {
    const store = Store.open(join(work, 'lib.db'));
    try {
      writeSyntheticFaces(store.db, 1500, 21);
      new PeopleService(store.db).update();
      // The service under test: its index is loaded from the database at its first request (after
      // update() an index holds the incremental state, which a fresh load need not reproduce).
      const svc = new PeopleService(store.db);
      const probes = store.db.prepare<[], { id: number }>('SELECT id FROM faces ORDER BY id').all().map((r) => r.id).filter((_, i) => i % 37 === 0);
      const check = (step: string) => expect(observe(svc, probes), step).toEqual(observe(new PeopleService(store.db), probes));
      check('loaded');
      const builds = svc.indexBuilds;

      const people = () => svc.listPeople({ includeHidden: true }).sort((a, b) => b.faceCount - a.faceCount || a.id - b.id);
      const [a, b, c, d] = people();
      const facesOf = (id: number) => svc.personFaceIds(id);
      const pool = () => svc.unassignedFaces({ limit: 50 }).map((f) => f.id);
      expect(pool().length).toBeGreaterThan(3);
      const steps: [string, () => unknown][] = [
        ['name', () => svc.correct({ kind: 'name', personId: a!.id, name: 'Anna' })],
        ['split with a name', () => svc.correct({ kind: 'split', faceIds: facesOf(a!.id).slice(0, 3), name: 'Bea' })],
        ['move between people', () => svc.correct({ kind: 'move', faceIds: facesOf(b!.id).slice(0, 2), personId: a!.id })],
        ['move pool faces to a person', () => svc.correct({ kind: 'move', faceIds: pool().slice(0, 2), personId: a!.id })],
        ['reject', () => svc.correct({ kind: 'reject', faceIds: facesOf(a!.id).slice(-2), personId: a!.id })],
        ['reject pool faces', () => svc.correct({ kind: 'reject', faceIds: pool().slice(0, 2), personId: b!.id })],
        ['confirm', () => svc.correct({ kind: 'confirm', faceIds: facesOf(c!.id).slice(0, 2), personId: c!.id })],
        ['merge', () => svc.correct({ kind: 'merge', targetId: a!.id, sourceIds: [d!.id] })],
        ['hide', () => svc.correct({ kind: 'hide', personId: c!.id, hidden: true })],
        ['cover', () => svc.correct({ kind: 'cover', personId: a!.id, faceId: facesOf(a!.id)[1]! })],
        ['undo (cover)', () => svc.undo()],
        ['undo (hide)', () => svc.undo()],
        ['undo (merge)', () => svc.undo()],
        ['redo (merge)', () => svc.redo()],
        ['undo (merge) again', () => svc.undo()],
        ['undo (confirm)', () => svc.undo()],
        ['undo (reject pool faces)', () => svc.undo()],
        ['undo (reject)', () => svc.undo()],
        ['redo (reject)', () => svc.redo()],
        ['undo (reject) again', () => svc.undo()],
        ['undo (move pool faces)', () => svc.undo()],
        ['undo (move)', () => svc.undo()],
        ['undo (split)', () => svc.undo()],
        ['redo (split)', () => svc.redo()],
        ['merge into the split-off person', () => svc.correct({ kind: 'merge', targetId: people().find((p) => p.name === 'Bea')!.id, sourceIds: [b!.id] } satisfies Correction)],
      ];
      for (const [name, run] of steps) {
        run();
        check(name);
      }
      // every one of those was patched, not rebuilt
      expect(svc.indexBuilds).toBe(builds);

      // not a face: the faces leave the index (a person's faces and a pool face), patched too
      const protoFace = facesOf(a!.id)[0]!;
      svc.correct({ kind: 'not-a-face', faceIds: [...facesOf(a!.id).slice(0, 3), pool()[0]!] });
      check('not a face');
      svc.correct({ kind: 'not-a-face', faceIds: [protoFace, ...facesOf(c!.id).slice(-1)] });
      check('not a face again (one already out)');
      expect(svc.indexBuilds).toBe(builds);
      // undo: a face comes back, which the index cannot mirror: dropped, rebuilt, and answers as a fresh one
      svc.undo();
      check('undo (not a face)');
      expect(svc.indexBuilds).toBe(builds + 1);
      // once the pool has been used (update() clusters it) a correction drops the index instead
      const before = svc.indexBuilds;
      svc.update();
      svc.correct({ kind: 'name', personId: c!.id, name: 'Cleo' });
      check('after update() and a correction');
      expect(svc.indexBuilds).toBe(before + 1);
    } finally {
      store.close();
    }
  });

  it('a correction it cannot mirror (after update(), or undoing not-a-face) has the index built again in the background', async () => {
    const store = Store.open(join(work, 'warm.db'));
    try {
      writeSyntheticFaces(store.db, 1500, 22);
      const svc = new PeopleService(store.db);
      svc.update(); // the pool is used: patch() refuses from here on
      const probes = store.db.prepare<[], { id: number }>('SELECT id FROM faces ORDER BY id').all().map((r) => r.id).filter((_, i) => i % 41 === 0);
      const [a, b] = svc.listPeople({ includeHidden: true }).sort((x, y) => y.faceCount - x.faceCount || x.id - y.id);
      const ready = async (builds: number) => {
        // no request in between: the build finishes on its own
        await expect.poll(() => svc.indexBuilds, { timeout: 20_000, interval: 5 }).toBe(builds + 1);
        expect(observe(svc, probes)).toEqual(observe(new PeopleService(store.db), probes));
        expect(svc.indexBuilds).toBe(builds + 1);
      };
      let builds = svc.indexBuilds;
      svc.correct({ kind: 'name', personId: a!.id, name: 'Anna' });
      await ready(builds);
      // patched again now that the index is a fresh load
      builds = svc.indexBuilds;
      svc.correct({ kind: 'not-a-face', faceIds: svc.personFaceIds(b!.id).slice(0, 2) });
      expect(svc.indexBuilds).toBe(builds);
      svc.undo();
      await ready(builds);
      // corrections in a row while it is being built: each starts it again; a refused one too
      builds = svc.indexBuilds;
      svc.update();
      svc.correct({ kind: 'name', personId: b!.id, name: 'Bea' });
      svc.correct({ kind: 'hide', personId: a!.id, hidden: true });
      expect(() => svc.correct({ kind: 'name', personId: 9_999_999, name: 'Nobody' })).toThrow();
      await ready(builds);
    } finally {
      store.close();
    }
  });
});

describe('PeopleIndex.patch: faces marked not-a-face leave the index as if never loaded', () => {
  it('out of their person and out of the pool still to be built: the built pool and suggestions match a fresh load', () => {
    const set = synthesize({ faces: 800, seed: 7 });
    const clustered = recluster({ model: 'dlib-resnet-v1', faces: set });
    const pool = [...clustered.assignment].filter(([, p]) => p === null).map(([f]) => f);
    const inPeople = [...clustered.assignment].filter(([, p]) => p !== null).map(([f]) => f);
    expect(pool.length).toBeGreaterThan(5);
    const gone = new Set([...pool.slice(0, 5), ...inPeople.slice(0, 5)]);
    const load = (keep: (id: number) => boolean) => {
      const rows = Array.from({ length: set.n }, (_, i) => i).filter((i) => keep(set.ids[i]!));
      const faces: FaceColumns = {
        n: rows.length,
        ids: rows.map((i) => set.ids[i]!),
        photoIds: rows.map((i) => set.photoIds[i]!),
        quality: rows.map((i) => set.quality[i]!),
        embeddings: Int8Array.from(rows.flatMap((i) => [...set.embeddings.subarray(i * 128, (i + 1) * 128)])),
      };
      const idx = new PeopleIndex({ model: 'dlib-resnet-v1' });
      idx.load({ persons: clustered.persons, faces, assignment: new Map([...clustered.assignment].filter(([f]) => keep(f))) });
      return idx;
    };
    const patched = load(() => true);
    expect(patched.patch([], [], [], [...gone, 999_999])).toBe(true); // a face it never held is ignored
    const fresh = load((f) => !gone.has(f));
    const people = [...new Set(inPeople.map((f) => clustered.assignment.get(f)!))].slice(0, 10);
    const answers = (idx: PeopleIndex) => ({
      assignment: [...idx.assignment()].sort((a, b) => a[0] - b[0]),
      suggestions: people.map((p) => idx.suggestFaces(p, 30)),
    });
    // Unbuilt pool (exact scan), then built (the pool index and graph from the pending faces).
    expect(answers(patched)).toEqual(answers(fresh));
    patched.materializePool();
    fresh.materializePool();
    const built = answers(patched);
    expect(built).toEqual(answers(fresh));
    for (const list of built.suggestions) for (const s of list) expect(gone.has(s.faceId)).toBe(false);
    expect(built.assignment.some(([f]) => gone.has(f))).toBe(false);
  });
});
