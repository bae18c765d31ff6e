import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fnv1a32, hashSplit, parseLfwFolds, treeParts } from '../../app/eval/cluster-parts';

describe('the tuning / reporting split', () => {
  it('hashes names with 32-bit FNV-1a', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('tunes on floor(n/2) identities chosen by the hash, whatever the order they come in', () => {
    const ids = ['anna', 'ben', 'carla', 'dev', 'eli'];
    const a = hashSplit(ids);
    const b = hashSplit([...ids].reverse());
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect([...a.values()].filter((p) => p === 'tune')).toHaveLength(2);
    expect([...a.values()].filter((p) => p === 'report')).toHaveLength(3);
    // the two with the lowest hash tune
    const byHash = [...ids].sort((x, y) => fnv1a32(x) - fnv1a32(y));
    expect(a.get(byHash[0]!)).toBe('tune');
    expect(a.get(byHash[1]!)).toBe('tune');
    expect(a.get(byHash[2]!)).toBe('report');
  });

  it('reads LFW folds and splits an LFW tree by them (1-3 tune, 4-5 report)', () => {
    const text = '5\n1\nA\t2\n1\nB\t1\n1\nC\t1\n2\nD\t1\nE\t3\n0\n';
    expect([...parseLfwFolds(text).entries()]).toEqual([['A', 1], ['B', 2], ['C', 3], ['D', 4], ['E', 4]]);
    const root = mkdtempSync(join(tmpdir(), 'parts-'));
    try {
      writeFileSync(join(root, 'people.txt'), text);
      for (const n of ['A', 'B', 'C', 'D', 'E']) mkdirSync(join(root, 'images', n), { recursive: true });
      const { parts, rule } = treeParts(join(root, 'images'));
      expect(rule).toMatch(/lfw/);
      expect(Object.fromEntries(parts)).toEqual({ A: 'tune', B: 'tune', C: 'tune', D: 'report', E: 'report' });
      // without people.txt beside it: the hash split
      mkdirSync(join(root, 'sets', 'other', 'x'), { recursive: true });
      mkdirSync(join(root, 'sets', 'other', 'y'), { recursive: true });
      const other = treeParts(join(root, 'sets', 'other'));
      expect(other.rule).toMatch(/fnv1a32/);
      expect([...other.parts.values()].sort()).toEqual(['report', 'tune']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
