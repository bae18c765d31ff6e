/**
 * kill -9 at any moment, then the same command again, ends with exactly the database a clean run
 * gives: a real child process (`node bin/visage.js scan`) is SIGKILLed mid-scan, twice, and rerun.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, countRows, dumpLibrary, groupImages, johnImages, lastJson, makeLibrary, runCli, spawnCli, tempDir } from './scan-helpers';

const GROUP_FILES = [
  'dlib__2008_001009.jpg',
  'dlib__2008_001322.jpg',
  'dlib__2008_002079.jpg',
  'face_recognition__two_people.jpg',
  'faceapijs__bbt1.jpg',
  'faceapijs__bbt2.jpg',
  'human__group-3.jpg',
  'deepface__couple.jpg',
  'npm-vladmandic-face-api__sample2.jpg',
  'npm-vladmandic-face-api__sample6.jpg',
];

async function killWhen(args: string[], db: string, photosAtLeast: number): Promise<{ killedAt: number; exited: boolean }> {
  const child = spawnCli(args);
  let exited = false;
  const done = new Promise<void>((r) => child.on('exit', () => ((exited = true), r())));
  const deadline = Date.now() + 60_000;
  let killedAt = -1;
  while (!exited && Date.now() < deadline) {
    const n = countRows(db, 'photos');
    if (n >= photosAtLeast) {
      child.kill('SIGKILL');
      killedAt = n;
      break;
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  await done;
  return { killedAt, exited: killedAt < 0 };
}

describe('scan: kill -9 and resume', () => {
  let lib: string;
  beforeAll(() => {
    assertBuilt();
    lib = makeLibrary([...groupImages(GROUP_FILES), ...johnImages(8)]);
    // A bad file and a subfolder, so errors and nesting are part of the comparison.
    fs.writeFileSync(path.join(lib, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]));
    fs.mkdirSync(path.join(lib, 'sub'));
    fs.copyFileSync(johnImages(9)[8]!, path.join(lib, 'sub', 'nested.jpg'));
  });

  it('ends with the same photos, faces and errors as a clean run', async () => {
    const work = tempDir('kill');
    const clean = path.join(work, 'clean.db');
    const killed = path.join(work, 'killed.db');
    const args = (db: string) => ['scan', lib, '--db', db, '--json', '--concurrency', '1'];

    const c = runCli(args(clean));
    expect(c.code, c.stderr).toBe(0);
    const cleanSummary = lastJson<{ indexed: number; errors: number }>(c.stdout);
    expect(cleanSummary.indexed).toBe(GROUP_FILES.length + 8 + 1);
    expect(cleanSummary.errors).toBe(1);

    const first = await killWhen(args(killed), killed, 3);
    expect(first.exited, 'the scan finished before it could be killed').toBe(false);
    const afterFirst = dumpLibrary(killed);
    expect(afterFirst.photos.length).toBeGreaterThanOrEqual(3);
    expect(afterFirst.photos.length).toBeLessThan(cleanSummary.indexed);
    expect(afterFirst.openScans).toBe(1);
    expect(afterFirst.pendingJobs).toBeGreaterThan(0);

    // Killed again, later: the second run resumes the same scan (no new walk needed).
    const second = await killWhen(args(killed), killed, afterFirst.photos.length + 3);
    expect(second.exited).toBe(false);

    const r = runCli(args(killed));
    expect(r.code, r.stderr).toBe(0);
    const resumed = lastJson<{ resumed: boolean; indexed: number; unchanged: number }>(r.stdout);
    expect(resumed.resumed).toBe(true);
    expect(resumed.unchanged).toBe(0); // jobs done before the kills are not redone

    const a = dumpLibrary(clean);
    const b = dumpLibrary(killed);
    expect(b.photos).toEqual(a.photos);
    expect(b.faces.length).toBe(a.faces.length);
    expect(b.faces).toEqual(a.faces);
    expect(b.errors).toEqual(a.errors);
    expect(b.pendingJobs).toBe(0);
    expect(b.openScans).toBe(0);
    // No duplicates: one row per path, and per (photo, box).
    expect(new Set(b.photos.map((p) => (p as { path: string }).path)).size).toBe(b.photos.length);
  });
});
