import { describe, expect, it } from 'vitest';
import { AutoIndex, BruteForceIndex, HnswIndex, loadHnsw } from '../../app/people/ann';
import { synthesize } from '../../app/people/synthetic';
import { DIM, cosine, dot, packMatrix, row, rowNorms, scoreAll, topK } from '../../app/people/vector';

function randomInt8(r: () => number): Int8Array {
  const v = new Int8Array(DIM);
  for (let i = 0; i < DIM; i++) v[i] = Math.round(r() * 254 - 127);
  return v;
}

describe('int8 vector maths', () => {
  it('dot and cosine equal the naive float computation', () => {
    let s = 1;
    const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 20; t++) {
      const a = randomInt8(r), b = randomInt8(r);
      let d = 0, na = 0, nb = 0;
      for (let i = 0; i < DIM; i++) {
        d += a[i]! * b[i]!;
        na += a[i]! ** 2;
        nb += b[i]! ** 2;
      }
      expect(dot(a, b)).toBe(d);
      expect(cosine(a, b)).toBeCloseTo(d / Math.sqrt(na * nb), 12);
    }
    const a = randomInt8(r);
    expect(cosine(a, a)).toBeCloseTo(1, 12);
    expect(cosine(a, new Int8Array(DIM))).toBe(0);
    const neg = a.map((x) => -x);
    expect(cosine(a, neg)).toBeCloseTo(-1, 12);
  });

  it('scores a packed matrix and picks the top k', () => {
    const set = synthesize({ faces: 300, seed: 5 });
    const rows = Array.from({ length: set.n }, (_, i) => row(set.embeddings, i).slice());
    const m = packMatrix(rows);
    const norms = rowNorms(m);
    const q = rows[17]!;
    const scores = scoreAll(q, m, norms);
    for (let i = 0; i < set.n; i += 37) expect(scores[i]).toBeCloseTo(cosine(q, rows[i]!), 6);
    const top = topK(scores, 5);
    expect(top[0]!.index).toBe(17);
    expect(top.map((t) => t.score)).toEqual([...top.map((t) => t.score)].sort((a, b) => b - a));
    const sorted = [...scores].sort((a, b) => b - a);
    expect(top[4]!.score).toBeCloseTo(sorted[4]!, 6);
  });
});

describe('kNN indexes', () => {
  const set = synthesize({ faces: 3000, seed: 11 });
  const vec = (i: number) => set.embeddings.subarray(i * DIM, (i + 1) * DIM);

  it('brute force is exact and supports remove/replace', () => {
    const b = new BruteForceIndex(4);
    for (let i = 0; i < 200; i++) b.add(i, vec(i));
    expect(b.size).toBe(200);
    const res = b.search(vec(3), 3);
    expect(res[0]).toEqual({ label: 3, score: expect.closeTo(1, 9) });
    b.remove(3);
    expect(b.has(3)).toBe(false);
    expect(b.search(vec(3), 3).some((n) => n.label === 3)).toBe(false);
    b.add(50, vec(3)); // replace label 50's vector
    expect(b.search(vec(3), 1)[0]!.label).toBe(50);
    expect(b.search(vec(3), 10, 2)).toEqual([]); // minScore above any cosine
    expect(b.search(vec(4), 5, -1, (l) => l % 2 === 0).every((n) => n.label % 2 === 0)).toBe(true);
  });

  it.skipIf(!loadHnsw())('HNSW finds nearly the exact neighbours, with exact int8 scores', () => {
    const b = new BruteForceIndex();
    const h = new HnswIndex({ capacity: 100 }); // grows
    for (let i = 0; i < set.n; i++) {
      b.add(i, vec(i));
      h.add(i, vec(i));
    }
    let hit = 0, total = 0;
    for (let q = 0; q < 200; q++) {
      const exact = b.search(vec(q * 7), 10);
      const approx = h.search(vec(q * 7), 10);
      const ids = new Set(approx.map((n) => n.label));
      for (const e of exact) {
        total++;
        if (ids.has(e.label)) hit++;
      }
      for (const a of approx) expect(a.score).toBeCloseTo(cosine(vec(q * 7), vec(a.label)), 9);
    }
    expect(hit / total).toBeGreaterThan(0.95);
    h.remove(7);
    expect(h.search(vec(7), 5).some((n) => n.label === 7)).toBe(false);
    h.add(7, vec(7));
    expect(h.search(vec(7), 1)[0]!.label).toBe(7);
  });

  it('AutoIndex switches to HNSW past its threshold and keeps answering', () => {
    const a = new AutoIndex({ switchAt: 500 });
    for (let i = 0; i < 800; i++) a.add(i, vec(i));
    expect(a.using).toBe(loadHnsw() ? 'hnsw' : 'brute');
    expect(a.search(vec(123), 1)[0]!.label).toBe(123);
    expect(a.size).toBe(800);
  });
});
