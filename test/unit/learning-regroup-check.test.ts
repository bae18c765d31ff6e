/**
 * The regroup check in "Learn from my corrections" (LearningService.train, app/learning/regroup.ts):
 * a head the held-back faces find better is still not adopted when it would regroup the faces
 * nobody named. The trainer is the real one; the head it returns is replaced by one built to fold
 * the unnamed faces' neighbourhoods (every dimension but 16 dropped), or by the identity.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityParams } from '../../app/learning/head';
import { LearningService } from '../../app/learning/learning-service';
import { activeHeadId, projectionSync } from '../../app/learning/projection';
import { MAX_REGROUP_SHARE } from '../../app/learning/regroup';
import { trainHead, type TrainInput, type TrainResult } from '../../app/learning/train';
import { PeopleService } from '../../app/people/people-service';
import { Store } from '../../app/store/store';
import { writeSyntheticFaces } from '../helpers/synthetic-library';

const work = mkdtempSync(join(tmpdir(), 'visage-regroup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SHAPE = { kind: 'linear', inDims: 128, outDims: 128, hidden: 0 } as const;
/** The identity with every output dimension from 16 on dropped. */
function folding(): Float32Array {
  const p = identityParams(SHAPE);
  for (let i = 16; i < 128; i++) p[i * 128 + i] = 0;
  return Float32Array.from(p);
}

/** A trainer that trains for real (one epoch), says the held-back faces found the head better, and returns `weights`. */
const trainerGiving =
  (weights: Float32Array) =>
  async (input: TrainInput): Promise<TrainResult> => {
    const r = await trainHead({ ...input, options: { ...input.options, epochs: 1 } });
    return { ...r, adopted: true, reason: 'better on your held-back faces (test)', head: { ...r.head, weights } };
  };

function library(name: string): Store {
  const store = Store.open(join(work, `${name}.db`));
  writeSyntheticFaces(store.db, 600, 5);
  const svc = new PeopleService(store.db, { projections: projectionSync });
  svc.update();
  // the user names and confirms the three biggest people: training is ready
  for (const p of svc.listPeople().sort((a, b) => b.faceCount - a.faceCount).slice(0, 3)) {
    svc.correct({ kind: 'name', personId: p.id, name: `P${p.id}` });
    svc.correct({ kind: 'confirm', faceIds: svc.personFaceIds(p.id), personId: p.id });
  }
  return store;
}

const embeddings = (store: Store) => store.db.prepare('SELECT id, embedding FROM faces ORDER BY id').all();

/** A ready library of its own (library()) and the people service over it, closed afterwards. */
async function withLibrary(name: string, fn: (store: Store, svc: PeopleService) => Promise<void>): Promise<void> {
  const store = library(name);
  try {
    await fn(store, new PeopleService(store.db, { projections: projectionSync }));
  } finally {
    store.close();
  }
}

describe('the regroup check', () => {
  it('refuses a head that folds the unnamed faces together, whatever the held-back faces said; nothing changes', async () => {
    await withLibrary('fold', async (store, svc) => {
      const before = embeddings(store);
      const out = await new LearningService(store.db, svc, { trainer: trainerGiving(folding()) }).train();
      expect(out.regroup).not.toBeNull();
      expect(out.regroup!.share).toBeGreaterThan(MAX_REGROUP_SHARE);
      expect(out.regroup!.max).toBe(MAX_REGROUP_SHARE);
      expect(out.adopted).toBe(false);
      expect(out.reason).toMatch(/would regroup the faces you have not named: [\d.]+ % of their close pairs would be new ones \(at most 5 %\)/);
      expect(out.people).toBeNull();
      expect(activeHeadId(store.db, svc.model)).toBe('base');
      expect(embeddings(store)).toEqual(before);
    });
  }, 60_000);

  it('adopts a head that leaves the unnamed faces as they were (share 0)', async () => {
    await withLibrary('identity', async (store, svc) => {
      const out = await new LearningService(store.db, svc, { trainer: trainerGiving(Float32Array.from(identityParams(SHAPE))) }).train();
      expect(out.regroup).toEqual({ share: 0, max: MAX_REGROUP_SHARE });
      expect(out.adopted, out.reason).toBe(true);
      expect(activeHeadId(store.db, svc.model)).toBe(out.head.id);
    });
  }, 60_000);

  it('is part of "never worse": off with noMoreWrong false, the figures still reported', async () => {
    await withLibrary('forced', async (store, svc) => {
      const out = await new LearningService(store.db, svc, { trainer: trainerGiving(folding()) }).train({ options: { noMoreWrong: false } });
      expect(out.regroup!.share).toBeGreaterThan(MAX_REGROUP_SHARE);
      expect(out.adopted).toBe(true);
    });
  }, 60_000);
});
