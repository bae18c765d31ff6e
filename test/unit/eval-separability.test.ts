import { describe, expect, it } from 'vitest';
import { separability } from '../../app/eval/separability';

/** An int8 vector pointing mostly along axis `a`, tilted towards axis `b` by `t` (0..1). */
function vec(a: number, b = a, t = 0): Int8Array {
  const v = new Int8Array(128);
  v[a] = Math.round(100 * (1 - t));
  v[b]! += Math.round(100 * t); // a and b are axes 0..127 in every call below
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

  it('scores by the mean over a person\'s faces with score: album', () => {
    // Anna's missing face 11 (tilted 0.4 off her axis) is equally far from both of her faces; the
    // stranger 21 is near one of Anna's faces only, so under the mean it falls below face 11.
    const vectors2 = new Map<number, Int8Array>([
      [1, vec(0, 2, 0.3)], [2, vec(0, 3, 0.3)], [3, vec(1)], [4, vec(1, 6, 0.05)],
      [11, vec(0, 7, 0.2)],
      [21, vec(2, 0, 0.6)],
    ]);
    const base = {
      vector: (id: number) => vectors2.get(id)!,
      gallery: new Map([['Anna', [1, 2]], ['Bob', [3, 4]]]),
      queries: [{ faceId: 11, identity: 'Anna' }, { faceId: 21, identity: null }],
      budgets: [1],
      margin: 0.01,
    };
    // nearest: the stranger is nearer one of Anna's faces than face 11 is to any: the bar it sets leaves 11 out
    expect(separability(base)[0]!.right).toBe(0);
    // album: face 11 is nearer Anna as a whole than the stranger
    expect(separability({ ...base, score: 'album' })[0]!.right).toBe(1);
  });

  it('leaves out budgets larger than the number of strangers', () => {
    expect(run([1, 5]).map((p) => p.strangers)).toEqual([1]);
  });
});
