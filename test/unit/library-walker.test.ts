/** The folder walker: what it yields, what it skips, what it reports, and that it always ends. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { walk, type WalkProblem } from '../../app/library/walker';

async function collect(roots: string[]) {
  const files: string[] = [];
  const problems: WalkProblem[] = [];
  for await (const e of walk(roots, { onProblem: (p) => problems.push(p) })) files.push(e.path);
  return { files, problems };
}

describe('walker', () => {
  it('yields photo files in sorted depth-first order and skips hidden/system folders', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-walk-'));
    const touch = (rel: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), 'x');
    };
    for (const f of ['b.jpg', 'a.PNG', 'z/c.heic', 'y/d.webp', 'y/e.txt', '.hidden/f.jpg', '.g.jpg', '@eaDir/h.jpg', '$RECYCLE.BIN/i.jpg', 'node_modules/j.jpg', 'lost+found/k.jpg', 'y/deeper/l.tif'])
      touch(f);
    const { files, problems } = await collect([root]);
    expect(files.map((f) => path.relative(root, f))).toEqual(['a.PNG', 'b.jpg', 'y/d.webp', 'y/deeper/l.tif', 'z/c.heic']);
    expect(problems).toEqual([]);
  });

  it('ends on symlink loops, enters a folder once, and reports dangling links and FIFOs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-walk-'));
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'p.jpg'), 'x');
    fs.symlinkSync(root, path.join(root, 'a', 'b', 'to-root'));
    fs.symlinkSync(path.join(root, 'a'), path.join(root, 'alias-of-a')); // same folder twice
    fs.symlinkSync(path.join(root, 'gone.jpg'), path.join(root, 'dangling.jpg'));
    fs.symlinkSync(path.join(root, 'gone.txt'), path.join(root, 'dangling.txt')); // not a photo name: silent
    fs.symlinkSync(path.join(root, 'l1.jpg'), path.join(root, 'l2.jpg'));
    fs.symlinkSync(path.join(root, 'l2.jpg'), path.join(root, 'l1.jpg'));
    execFileSync('mkfifo', [path.join(root, 'pipe.jpg')]);
    const { files, problems } = await collect([root]);
    // "a" sorts before "alias-of-a": the real folder wins, the alias is the duplicate skipped.
    expect(files.map((f) => path.relative(root, f))).toEqual(['a/b/p.jpg']);
    const byPath = Object.fromEntries(problems.map((p) => [path.relative(root, p.path), p.code]));
    expect(byPath).toEqual({
      'a/b/to-root': 'symlink-loop',
      'dangling.jpg': 'dangling-symlink',
      'l1.jpg': 'symlink-loop',
      'l2.jpg': 'symlink-loop',
      'pipe.jpg': 'not-a-file',
    });
  });

  it('reports a missing root and goes on with the others', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'visage-walk-'));
    fs.writeFileSync(path.join(root, 'a.jpg'), 'x');
    const { files, problems } = await collect([path.join(root, 'missing'), root]);
    expect(files).toEqual([path.join(root, 'a.jpg')]);
    expect(problems.map((p) => p.code)).toEqual(['unreadable-dir']);
  });
});
