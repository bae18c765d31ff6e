/**
 * The orders eval-clusters clusters a library in (app/eval/cluster-algorithms.ts `shuffled`):
 * shuffled face by face, or folder by folder (`--folders`: the folders in a seeded order, each
 * folder's faces together in id order, as a scan walks a library).
 */
import { describe, expect, it } from 'vitest';
import { shuffled } from '../../app/eval/cluster-algorithms';
import type { FaceColumns } from '../../app/people/types';

/** 40 faces in 5 folders of 8 (face i in folder i % 5, so no folder is contiguous by id). */
function faces(): { cols: FaceColumns; folder: Int32Array } {
  const n = 40;
  const cols: FaceColumns = {
    n,
    ids: Array.from({ length: n }, (_, i) => 101 + i),
    photoIds: Array.from({ length: n }, (_, i) => 1001 + i),
    quality: Array.from({ length: n }, () => 0.9),
    embeddings: Int8Array.from({ length: n * 128 }, (_, k) => (Math.floor(k / 128) % 7) + 1),
  };
  return { cols, folder: Int32Array.from({ length: n }, (_, i) => i % 5) };
}

/** The folder of each face in the new order. */
const sequence = (rows: number[], folder: Int32Array) => rows.map((r) => folder[r]!);

describe('eval-clusters orders: --folders keeps each folder together', () => {
  it('each folder comes whole, its faces in id order, the folders in a seeded order', () => {
    const { cols, folder } = faces();
    const seen = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const { rows, faces: out } = shuffled(cols, seed, folder);
      expect([...rows].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      const seq = sequence(rows, folder);
      const runs = seq.filter((f, k) => k === 0 || seq[k - 1] !== f);
      expect(runs).toHaveLength(5); // five blocks, one a folder
      expect(new Set(runs).size).toBe(5);
      for (let k = 1; k < rows.length; k++) if (seq[k] === seq[k - 1]) expect(cols.ids[rows[k]!]!).toBeGreaterThan(cols.ids[rows[k - 1]!]!);
      // renumbered 1..n in the new order, each face's photo and vector kept
      expect(out.ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(out.photoIds).toEqual(rows.map((r) => cols.photoIds[r]));
      expect([...out.embeddings.subarray(0, 128)]).toEqual([...cols.embeddings.subarray(rows[0]! * 128, rows[0]! * 128 + 128)]);
      seen.add(runs.join(','));
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('without folders the faces are shuffled one by one: folders come apart', () => {
    const { cols, folder } = faces();
    const seq = sequence(shuffled(cols, 1).rows, folder);
    expect(seq.filter((f, k) => k === 0 || seq[k - 1] !== f).length).toBeGreaterThan(5);
  });
});
