/** The library CLI's contract: exit codes, usage errors, JSON shapes. */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, johnImages, lastJson, makeLibrary, runCli, tempDir } from './scan-helpers';
import { DEFAULT_EMBEDDER } from '../../app/faces/models/registry';

describe('visage scan / photos / faces / errors', () => {
  let lib: string;
  let db: string;
  beforeAll(() => {
    assertBuilt();
    lib = makeLibrary(johnImages(2));
    db = path.join(tempDir('cli-db'), 'lib.db');
  });

  it('rejects unknown flags, missing folders and missing databases with exit 2', () => {
    for (const args of [
      ['scan', lib, '--db', db, '--frobnicate'],
      ['scan', path.join(lib, 'no-such-folder'), '--db', db],
      ['scan', '--db', db],
      ['scan', lib, '--db', db, '--concurrency', 'many'],
      ['photos', '--db', path.join(lib, 'missing.db'), '--json'],
      ['faces', '--db', db, '--encoding', 'rot13'],
      ['errors', '--db', path.join(lib, 'missing.db')],
    ]) {
      const r = runCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/visage (scan|photos|faces|errors): .+/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(fs.existsSync(path.join(lib, 'missing.db'))).toBe(false);
  });

  it('scans, then lists photos and faces as JSON', () => {
    const s = runCli(['scan', lib, '--db', db, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const summary = lastJson<{ indexed: number; faces: number; totals: { photos: number } }>(s.stdout);
    expect(summary.indexed).toBe(2);
    expect(s.stderr).toContain('"progress"');

    const p = runCli(['photos', '--db', db, '--json']);
    expect(p.code).toBe(0);
    const photos = JSON.parse(p.stdout) as { count: number; photos: { path: string; width: number; hash: string; faces: number }[] };
    expect(photos.count).toBe(2);
    expect(photos.photos[0]).toMatchObject({ width: 150, height: 150, faces: 1 });
    expect(photos.photos[0]!.hash).toMatch(/^[0-9a-f]{40}$/);

    for (const enc of ['base64', 'hex'] as const) {
      const f = runCli(['faces', '--db', db, '--json', '--encoding', enc]);
      expect(f.code).toBe(0);
      const faces = JSON.parse(f.stdout) as { count: number; faces: { embedding: string; landmarks: unknown[]; modelId: string }[] };
      expect(faces.count).toBe(summary.faces);
      expect(Buffer.from(faces.faces[0]!.embedding, enc).length).toBe(128);
      expect(faces.faces[0]!.landmarks.length).toBe(68);
      expect(faces.faces[0]!.modelId).toBe(DEFAULT_EMBEDDER);
    }
    const e = runCli(['errors', '--db', db, '--json']);
    expect(JSON.parse(e.stdout)).toEqual({ count: 0, errors: [] });

    // status says which provider the scan ran on and how fast (issue 19 item 5)
    const st = runCli(['status', '--db', db, '--json']);
    const last = (JSON.parse(st.stdout) as { library: { lastScan: Record<string, unknown> | null } }).library.lastScan;
    expect(last).toMatchObject({ photos: 2, faces: summary.faces, provider: 'cpu', embedder: DEFAULT_EMBEDDER });
    expect(last!.workers as number).toBeGreaterThanOrEqual(1);
    expect(last!.photosPerSecond as number).toBeGreaterThan(0);
    expect(runCli(['status', '--db', db]).stdout).toMatch(/last scan: 2 photo\(s\), \d+ face\(s\) in [\d.]+ s: [\d.]+ photos\/s on cpu \(\d+ engines?, /);
  });
});
