/**
 * "Re-group everyone" (people.recluster) in the engine host: the re-cluster computes in a worker
 * thread, so the host keeps answering requests meanwhile; scans, training, roll backs and another
 * re-cluster wait (busy); a correction made meanwhile is allowed and kept. Real SQLite file,
 * synthetic faces, the compiled worker from dist/ (npm test's pretest).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName } from '../../app/contract/contract';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import type { EngineHost } from '../../app/engine/host';
import { hostWithoutEngine } from '../helpers/engine-host';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const MODEL = 'dlib-resnet-v1';
const dirs: string[] = [];
const hosts: EngineHost[] = [];

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function library(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-host-recluster-'));
  dirs.push(dir);
  const file = path.join(dir, 'visage.db');
  const store = Store.open(file);
  const db = store.db;
  writeSyntheticFaces(db, n, 4, MODEL);
  new PeopleService(db).update();
  store.close();
  return file;
}

describe('people.recluster in the engine host', () => {
  it('answers other requests while the worker computes, refuses scans, training and another re-cluster, keeps a correction made meanwhile', async () => {
    const file = library(1500);
    const host = hostWithoutEngine(file);
    hosts.push(host);
    const events: { event: EventName; data: unknown }[] = [];
    host.on('event', (event: EventName, data: unknown) => events.push({ event, data }));

    const list = (await host.handle('people.list', {})) as { id: number; faceCount: number }[];
    const face = ((await host.handle('people.faces', { id: list.at(-1)!.id })) as { id: number }[])[0]!.id;
    const reply = host.handle('people.recluster', undefined) as Promise<{ people: number; assigned: number }>;
    let done = false;
    void reply.then(() => (done = true));
    // Answered while the re-cluster runs.
    expect(Array.isArray(await host.handle('people.list', {}))).toBe(true);
    for (const [method, params] of [['people.recluster'], ['scan.start'], ['learning.start'], ['learning.rollback', { headId: 'base' }], ['settings.set', { strictness: 'strict' }]] as const) {
      await expect(host.handle(method, params), method).rejects.toMatchObject({ code: 'busy', message: expect.stringMatching(/wait for the re-cluster to finish/) });
    }
    await host.handle('people.correct', { kind: 'move', personId: list[0]!.id, faceIds: [face] });
    expect(done).toBe(false);
    const r = await reply;
    expect(r.people).toBeGreaterThan(10);
    expect(events.filter((e) => e.event === 'people.changed').map((e) => e.data)).toEqual([{ reason: 'correct:move' }, { reason: 'recluster' }]);
    // The correction survived the re-cluster that was computing while it was made.
    const moved = (await host.handle('people.face', { id: face })) as { personId: number; source: string };
    expect(moved).toMatchObject({ personId: list[0]!.id, source: 'user' });
    // Idle again: the next re-cluster starts.
    expect(await host.handle('people.recluster', undefined)).toMatchObject({ assigned: expect.any(Number) });
  });
});
