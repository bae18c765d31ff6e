/**
 * A model switch whose re-group never ran (the app closed or crashed between `switchTo` and the
 * re-cluster) is finished when the engine next opens the library: everyone is re-grouped on the
 * new model's vectors, the marker (settings people.regroupPending) is cleared in the same commit,
 * and the user's named person keeps its name and faces. Real photos (dlib-johns), real models,
 * a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersonSummary } from '../../app/contract/contract';
import { FacePipeline } from '../../app/faces/pipeline';
import { reembedLibrary } from '../../app/library/reembed';
import { libraryModel, regroupPending } from '../../app/store/settings';
import { Store } from '../../app/store/store';
import { engineWithoutAnalyzer } from '../helpers/engine-host';
import { scanJohnsAndName } from '../helpers/johns-library';

const dir = mkdtempSync(join(tmpdir(), 'visage-regroup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a model switch interrupted before its re-group', () => {
  it('is re-grouped when the engine opens the library next; the named person keeps its faces', async () => {
    const db = join(dir, 'visage.db');
    const store = Store.open(db);
    let named: number[];
    try {
      const { svc, personId } = await scanJohnsAndName(store, dir);
      named = svc.personFaces(personId).map((f) => f.id).sort((a, b) => a - b);
      // The switch to the other family, and then "the app closes": no re-cluster.
      const target = libraryModel(store.db) === 'dlib-resnet-v1' ? 'mobilefacenet-192' : 'dlib-resnet-v1';
      const engine = await FacePipeline.create({ embedder: target, provider: 'cpu', threads: 1 });
      await reembedLibrary(store, engine);
      await engine.close();
      expect(libraryModel(store.db)).toBe(target);
      expect(regroupPending(store.db)).toBe(true);
    } finally {
      store.close();
    }

    const events: { event: string; data: unknown }[] = [];
    const engine = engineWithoutAnalyzer(db);
    try {
      engine.onEvent((event, data) => events.push({ event, data }));
      expect(await engine.host.openClusterSettled()).toBe(true);
      expect(events).toContainEqual({ event: 'people.changed', data: { reason: 'open' } });
      const people = (await engine.call('people.list')) as PersonSummary[];
      const kept = people.find((p) => p.name === 'Kept')!;
      expect(kept).toBeTruthy();
      const faces = ((await engine.call('people.faces', { id: kept.id })) as { id: number }[]).map((f) => f.id).sort((a, b) => a - b);
      expect(faces).toEqual(expect.arrayContaining(named));
    } finally {
      await engine.close();
    }
    const after = Store.open(db);
    try {
      expect(regroupPending(after.db)).toBe(false);
    } finally {
      after.close();
    }
    // Opened again: nothing left to do.
    const again = engineWithoutAnalyzer(db);
    try {
      expect(await again.host.openClusterSettled()).toBe(false);
    } finally {
      await again.close();
    }
  }, 300_000);
});
