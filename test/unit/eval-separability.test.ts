import { describe, expect, it } from 'vitest';
import { separability } from '../../app/eval/separability';

/** An int8 vector pointing mostly along axis `a`, tilted towards axis `b` by `t` (0..1). */
function vec(a: number, b = a, t = 0): Int8Array {
  const v = new Int8Array(128);
  v[a] = Math.round(100 * (1 - t));
  v[b] += Math.round(100 * t);
  return v;
}

describe('separability (missing faces vs strangers)', () => {
  const vectors = new Map<number, Int8Array>([
    // gallery: Anna along axis 0, Bob along axis 1
    [1, vec(0)], [2, vec(0, 5, 0.05)], [3, vec(1)], [4, vec(1, 6, 0.05)],
    // Anna's missing faces: close, then farther
    [10, vec(0, 7, 0.1)], [11, vec(0, 7, 0.4)],
    // strangers: one fairly close to Bob, one far from everyone
    [20, vec(1, 8, 0.3)], [21, vec(9, 0, 0.2)],
    // a missing Bob face nearer Anna (goes to the wrong person)
    [30, vec(0, 1, 0.25)],
  ]);
  const run = (budgets: number[]) =>
    separability({
      vector: (id) => vectors.get(id)!,
      gallery: new Map([['Anna', [1, 2]], ['Bob', [3, 4]]]),
      queries: [
        { faceId: 10, identity: 'Anna' }, { faceId: 11, identity: 'Anna' }, { faceId: 30, identity: 'Bob' },
        { faceId: 20, identity: null }, { faceId: 21, identity: null },
      ],
      budgets,
      margin: 0.01,
    });

  it('counts the missing faces let in with each budget of strangers, right and wrong', () => {
    const [one, two] = run([1, 2]);
    // One stranger (20, cosine ~0.92 to Bob) sets the bar: face 10 and Bob's face 30 (nearer Anna) pass.
    expect(one!.strangers).toBe(1);
    expect(one!.right).toBe(1);
    expect(one!.wrong).toBe(1);
    // The far stranger (21, cosine ~0.24 to Anna) lowers the bar to everything.
    expect(two!.right).toBe(2);
    expect(two!.wrong).toBe(1);
    expect(two!.threshold).toBeLessThan(one!.threshold);
  });

  it('leaves out budgets larger than the number of strangers', () => {
    expect(run([1, 5]).map((p) => p.strangers)).toEqual([1]);
  });
});
