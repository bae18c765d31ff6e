/** writeFileAtomic (app/platform/atomic-file.ts): whole files only, and a killed writer's litter removed. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleTempFiles, TEMP_SUFFIX, writeFileAtomic } from '../../app/platform/atomic-file';

/** A pid that surely is not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('writeFileAtomic', () => {
  it('replaces the file, keeps the given mode and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    const f = path.join(dir, 'a.xmp');
    fs.writeFileSync(f, 'old');
    writeFileAtomic(f, 'new text', { mode: 0o640 });
    expect(fs.readFileSync(f, 'utf8')).toBe('new text');
    expect(fs.statSync(f).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['a.xmp']);
  });

  it("removes the temporary files a killed writer left for the same file, and only those", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    const f = path.join(dir, 'photo.jpg.xmp');
    const dead = `.photo.jpg.xmp.${deadPid()}.0a1b2c3d${TEMP_SUFFIX}`;
    const live = `.photo.jpg.xmp.${process.ppid}.0a1b2c3d${TEMP_SUFFIX}`; // a running writer's
    const other = `.other.jpg.xmp.${deadPid()}.0a1b2c3d${TEMP_SUFFIX}`; // another file's
    for (const n of [dead, live, other]) fs.writeFileSync(path.join(dir, n), 'half');
    expect(staleTempFiles(f)).toEqual([path.join(dir, dead)]);
    writeFileAtomic(f, 'whole');
    expect(fs.readdirSync(dir).sort()).toEqual([live, other, 'photo.jpg.xmp'].sort());
  });

  it('throws and leaves no temporary file when the rename fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    // A folder where the file should be: the rename fails (EISDIR); the folder stays as it was.
    const g = path.join(dir, 'sub');
    fs.mkdirSync(g);
    expect(() => writeFileAtomic(g, 'new')).toThrow();
    expect(fs.readdirSync(dir)).toEqual(['sub']);
    expect(fs.statSync(g).isDirectory()).toBe(true);
  });
});
