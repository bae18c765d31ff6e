import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, LFW, ROOT } from '../helpers/paths';

/**
 * onnxruntime-node 1.30's telemetry client matched /proc/self/cmdline with a recursive std::regex:
 * a command line over ~32 KB (main thread) or ~16 KB (a worker thread's 4 MB stack) killed the
 * process with SIGSEGV when the first inference session was created (see app/faces/onnx-session.ts).
 * Before the fix, the detect case below exited 139 and the scan case 139 too.
 */
const NAME = 'p'.repeat(110);
let dir: string;
let images: string[];
let folders: string[];

/** The child's environment without the switch this process may already carry (importing onnx-session sets it). */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.ORT_DISABLE_TELEMETRY;
  return env;
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: childEnv(), timeout: 170_000, maxBuffer: 64 << 20 });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'visage-argv-'));
  const blank = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#808080' } }).png().toBuffer();
  images = [];
  for (let i = 0; i < 499; i++) {
    const f = join(dir, `${NAME}_${String(i).padStart(3, '0')}.png`);
    writeFileSync(f, blank);
    images.push(f);
  }
  const face = join(dir, `${NAME}_face.jpg`);
  copyFileSync(join(LFW, 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg'), face);
  images.push(face);
  folders = [];
  for (let i = 0; i < 200; i++) {
    const d = join(dir, 'folders', `${NAME}_${i}`);
    mkdirSync(d, { recursive: true });
    folders.push(d);
  }
  copyFileSync(join(LFW, 'images', 'AJ_Cook', 'AJ_Cook_0001.jpg'), join(folders[0]!, 'a.jpg'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a long command line', () => {
  it('visage detect over 500 paths (> 32 KB of arguments) exits 0 and reports every file', () => {
    expect(images.length).toBe(500);
    expect(images.join(' ').length).toBeGreaterThan(48 * 1024);
    const r = run(['detect', '--json', '--provider', 'cpu', ...images]);
    expect({ code: r.code, signal: r.signal }, r.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.results).toHaveLength(500);
    expect(out.results.filter((x: { faces?: unknown[] }) => x.faces?.length === 1).map((x: { file: string }) => x.file)).toEqual([images[499]]);
  });

  it('visage scan over 200 folders (> 16 KB of arguments, sessions in worker threads) exits 0 and indexes the face', () => {
    expect(folders.join(' ').length).toBeGreaterThan(20 * 1024);
    const db = join(dir, 'lib.db');
    const r = run(['scan', '--db', db, '--no-thumbnails', '--json', ...folders]);
    expect({ code: r.code, signal: r.signal }, r.stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect({ indexed: summary.indexed, faces: summary.faces, errors: summary.errors }).toEqual({ indexed: 1, faces: 1, errors: 0 });
  });
});
