import { describe, expect, it } from 'vitest';
import { mergeAlbums, type AlbumMergeInput } from '../../app/people/album-merge';
import { recluster } from '../../app/people/recluster';
import { TEST_THRESHOLDS } from './people-helpers';

/** Rows of unit vectors at the given angles (degrees) in the first plane, int8 scale 127. */
const vectors = (degs: number[]) => {
  const v = new Int8Array(degs.length * 128);
  degs.forEach((d, i) => {
    v[i * 128] = Math.round(127 * Math.cos((d * Math.PI) / 180));
    v[i * 128 + 1] = Math.round(127 * Math.sin((d * Math.PI) / 180));
  });
  return v;
};

// A: 5 faces at 0-4 degrees; B: 2 faces at 8-9 (average linkage with A ~ cos 6.5 = 0.9936);
// C: 2 faces at 30-31; D: 2 faces at 12-13 (with B ~ cos 4 = 0.9976, but both small)
const degs = [0, 1, 2, 3, 4, 8, 9, 30, 31, 12, 13];
const base = (over: Partial<AlbumMergeInput> = {}): AlbumMergeInput => ({
  vectors: vectors(degs),
  rows: degs.map((_, i) => i),
  clusters: [[0, 1, 2, 3, 4], [5, 6], [7, 8], [9, 10]],
  pinnedOf: [-1, -1, -1, -1],
  photo: degs.map((_, i) => 100 + i),
  ...over,
});
const opts = { threshold: 0.99, minFaces: 5 };

describe('mergeAlbums (second merge pass by album similarity)', () => {
  it('merges a small cluster into a large album it is near on average, then the next one, and leaves far or small pairs alone', () => {
    const r = mergeAlbums(base(), opts);
    // A+B first (0.9936); then A+B (7 faces) with D: mean angle distance ~9.4 degrees, cos ~0.987 < 0.99
    expect(r.clusters).toEqual([[0, 1, 2, 3, 4, 5, 6], [7, 8], [9, 10]]);
    expect(r.merges).toBe(1);
    // B and D alone are near (0.9976) but neither has 5 faces: with minFaces 2 they merge
    const small = mergeAlbums(base({ clusters: [[5, 6], [9, 10]], pinnedOf: [-1, -1] }), { threshold: 0.99, minFaces: 2 });
    expect(small.clusters).toEqual([[5, 6, 9, 10]]);
    expect(mergeAlbums(base({ clusters: [[5, 6], [9, 10]], pinnedOf: [-1, -1] }), opts).merges).toBe(0);
  });

  it('never merges across a shared photo, two user people, or a rejection', () => {
    const photo = degs.map((_, i) => 100 + i);
    photo[5] = 100; // a face of B shares face 0's photo
    expect(mergeAlbums(base({ photo }), opts).clusters[0]).toEqual([0, 1, 2, 3, 4]);
    expect(mergeAlbums(base({ pinnedOf: [7, 8, -1, -1] }), opts).merges).toBe(0);
    // A pinned to person 7; a face of B rejected person 7
    expect(mergeAlbums(base({ pinnedOf: [7, -1, -1, -1], rejects: (i) => (i === 6 ? new Set([7]) : undefined) }), opts).merges).toBe(0);
    // the same without the rejection merges, and the merged cluster keeps the pin
    const pinned = mergeAlbums(base({ pinnedOf: [-1, 7, -1, -1] }), opts);
    expect(pinned.clusters[0]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(pinned.pinnedOf[0]).toBe(7);
  });

  it('is off in recluster unless asked for, and merges the albums HAC left apart when asked', () => {
    const abc = degs.slice(0, 9); // A, B, C
    const faces = abc.map((d, i) => ({ id: i + 1, photoId: i + 1, quality: 0.9, embedding: vectors([d]) }));
    const th = { ...TEST_THRESHOLDS, cluster: 0.995, assign: 0.995 };
    const plain = recluster({ model: th, faces });
    expect(plain.assignment.get(1)).not.toBeNull();
    expect(plain.assignment.get(6)).not.toBe(plain.assignment.get(1));
    const merged = recluster({ model: th, faces, albumMerge: { threshold: 0.99, minFaces: 5 } });
    expect(merged.assignment.get(6)).toBe(merged.assignment.get(1));
    expect(merged.assignment.get(8)).not.toBe(merged.assignment.get(1));
  });
});
