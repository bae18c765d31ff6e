/**
 * The command line honours the library's clustering strictness (`<db>.settings.json`, as the app
 * writes it): `visage recluster` on a library set to 'strict' clusters with the strict thresholds,
 * exactly as a PeopleService built with that strictness does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { settingsFileFor, writeSettings } from '../../app/engine/settings-file';
import { projectionSync } from '../../app/learning/projection';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { runCli } from '../helpers/cli';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const dir = mkdtempSync(join(tmpdir(), 'visage-cli-strictness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function library(name: string): string {
  const file = join(dir, `${name}.db`);
  const store = Store.open(file);
  writeSyntheticFaces(store.db, 600, 5);
  store.close();
  return file;
}

function assignments(file: string): unknown[] {
  const store = Store.open(file);
  try {
    return store.db.prepare('SELECT face_id, person_id, source FROM face_assignments ORDER BY face_id').all();
  } finally {
    store.close();
  }
}

describe('visage recluster and the library strictness', () => {
  it("clusters a library set to 'strict' with the strict thresholds", () => {
    const strict = library('strict');
    writeSettings(settingsFileFor(strict), { folders: [], strictness: 'strict' });
    const normal = library('normal');
    writeFileSync(settingsFileFor(normal), '{"folders": [], "strictness": "normal"}\n');
    // what the strict thresholds give, in process
    const ref = library('ref');
    const store = Store.open(ref);
    const svc = new PeopleService(store.db, { strictness: 'strict', projections: projectionSync });
    const plain = new PeopleService(store.db, { projections: projectionSync });
    expect(svc.thresholds.cluster).toBeGreaterThan(plain.thresholds.cluster);
    const expected = svc.recluster();
    store.close();

    const s = runCli(['recluster', '--db', strict, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const n = runCli(['recluster', '--db', normal, '--json']);
    expect(n.code, n.stderr).toBe(0);
    expect({ ...s.lastJson(), seconds: 0 }).toEqual({ ...expected, seconds: 0 });
    expect(assignments(strict)).toEqual(assignments(ref));
    // and the strictness matters on this library: 'normal' clusters it differently
    expect(assignments(normal)).not.toEqual(assignments(strict));
  }, 120_000);
});
