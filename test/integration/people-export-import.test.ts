/**
 * Round trips of the user's decisions: "Export people" -> a fresh library -> "Import", and named
 * faces -> XMP sidecars -> a fresh library -> read back. Real photos, real engine, real SQLite.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineAnalyzer } from '../../app/library/pipeline-analyzer';
import { Scanner } from '../../app/library/scanner';
import { exportPeople, importPeople, importXmpRegions, writeXmpSidecars } from '../../app/interop/import-export';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { parsePeopleFile, serializePeopleFile } from '../../app/interop/people-file';
import { GROUP, PEOPLE } from '../helpers/paths';

const dir = mkdtempSync(join(tmpdir(), 'visage-roundtrip-'));
const photos = join(dir, 'photos');
const stores: Store[] = [];
let analyzer: Awaited<ReturnType<typeof createPipelineAnalyzer>>;

async function library(name: string, cluster = true): Promise<{ store: Store; svc: PeopleService }> {
  const store = Store.open(join(dir, `${name}.db`));
  stores.push(store);
  await new Scanner({ store, analyzer, thumbnails: null }).scan([photos]);
  const svc = new PeopleService(store.db);
  if (cluster) svc.update();
  return { store, svc };
}

/** Decisions of a library keyed by photo file + rounded box, so two libraries can be compared. */
function decisions(store: Store) {
  const rows = store.db
    .prepare(
      `SELECT p.path, f.x, f.y, f.not_a_face, fa.source, fa.confirmed, pe.name, pe.hidden,
              (SELECT group_concat(r.name) FROM face_rejections fr JOIN persons r ON r.id = fr.person_id WHERE fr.face_id = f.id) AS rejected
       FROM faces f JOIN photos p ON p.id = f.photo_id
       LEFT JOIN face_assignments fa ON fa.face_id = f.id LEFT JOIN persons pe ON pe.id = fa.person_id
       WHERE fa.source = 'user' OR f.not_a_face = 1 OR pe.name IS NOT NULL OR pe.hidden = 1
          OR EXISTS (SELECT 1 FROM face_rejections fr WHERE fr.face_id = f.id)
       ORDER BY p.path, f.x`,
    )
    .all() as Record<string, unknown>[];
  // A machine assignment to an unnamed, visible person is the library's own guess, not a decision.
  const decided = (r: Record<string, unknown>) => r.source === 'user' || r.name !== null || r.hidden === 1;
  return rows.map((r) => ({
    path: String(r.path).split('/').slice(-2).join('/'),
    x: Math.round(Number(r.x)),
    y: Math.round(Number(r.y)),
    notAFace: r.not_a_face,
    rejected: r.rejected,
    ...(decided(r) ? { source: r.source, confirmed: r.confirmed, name: r.name, hidden: r.hidden } : {}),
  }));
}

beforeAll(async () => {
  const src = join(PEOPLE, 'dlib-johns');
  for (const id of readdirSync(src).filter((d) => !d.includes('.')).slice(0, 3)) {
    mkdirSync(join(photos, id), { recursive: true });
    for (const f of readdirSync(join(src, id)).sort().slice(0, 3)) copyFileSync(join(src, id, f), join(photos, id, f));
  }
  mkdirSync(join(photos, 'group'));
  copyFileSync(join(GROUP, 'dlib__2008_001322.jpg'), join(photos, 'group', 'party.jpg'));
  analyzer = await createPipelineAnalyzer({ threads: 1, provider: 'cpu' });
}, 120_000);

afterAll(async () => {
  for (const s of stores) s.close();
  await analyzer?.close?.();
});

