/**
 * The photo view says when a photo's file is not there (engine method people.photo, `file`):
 * 'offline' when its library folder is unplugged (gone, or an empty mount point), 'missing' when the
 * folder is there but the file is not; the photo, its faces and names stay in the library either
 * way, and it is 'here' again when the folder comes back. Real photos scanned by the real CLI,
 * then the engine (in process) over the library.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InProcessEngine } from '../../app/engine/client';
import type { PersonSummary, PhotoInfo } from '../../app/contract/contract';
import { assertBuilt, johnImages, makeLibrary, runCli, tempDir } from './scan-helpers';

let engine: InProcessEngine | null = null;
afterAll(() => engine?.close());

describe('a photo whose file is not there', () => {
  it("is 'offline' when its folder is unplugged, 'missing' when only the file is gone, and kept either way", async () => {
    assertBuilt();
    const lib = makeLibrary(johnImages(3));
    const db = path.join(tempDir('filestate'), 'visage.db');
    expect(runCli(['scan', lib, '--db', db, '--no-thumbnails']).code).toBe(0);
    engine = new InProcessEngine({ dbPath: db });
    const people = (await engine.call('people.list')) as PersonSummary[];
    expect(people.length).toBeGreaterThan(0);
    const photoIds = (await engine.call('people.photoIds', { id: people[0]!.id })) as number[];
    const photo = () => engine!.call('people.photo', { id: photoIds[0]! }) as Promise<PhotoInfo>;
    const first = await photo();
    expect(first.file).toBe('here');
    // Unplugged: the folder is gone.
    const away = `${lib}-away`;
    fs.renameSync(lib, away);
    const off = await photo();
    expect(off.file).toBe('offline');
    expect(off.faces.map((f) => f.id)).toEqual(first.faces.map((f) => f.id));
    // An unplugged drive's empty mount point counts as offline too.
    fs.mkdirSync(lib);
    expect((await photo()).file).toBe('offline');
    fs.rmdirSync(lib);
    // Back: here again.
    fs.renameSync(away, lib);
    expect((await photo()).file).toBe('here');
    // The folder is there, the file is not: missing.
    const moved = path.join(path.dirname(lib), 'moved.jpg');
    fs.renameSync(first.path, moved);
    expect((await photo()).file).toBe('missing');
    fs.renameSync(moved, first.path);
  }, 120_000);
});
