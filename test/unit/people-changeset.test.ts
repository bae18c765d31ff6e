/**
 * A change set holds one move a face (PeopleIndex.move): a face the machine moves several times
 * within one operation (into a new person, then with it into another by the album merge) is
 * recorded from where it was before the operation to where it is after, and a face that ends
 * where it started is not recorded. What the store persists and the history undoes rests on it.
 */
import { describe, expect, it } from 'vitest';
import { PeopleIndex } from '../../app/people/people-index';
import { sliceSet, synthesize } from '../../app/people/synthetic';
import { thresholdsFor } from '../../app/people/thresholds';
import type { ChangeSet, FaceId, PersonId } from '../../app/people/types';

/** Every face at most once, never from == to, and `to` is where the face is after the operation. */
function expectCoalesced(changes: ChangeSet, before: ReadonlyMap<FaceId, PersonId | null>, after: ReadonlyMap<FaceId, PersonId | null>) {
  const seen = new Set<FaceId>();
  for (const m of changes.moves) {
    expect(seen.has(m.faceId)).toBe(false);
    seen.add(m.faceId);
    expect(m.from).not.toBe(m.to);
    expect(m.from).toBe(before.get(m.faceId) ?? null);
    expect(m.to).toBe(after.get(m.faceId) ?? null);
  }
  // and every face whose person changed is there
  for (const [face, p] of after) if ((before.get(face) ?? null) !== p) expect(seen.has(face)).toBe(true);
}

describe('a change set: one move a face, from its place before to its place after', () => {
  it('holds over a scan of 3,000 faces in one batch and then 4 batches of more (merges and leftovers moving faces twice)', () => {
    // the synthetic library at dlib's bars with the album merge and the leftovers rules on, so that
    // faces move more than once inside one addFaces
    const th = thresholdsFor('dlib-resnet-v1', { albumMerge: 0.9, albumMergeMinFaces: 5, leftover: 0.92, leftoverMinFaces: 3 });
    const s = synthesize({ faces: 5000, identities: 80, seed: 7 });
    const idx = new PeopleIndex({ model: th });
    let twice = 0;
    for (const [from, to] of [[0, 3000], [3000, 3500], [3500, 4000], [4000, 4500], [4500, 5000]] as const) {
      const before = new Map(idx.assignment());
      const changes = idx.addFaces(sliceSet(s, from, to));
      const after = idx.assignment();
      expectCoalesced(changes, before, after);
      // people this operation created and merged away again: their faces moved twice in it
      const live = new Set(after.values());
      twice += changes.created.filter((p) => !live.has(p)).length;
    }
    expect(idx.assignment().size).toBe(5000);
    expect(twice).toBeGreaterThan(0); // the case the test is about happened
  });
});