describe('export and import of people', () => {
  it('restores names, hidden people, covers, user assignments, rejections and not-a-face in a fresh library', async () => {
    const a = await library('a');
    const people = a.svc.listPeople().filter((p) => a.svc.personFaces(p.id).every((f) => !f.photoPath.includes('/group/')));
    expect(people.length).toBeGreaterThanOrEqual(3);
    const [p1, p2, p3] = people;
    a.svc.correct({ kind: 'name', personId: p1!.id, name: 'Zoë O’Brien' });
    a.svc.correct({ kind: 'name', personId: p2!.id, name: 'Bob' });
    a.svc.correct({ kind: 'hide', personId: p3!.id, hidden: true });
    const f1 = a.svc.personFaces(p1!.id);
    a.svc.correct({ kind: 'cover', personId: p1!.id, faceId: f1.at(-1)!.id });
    a.svc.correct({ kind: 'reject', faceIds: [f1[0]!.id], personId: p1!.id });
    const moved = a.svc.personFaces(p3!.id)[0]!.id;
    a.svc.correct({ kind: 'move', faceIds: [moved], personId: p2!.id });
    const groupFace = a.svc.unassignedFaces().find((f) => f.photoPath.includes('/group/'))!;
    a.svc.correct({ kind: 'not-a-face', faceIds: [groupFace.id] });

    const exported = exportPeople(a.store.db, '0.1.0');
    const text = serializePeopleFile(exported);
    const file = parsePeopleFile(text); // validates the format on the way
    expect(file.corrections.map((c) => c.correction.kind)).toEqual(['name', 'name', 'hide', 'cover', 'reject', 'move', 'not-a-face']);

    const b = await library('b');
    const before = decisions(b.store);
    const report = await importPeople(b.svc, b.store.db, file, 'test');
    expect(report.unmatched).toEqual([]);
    expect(decisions(b.store)).toEqual(decisions(a.store));
    const names = b.svc.listPeople({ includeHidden: true }).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['Zoë O’Brien', 'Bob']));
    const zoe = b.svc.listPeople().find((p) => p.name === 'Zoë O’Brien')!;
    const cover = b.svc.face(zoe.coverFaceId!)!;
    expect(cover.photoPath.split('/').pop()).toBe(f1.at(-1)!.photoPath.split('/').pop());
    // The decisions hold through a re-cluster of the new library ...
    b.svc.recluster();
    expect(decisions(b.store)).toEqual(decisions(a.store));
    // ... and the whole import is one undoable step.
    b.svc.undo();
    expect(decisions(b.store)).toEqual(before);
    b.svc.redo();
    expect(decisions(b.store)).toEqual(decisions(a.store));
  }, 240_000);

  it('a name in the file for one face names the whole unnamed person that face is in here (not a one-face person); undo restores', async () => {
    // The file: one face of a person split off under a name, the rest of that person unnamed (the
    // other library's own guess).
    const e = await library('e');
    const p = e.svc.listPeople().filter((x) => x.faceCount >= 3 && e.svc.personFaces(x.id).every((f) => !f.photoPath.includes('/group/')))[0]!;
    expect(p).toBeDefined();
    const tagged = e.svc.personFaces(p.id)[0]!;
    e.svc.correct({ kind: 'split', faceIds: [tagged.id], name: 'Solo' });
    const file = parsePeopleFile(serializePeopleFile(exportPeople(e.store.db, '0.1.0')));

    // A fresh library of the same photos, clustered: the face is in an unnamed person of p's size.
    const f = await library('f');
    const before = f.svc.listPeople({ includeHidden: true });
    const report = await importPeople(f.svc, f.store.db, file, 'test');
    expect(report.conflicts).toEqual([]);
    expect(report.named).toHaveLength(1);
    const solo = f.svc.listPeople().filter((x) => x.name === 'Solo');
    expect(solo).toHaveLength(1);
    expect(solo[0]!.id).toBe(report.named[0]!.personId);
    expect(solo[0]!.faceCount).toBe(p.faceCount);
    // No other person was made or changed.
    expect(f.svc.listPeople({ includeHidden: true }).map((x) => [x.id, x.faceCount])).toEqual(before.map((x) => [x.id, x.faceCount]));
    f.svc.undo();
    expect(f.svc.listPeople({ includeHidden: true })).toEqual(before);
  }, 240_000);

  it('reports faces of photos that are not in the library instead of failing', async () => {
    const a = stores[0]!;
    const file = exportPeople(a.db, '0.1.0');
    file.faces[0]!.photo = { ...file.faces[0]!.photo, hash: 'f'.repeat(40), path: '/nowhere/x.jpg' };
    const c = Store.open(join(dir, 'c.db'));
    stores.push(c);
    const r = await importPeople(new PeopleService(c.db), c.db, file, 'test');
    expect(r.unmatched.length).toBe(file.faces.length);
    expect(r.unmatched[0]!.reason).toBe('photo-not-found');
  });
});

describe('XMP face regions', () => {
  it('writes named faces to sidecars that a fresh library reads back', async () => {
    const a = stores[0]!;
    const r = writeXmpSidecars(a.db);
    expect(r.failed).toEqual([]);
    expect(r.photos).toBeGreaterThan(0);
    for (const s of r.sidecars) {
      expect(s.endsWith('.jpg.xmp')).toBe(true);
      expect(existsSync(s)).toBe(true);
      expect(readFileSync(s, 'utf8')).toContain('mwg-rs:RegionList');
    }
    const d = await library('d', false);
    const read = await importXmpRegions(d.svc, d.store.db);
    expect(read.unmatched).toEqual([]);
    const named = (s: Store) =>
      (s.db
        .prepare(
          `SELECT p.path, pe.name FROM faces f JOIN photos p ON p.id = f.photo_id JOIN face_assignments fa ON fa.face_id = f.id
           JOIN persons pe ON pe.id = fa.person_id WHERE pe.name IS NOT NULL AND f.not_a_face = 0 ORDER BY p.path, f.x`,
        )
        .all() as { path: string; name: string }[]).map((x) => `${x.path.split('/').slice(-2).join('/')}=${x.name}`);
    expect(named(d.store)).toEqual(named(a));
    // Reading again finds the same people (by name) and changes nothing.
    const again = await importXmpRegions(d.svc, d.store.db);
    expect(named(d.store)).toEqual(named(a));
    expect(again.persons).toBe(read.persons);
  }, 240_000);
});
