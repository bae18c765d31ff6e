import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { syntheticIdentities } from '../../app/learning/synthetic';
import { defaultWorkerPath, trainHeadInWorker } from '../../app/learning/train-worker';

// The worker runs the compiled JavaScript (dist/, built by `npm test`'s pretest step).
const built = existsSync(defaultWorkerPath());

function data() {
  const s = syntheticIdentities({ identities: 12, facesPerIdentity: 8, seed: 3, nuisance: 0.25 });
  return { baseVectors: new Map(s.ids.map((id, i) => [id, s.vectors[i]!])), labels: new Map(s.ids.filter((_, i) => i % 8 < 5).map((id) => [id, 7 + Math.floor((id - 1) / 8)])) };
}

describe('training in a worker thread (compiled worker from dist/, built by npm test\'s pretest)', () => {
  it.skipIf(!built)('sends progress messages and returns the trained head', async () => {
    const seen: { epoch: number; loss: number; top1: number }[] = [];
    let mainThreadTicks = 0;
    const timer = setInterval(() => mainThreadTicks++, 5);
    const r = await trainHeadInWorker({ ...data(), options: { epochs: 6, patience: 6, seed: 1, heldOutFraction: 0.3, adoptionFraction: 0.3, minJudgeFaces: 1 }, onProgress: (epoch, loss, val) => seen.push({ epoch, loss, top1: val.top1 }) });
    clearInterval(timer);
    expect(seen.map((s) => s.epoch)).toEqual(r.history.map((h) => h.epoch));
    expect(seen.length).toBeGreaterThan(0);
    expect(r.head.weights).toBeInstanceOf(Float32Array);
    expect(r.head.weights.length).toBe(128 * 128 + 128);
    expect(typeof r.adopted).toBe('boolean');
    expect(mainThreadTicks).toBeGreaterThan(0); // the main thread stayed responsive
  });

  it.skipIf(!built)('cancels through an AbortSignal', async () => {
    const ac = new AbortController();
    const p = trainHeadInWorker({ ...data(), options: { epochs: 100000, patience: 100000, maxSeconds: 120, minJudgeFaces: 1 }, signal: ac.signal, onProgress: (e) => e === 1 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
