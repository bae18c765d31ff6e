/**
 * "Check what changed" (app/learning/changes.ts): the re-cluster that finishes a head switch
 * records the faces it put into named people, in the transaction that persists it, and only
 * those; the list the Learn screen shows keeps just the faces nobody answered since
 * (confirm, reject, move, not-a-face), follows merges, and is replaced by the next switch. Real
 * SQLite files with synthetic faces; the switch is to the base network (nothing re-projected), and
 * faces are taken out of named people in the database so that the re-cluster puts them back.
 */
import { describe, expect, it } from 'vitest';
import { namedMembership, openChanges } from '../../app/learning/changes';
import { pendingSwitch, setActiveHeadId, projectionSync } from '../../app/learning/projection';
import { PeopleService } from '../../app/people/people-service';
import type { Store } from '../../app/store/store';
import { tempStores } from '../helpers/temp-stores';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const MODEL = 'dlib-resnet-v1';
const temp = tempStores('visage-changes-');

/** A clustered synthetic library whose three largest people are named Anna, Bob and Cleo. */
function library() {
  const store = temp.open();
  writeSyntheticFaces(store.db, 600, 3, MODEL);
  const svc = new PeopleService(store.db, { projections: projectionSync });
  svc.recluster();
  const [anna, bob, cleo] = svc.listPeople().sort((a, b) => b.faceCount - a.faceCount || a.id - b.id);
  svc.correct({ kind: 'name', personId: anna!.id, name: 'Anna' });
  svc.correct({ kind: 'name', personId: bob!.id, name: 'Bob' });
  svc.correct({ kind: 'name', personId: cleo!.id, name: 'Cleo' });
  return { store, db: store.db, svc, anna: anna!.id, bob: bob!.id, cleo: cleo!.id };
}

const machineFaces = (db: Store['db'], personId: number): number[] =>
  (db.prepare("SELECT face_id FROM face_assignments WHERE person_id = ? AND source = 'machine' ORDER BY face_id").all(personId) as { face_id: number }[]).map((r) => r.face_id);

/** Takes `faces` out of their (named) person, as if a head had left them out: the re-cluster puts them back. */
function takeOut(db: Store['db'], faces: number[]) {
  for (const f of faces) db.prepare('DELETE FROM face_assignments WHERE face_id = ?').run(f);
}

const listed = (c: NonNullable<ReturnType<typeof openChanges>>) =>
  c.people.flatMap((p) => p.faces.map((f) => [f, p.personId] as [number, number])).sort((a, b) => a[0] - b[0] || a[1] - b[1]);

describe('what a head switch put into the named people', () => {
  it('records exactly the faces the finishing re-cluster put into named people, only for a switch', () => {
    const { db, svc, anna, bob } = library();
    const out = [...machineFaces(db, anna).slice(0, 3), ...machineFaces(db, bob).slice(0, 2)];
    // An ordinary re-cluster (no switch pending) records nothing.
    takeOut(db, out);
    svc.recluster();
    expect(openChanges(db, MODEL)).toBeNull();
    expect(db.prepare('SELECT COUNT(*) AS n FROM learning_changes').get()).toEqual({ n: 0 });

    takeOut(db, out);
    const before = namedMembership(db, MODEL);
    setActiveHeadId(db, MODEL, 'base');
    expect(pendingSwitch(db, MODEL)).toBe('base');
    svc.recluster();
    expect(pendingSwitch(db, MODEL)).toBeNull();
    const after = namedMembership(db, MODEL);
    const c = openChanges(db, MODEL)!;
    expect(c.headId).toBe('base');
    expect(Number.isNaN(Date.parse(c.switchedAt))).toBe(false);
    // Exactly the faces in a named person after the re-cluster that were not in it before.
    const joined = [...after].filter(([f, p]) => before.get(f) !== p).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(c.recorded).toBe(joined.length);
    expect(c.open).toBe(joined.length);
    expect(listed(c)).toEqual(joined);
    // The re-cluster never takes a face out of a named person.
    for (const [f, p] of before) expect(after.get(f)).toBe(p);
    // The faces taken out are back, and listed under their person's name.
    expect(c.people.find((p) => p.personId === anna)!.faces).toEqual(expect.arrayContaining(out.slice(0, 3)));
    expect(c.people.find((p) => p.personId === bob)!.faces).toEqual(expect.arrayContaining(out.slice(3)));
    expect(c.people.find((p) => p.personId === anna)!.name).toBe('Anna');
    for (const p of c.people) expect(p.count).toBe(p.faces.length);
    // Most first.
    expect(c.people.map((p) => p.count)).toEqual([...c.people.map((p) => p.count)].sort((a, b) => b - a));
  });

  it('lists only faces nobody answered since: confirm, reject, move and not-a-face close them, undo opens them again, merges follow', () => {
    const { db, svc, anna, bob, cleo } = library();
    const out = machineFaces(db, anna).slice(0, 6);
    takeOut(db, out);
    setActiveHeadId(db, MODEL, 'base');
    svc.recluster();
    const open = () => openChanges(db, MODEL)!;
    const of = (personId: number) => open().people.find((p) => p.personId === personId)?.faces ?? [];
    const total = open().open;
    expect(of(anna)).toEqual(expect.arrayContaining(out));

    // Yes: confirmed by the user, closed.
    svc.correct({ kind: 'confirm', faceIds: [out[0]!], personId: anna });
    expect(of(anna)).not.toContain(out[0]);
    // No: rejected (it leaves Anna), closed; undo opens it again.
    svc.correct({ kind: 'reject', faceIds: [out[1]!], personId: anna });
    expect(of(anna)).not.toContain(out[1]);
    svc.undo();
    expect(of(anna)).toContain(out[1]);
    // Moved elsewhere by the user, or marked not a face: closed.
    svc.correct({ kind: 'move', faceIds: [out[2]!], personId: cleo });
    svc.correct({ kind: 'not-a-face', faceIds: [out[3]!] });
    expect(of(anna)).not.toContain(out[2]);
    expect(of(anna)).not.toContain(out[3]);
    expect(of(cleo)).not.toContain(out[2]);
    expect(open().open).toBe(total - 3);
    expect(open().recorded).toBe(total);

    // Anna merged into Bob: her open faces are Bob's to check now, under his name.
    const annaOpen = of(anna).length;
    const bobOpen = of(bob).length;
    svc.correct({ kind: 'merge', targetId: bob, sourceIds: [anna] });
    expect(open().people.find((p) => p.personId === anna)).toBeUndefined();
    expect(of(bob)).toHaveLength(annaOpen + bobOpen);
    expect(of(bob)).toEqual(expect.arrayContaining(out.slice(4)));
    expect(open().people.find((p) => p.personId === bob)!.name).toBe('Bob');

    // The next switch replaces the record (this one put nothing into named people).
    setActiveHeadId(db, MODEL, 'base');
    svc.recluster();
    expect(openChanges(db, MODEL)).toBeNull();
  });

  it('lists at most maxFaces face ids a person, with complete counts', () => {
    const { db, svc, anna } = library();
    takeOut(db, machineFaces(db, anna).slice(0, 5));
    setActiveHeadId(db, MODEL, 'base');
    svc.recluster();
    const p = openChanges(db, MODEL, 2)!.people.find((x) => x.personId === anna)!;
    expect(p.faces).toHaveLength(2);
    expect(p.count).toBeGreaterThanOrEqual(5);
  });
});
