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
import type { FaceInfo, PersonSummary } from '../../app/contract/contract';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import type { EngineHost } from '../../app/server/engine-host';
import { hostWithoutEngine } from '../helpers/engine-host';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const dirs: string[] = [];
const hosts: EngineHost[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('people.faceIds in the engine host', () => {
  it("answers every face id of a person in people.faces' order, pages included", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-host-faceids-'));
    dirs.push(dir);
    const file = path.join(dir, 'visage.db');
    const store = Store.open(file);
    writeSyntheticFaces(store.db, 800, 7);
    new PeopleService(store.db).update();
    store.close();
    const host = hostWithoutEngine(file);
    hosts.push(host);

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
