/**
 * Re-scans are incremental: unchanged files (same size and mtime) are skipped without reading,
 * touched files are recognised by hash, changed files are re-analysed (their faces replaced), new
 * files are added. Thumbnails that went missing come back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThumbnailCache } from '../../app/library/thumbnails';
import { Store } from '../../app/store/store';
import { assertBuilt, dumpLibrary, groupImages, johnImages, lastJson, makeLibrary, runCli, tempDir } from './scan-helpers';

interface Summary {
  found: number;
  indexed: number;
  unchanged: number;
  moved: number;
  removed: number;
  faces: number;
  totals: { photos: number; faces: number };
}

describe('scan: incremental re-scan', () => {
  let lib: string;
  let db: string;
  const scan = (...extra: string[]) => {
    const r = runCli(['scan', lib, '--db', db, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return lastJson<Summary>(r.stdout);
  };

  beforeAll(() => {
    assertBuilt();
    lib = makeLibrary(johnImages(6));
    db = path.join(tempDir('incr-db'), 'v.db');
  });
  afterAll(() => fs.rmSync(lib, { recursive: true, force: true }));

  it('skips what did not change and redoes only what did', async () => {
    const first = scan();
    expect(first).toMatchObject({ found: 6, indexed: 6, unchanged: 0 });
    const snapshot = dumpLibrary(db);

    const again = scan();
    expect(again).toMatchObject({ found: 6, indexed: 0, unchanged: 6, faces: 0 });
    expect(dumpLibrary(db)).toEqual(snapshot);

    // Same bytes, new mtime: recognised by hash, not re-analysed; the new mtime is remembered.
    const files = fs.readdirSync(lib).sort();
    const touched = path.join(lib, files[0]!);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(touched, later, later);
    const t = scan();
    expect(t).toMatchObject({ indexed: 0, unchanged: 6 });
    let store = Store.open(db);
    expect(store.photos.byPath(touched)!.mtime_ms).toBe(Math.floor(fs.statSync(touched).mtimeMs));
    const oldFaceIds = store.faces.byPhoto(store.photos.byPath(path.join(lib, files[1]!))!.id).map((f) => f.id);
    store.close();

    // New content under an existing name: re-analysed, faces replaced (two people now).
    const changed = path.join(lib, files[1]!);
    fs.copyFileSync(groupImages(['face_recognition__two_people.jpg'])[0]!, changed);
    // A new file.
    fs.copyFileSync(johnImages(7)[6]!, path.join(lib, 'new.jpg'));
    const c = scan();
    expect(c).toMatchObject({ found: 7, indexed: 2, unchanged: 5, removed: 0 });
    store = Store.open(db);
    const row = store.photos.byPath(changed)!;
    expect(row.width).toBeGreaterThan(150);
    const newFaces = store.faces.byPhoto(row.id);
    expect(newFaces.length).toBeGreaterThanOrEqual(2);
    expect(newFaces.some((f) => oldFaceIds.includes(f.id))).toBe(false);
    expect(store.photos.count()).toBe(7);

    // Thumbnails are regenerated when missing.
    const thumbs = new ThumbnailCache(path.join(path.dirname(db), 'v.thumbs'));
    const file = thumbs.photoPath(row.hash);
    expect(fs.existsSync(file)).toBe(true);
    fs.rmSync(file);
    const faceFile = thumbs.facePath(row.hash, 1);
    fs.rmSync(faceFile);
    expect(await thumbs.ensurePhoto(store, row.id)).toBe(file);
    expect(fs.statSync(file).size).toBeGreaterThan(500);
    expect(await thumbs.ensureFace(store, newFaces[1]!.id)).toBe(faceFile);
    expect(fs.existsSync(faceFile)).toBe(true);
    store.close();
  });
});
