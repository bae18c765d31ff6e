/**
 * A person's faces through the engine host, the way the person page reads them: every id at once
 * (people.faceIds, cheap) and the details a page at a time (people.faces offset/limit), in the
 * same order: faces the user put there first, then by quality, then by id; "not a face" excluded.
 * Real SQLite file, synthetic faces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaceInfo, PersonPhoto, PersonSummary } from '../../app/contract/contract';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import type { EngineHost } from '../../app/engine/host';
import { hostWithoutEngine } from '../helpers/engine-host';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const dirs: string[] = [];
const hosts: EngineHost[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A library file in a fresh folder, filled by `fill`, and an engine host (without a face engine) on it. */
function libraryHost<T>(prefix: string, fill: (db: Store['db']) => T): { host: EngineHost; filled: T } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  const file = path.join(dir, 'visage.db');
  const store = Store.open(file);
  let filled: T;
  try {
    filled = fill(store.db);
  } finally {
    store.close();
  }
  const host = hostWithoutEngine(file);
  hosts.push(host);
  return { host, filled };
}

describe('people.faceIds in the engine host', () => {
  it("answers every face id of a person in people.faces' order, pages included", async () => {
    const { host } = libraryHost('visage-host-faceids-', (db) => {
      writeSyntheticFaces(db, 800, 7);
      new PeopleService(db).update();
    });

    const list = (await host.handle('people.list', {})) as PersonSummary[];
    const [big, other] = list;
    // A face the user moved in comes first; a "not a face" leaves the list.
    const moved = ((await host.handle('people.faces', { id: other!.id })) as FaceInfo[]).at(-1)!.id;
    await host.handle('people.correct', { kind: 'move', faceIds: [moved], personId: big!.id });
    const before = (await host.handle('people.faceIds', { id: big!.id })) as number[];
    await host.handle('people.correct', { kind: 'not-a-face', faceIds: [before.at(-1)!] });

    const ids = (await host.handle('people.faceIds', { id: big!.id })) as number[];
    expect(ids).toEqual(before.slice(0, -1));
    expect(ids[0]).toBe(moved);
    expect(ids).toHaveLength(((await host.handle('people.get', { id: big!.id })) as PersonSummary).faceCount);
    const paged: number[] = [];
    for (let offset = 0; offset < ids.length + 7; offset += 7) paged.push(...((await host.handle('people.faces', { id: big!.id, offset, limit: 7 })) as FaceInfo[]).map((f) => f.id));
    expect(paged).toEqual(ids);
    expect(await host.handle('people.faceIds', { id: 999_999 })).toEqual([]);
  });
});

describe('people.photos in the engine host', () => {
  it('answers every distinct photo of a person with more than 5,000 faces, each exactly once across pages, with the true count', async () => {
    const N = 6200;
    const { host, filled: faces } = libraryHost('visage-host-photos-', (db) => {
      writeSyntheticFaces(db, N, 11);
      db.transaction(() => {
        db.prepare("INSERT INTO persons (id, name, created_at, user_named) VALUES (1, 'Big', '2024-01-01', 1)").run();
        db.prepare("INSERT INTO face_assignments (face_id, person_id, source, confirmed) SELECT id, 1, 'machine', 0 FROM faces").run();
        // Some photos have a date (newest first, then the undated ones by path).
        db.prepare("UPDATE photos SET taken_at = '2020-01-' || printf('%02d', 1 + id % 28) || 'T10:00:00' WHERE id % 3 = 0").run();
      })();
      return db.prepare('SELECT id, photo_id AS photoId FROM faces').all() as { id: number; photoId: number }[];
    });

    // One photo whose only face is "not a face" leaves the list; one with another face stays.
    const perPhoto = new Map<number, number[]>();
    for (const f of faces) perPhoto.set(f.photoId, [...(perPhoto.get(f.photoId) ?? []), f.id]);
    const lone = [...perPhoto.values()].find((fs) => fs.length === 1)![0]!;
    const shared = [...perPhoto.values()].find((fs) => fs.length > 1)![0]!;
    await host.handle('people.correct', { kind: 'not-a-face', faceIds: [lone, shared] });
    const live = faces.filter((f) => f.id !== lone && f.id !== shared);
    const truth = new Set(live.map((f) => f.photoId));
    expect(truth.size).toBeGreaterThan(4000);

    const ids = (await host.handle('people.photoIds', { id: 1 })) as number[];
    expect(ids).toHaveLength(truth.size);
    expect(new Set(ids)).toEqual(truth);
    expect(((await host.handle('people.get', { id: 1 })) as PersonSummary).photoCount).toBe(truth.size);

    const paged: PersonPhoto[] = [];
    for (let offset = 0; offset < ids.length + 500; offset += 500) paged.push(...((await host.handle('people.photos', { id: 1, offset, limit: 500 })) as PersonPhoto[]));
    expect(paged.map((p) => p.id)).toEqual(ids);
    // Without a limit: all of them (the earlier callers' form).
    expect(((await host.handle('people.photos', { id: 1 })) as PersonPhoto[]).map((p) => p.id)).toEqual(ids);
    // Newest taken first, undated last, then by path.
    const key = (p: PersonPhoto) => [p.takenAt === null ? 1 : 0, p.takenAt ?? '', p.path] as const;
    for (let i = 1; i < paged.length; i++) {
      const [a, b] = [key(paged[i - 1]!), key(paged[i]!)];
      expect(a[0] < b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] < b[2])))).toBe(true);
    }
    expect(paged[0]!.takenAt).not.toBeNull();
    expect(paged.at(-1)!.takenAt).toBeNull();
    // Each photo opens on the person's best face in it: the first of people.faceIds in that photo.
    const faceIds = (await host.handle('people.faceIds', { id: 1 })) as number[];
    const photoOf = new Map(faces.map((f) => [f.id, f.photoId]));
    const best = new Map<number, number>();
    for (const f of faceIds) if (!best.has(photoOf.get(f)!)) best.set(photoOf.get(f)!, f);
    for (const p of paged) expect(p.faceId).toBe(best.get(p.id));
    expect(await host.handle('people.photoIds', { id: 999_999 })).toEqual([]);
    expect(await host.handle('people.photos', { id: 999_999, limit: 10 })).toEqual([]);
  });
});
