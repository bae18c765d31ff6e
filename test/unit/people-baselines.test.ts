import { describe, expect, it } from 'vitest';
import { dbscanCluster } from '../../app/people/baselines/dbscan';
import { linearCluster } from '../../app/people/baselines/linear';
import { toPeople } from '../../app/people/baselines/unit-rows';
import { columnsFromFaces, type ClusterFace } from '../../app/people/types';

/** A face whose embedding is the unit vector at `deg` degrees in the first plane (int8 scale 127). */
const face = (id: number, deg: number, quality = 0.9, photoId = id): ClusterFace => {
  const e = new Int8Array(128);
  e[0] = Math.round(127 * Math.cos((deg * Math.PI) / 180));
  e[1] = Math.round(127 * Math.sin((deg * Math.PI) / 180));
  return { id, photoId, embedding: e, quality };
};
/** Cosine distance of two directions `deg` degrees apart. */
const dist = (deg: number) => 1 - Math.cos((deg * Math.PI) / 180);
const cols = (faces: ClusterFace[]) => columnsFromFaces(faces);
const sameGroups = (labels: readonly (number | null)[], groups: number[][]) => {
  for (const g of groups) for (const i of g) expect(labels[i], `row ${i}`).toBe(labels[g[0]!]);
  const heads = groups.map((g) => labels[g[0]!]);
  expect(new Set(heads).size, 'groups are different people').toBe(heads.length);
};

describe('dbscanCluster (Immich)', () => {
  const opts = { maxDistance: dist(5), minFaces: 3 };

  it('makes one person of each dense group and leaves an isolated face out', () => {
    const faces = [face(1, 0), face(2, 1), face(3, 2), face(4, 60), face(5, 61), face(6, 62), face(7, 150)];
    const l = dbscanCluster(cols(faces), opts);
    sameGroups(l, [[0, 1, 2], [3, 4, 5]]);
    expect(l[0]).not.toBeNull();
    expect(l[6]).toBeNull();
  });

  it('defers a face with too few neighbours: it joins the person found later, even when it comes first', () => {
    // row 0 at 6.5 degrees has only the face at 2 degrees within 5 degrees: not a core point
    const faces = [face(1, 6.5), face(2, 0), face(3, 1), face(4, 2)];
    const l = dbscanCluster(cols(faces), opts);
    expect(l[0]).not.toBeNull();
    expect(l[0]).toBe(l[1]);
  });

  it('never lets non-core faces start a person', () => {
    // two faces near each other (2 matches each, minFaces 3), nobody else near
    const l = dbscanCluster(cols([face(1, 0), face(2, 2), face(3, 90)]), opts);
    expect(l).toEqual([null, null, null]);
    // with minFaces 2 the same pair is a person
    const l2 = dbscanCluster(cols([face(1, 0), face(2, 2), face(3, 90)]), { ...opts, minFaces: 2 });
    expect(l2[0]).not.toBeNull();
    expect(l2[0]).toBe(l2[1]);
    expect(l2[2]).toBeNull();
  });

  it('a core face joins the nearest person within maxDistance, not a new one, when its own neighbours have none', () => {
    // rows 0-2 form a person at 0-2 degrees; rows 3-5 at 6.5, 6.6, 6.7 degrees are core points of
    // their own (each other within 5 degrees), and row 3 is within 5 degrees of row 2 (4.5 apart)
    const faces = [face(1, 0), face(2, 1), face(3, 2), face(4, 6.5), face(5, 6.6), face(6, 6.7)];
    const l = dbscanCluster(cols(faces), opts);
    expect(new Set(l).size).toBe(1);
  });
});

describe('linearCluster (Ente)', () => {
  const opts = { distance: dist(4), lowQualityDistance: dist(2), qualityMin: 0.5 };

  it('each face joins its nearest earlier face, so chains form in order', () => {
    const faces = [face(1, 0), face(2, 90), face(3, 3), face(4, 6), face(5, 9), face(6, 93)];
    const l = linearCluster(cols(faces), opts);
    sameGroups(l, [[0, 2, 3, 4], [1, 5]]);
  });

  it('compares with earlier faces only: the order decides', () => {
    // 0 and 6 degrees are too far apart; 3 degrees bridges them only when it comes before 6
    const bridged = linearCluster(cols([face(1, 0), face(2, 3), face(3, 6)]), opts);
    expect(new Set(bridged).size).toBe(1);
    const apart = linearCluster(cols([face(1, 0), face(2, 6), face(3, 2.5)]), opts);
    expect(apart[0]).not.toBe(apart[1]); // 6 degrees: nearest earlier is 0, too far
    expect(apart[2]).toBe(apart[0]); // 2.5 degrees: nearest earlier is 0
  });

  it('a low-quality face needs the stricter distance, and is the nearest earlier face only within it', () => {
    // row 1 is low quality, 3 degrees from row 0: over the strict 2 degrees, so a cluster of its own
    const l = linearCluster(cols([face(1, 0), face(2, 3, 0.1)]), opts);
    expect(l[1]).not.toBe(l[0]);
    // row 2 at 3.5 degrees: nearest earlier is the low-quality row 1 (0.5 degrees, within 2), it joins it
    const l2 = linearCluster(cols([face(1, 0), face(2, 3, 0.1), face(3, 3.5)]), opts);
    expect(l2[2]).toBe(l2[1]);
    // row 2 at 6 degrees: row 1 is 3 degrees away, over 2, so it is skipped; row 0 is too far: new cluster
    const l3 = linearCluster(cols([face(1, 0), face(2, 3, 0.1), face(3, 6)]), opts);
    expect(new Set(l3).size).toBe(3);
  });
});

describe('toPeople', () => {
  it('drops clusters under the minimum size and renumbers the rest', () => {
    expect(toPeople([7, 7, 3, null, 9, 9, 9], 2)).toEqual([1, 1, null, null, 2, 2, 2]);
  });
});
