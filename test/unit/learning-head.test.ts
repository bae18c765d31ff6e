import { describe, expect, it } from 'vitest';
import { forward, forwardCache, headLayout, identityParams, projectQuantized, projectRows, type HeadShape } from '../../app/learning/head';
import { decodeHeadRecord, decodeHeadWeights, encodeHeadRecord, encodeHeadWeights, identityHead, type HeadRecord } from '../../app/learning/record';
import { Rng } from '../../app/learning/rng';
import { HeadHistory } from '../../app/learning/versions';
import { l2normalize, quantize } from '../../app/faces/quantize';

const randomVector = (r: Rng, dims = 128) => Float32Array.from({ length: dims }, () => r.normal());

describe('projection head', () => {
  it('identity initialisation leaves every face unchanged (float and the 128 stored bytes)', () => {
    const r = new Rng(1);
    for (const shape of [
      { kind: 'linear', inDims: 128, outDims: 128, hidden: 0 },
      { kind: 'residual-mlp', inDims: 128, outDims: 128, hidden: 32 },
    ] as HeadShape[]) {
      const p = identityParams(shape, 7);
      for (let i = 0; i < 50; i++) {
        const x = randomVector(r);
        const y = projectRows(shape, p, x, 1);
        const u = l2normalize(x);
        for (let k = 0; k < 128; k++) expect(y[k]).toBeCloseTo(u[k]!, 6);
        expect(projectQuantized(shape, Float32Array.from(p), x, 0.4)).toEqual(quantize(u, 0.4));
      }
    }
  });

  it('projects a batch the same as one row at a time, and outputs unit vectors', () => {
    const r = new Rng(2);
    const shape: HeadShape = { kind: 'residual-mlp', inDims: 16, outDims: 128, hidden: 8 };
    const p = new Float64Array(headLayout(shape).size).map(() => r.normal() * 0.3);
    const n = 300; // more than one internal chunk
    const x = new Float32Array(n * 16).map(() => r.normal());
    const all = projectRows(shape, p, x, n);
    const cache = forwardCache(shape, 1);
    for (const i of [0, 1, 255, 256, 299]) {
      const one = forward(shape, p, x.subarray(i * 16, (i + 1) * 16), 1, cache);
      let s = 0;
      for (let k = 0; k < 128; k++) {
        expect(all[i * 128 + k]).toBeCloseTo(one[k]!, 6);
        s += one[k]! ** 2;
      }
      expect(s).toBeCloseTo(1, 10);
    }
  });

  it('an N->128 head starts from a given matrix (e.g. a PCA projection)', () => {
    const shape: HeadShape = { kind: 'linear', inDims: 4, outDims: 128, hidden: 0 };
    const init = new Float32Array(128 * 4);
    for (let o = 0; o < 4; o++) init[o * 4 + o] = 1;
    const p = identityParams(shape, 1, init);
    const y = projectRows(shape, p, Float32Array.from([3, 0, 4, 0]), 1);
    expect(y[0]).toBeCloseTo(0.6, 6);
    expect(y[2]).toBeCloseTo(0.8, 6);
    expect(() => identityParams(shape)).toThrow(/inDims = outDims/);
  });
});

describe('head records', () => {
  const record = (): HeadRecord => {
    const shape: HeadShape = { kind: 'residual-mlp', inDims: 128, outDims: 128, hidden: 16 };
    const w = Float32Array.from(identityParams(shape, 3));
    w[5] = 0.125;
    return { id: 'dlib-resnet-v1/head-3', version: 3, parent: 'dlib-resnet-v1/head-2', createdAt: '2025-01-02T03:04:05.000Z', modelId: 'dlib-resnet-v1', shape, metrics: { before: { accuracy: 0.9 }, after: { accuracy: 0.95 }, trainSeconds: 12.5 }, weights: w };
  };

  it('weights round-trip through a Buffer exactly', () => {
    const r = record();
    const buf = encodeHeadWeights(r.shape, r.weights);
    expect(buf.length).toBe(24 + 4 * r.weights.length);
    const back = decodeHeadWeights(new Uint8Array(buf));
    expect(back.shape).toEqual(r.shape);
    expect(back.weights).toEqual(r.weights);
  });

  it('whole records round-trip, and damaged blobs are refused', () => {
    const r = record();
    const buf = encodeHeadRecord(r);
    expect(decodeHeadRecord(buf)).toEqual(r);
    expect(() => decodeHeadRecord(buf.subarray(0, buf.length - 4))).toThrow();
    expect(() => decodeHeadWeights(Buffer.from('nope'))).toThrow();
    const bad = Buffer.from(encodeHeadWeights(r.shape, r.weights));
    bad.writeUInt32LE(9, 4);
    expect(() => decodeHeadWeights(bad)).toThrow(/kind/);
  });
});

describe('head versions: adopt, discard, roll back', () => {
  const trained = (version: number, parent: string): HeadRecord => ({ ...identityHead(), id: `dlib-resnet-v1/head-${version}`, version, parent, createdAt: new Date(1000 * version).toISOString() });

  it('adopting makes a head current, a discarded head is kept but not used', () => {
    const h = new HeadHistory();
    expect(h.current().version).toBe(0);
    expect(h.nextVersion()).toBe(1);
    h.add(trained(1, 'dlib-resnet-v1/head-0'), true);
    expect(h.current().id).toBe('dlib-resnet-v1/head-1');
    h.add(trained(2, 'dlib-resnet-v1/head-1'), false);
    expect(h.current().id).toBe('dlib-resnet-v1/head-1');
    expect(h.get('dlib-resnet-v1/head-2')!.status).toBe('discarded');
    expect(h.list().map((e) => e.record.version)).toEqual([0, 1, 2]);
    expect(() => h.add(trained(2, 'x'), true)).toThrow(/exists/);
  });

  it('roll back is one action: any older head becomes current again (a discarded one only when forced)', () => {
    const h = new HeadHistory();
    h.add(trained(1, 'dlib-resnet-v1/head-0'), true);
    h.add(trained(2, 'dlib-resnet-v1/head-1'), true);
    h.add(trained(3, 'dlib-resnet-v1/head-2'), false);
    expect(h.previous()!.id).toBe('dlib-resnet-v1/head-1');
    expect(h.rollback('dlib-resnet-v1/head-1').version).toBe(1);
    expect(h.current().version).toBe(1);
    expect(h.rollback('dlib-resnet-v1/head-0').version).toBe(0);
    expect(() => h.rollback('dlib-resnet-v1/head-3')).toThrow(/discarded/);
    expect(h.rollback('dlib-resnet-v1/head-3', true).version).toBe(3);
    expect(() => h.rollback('nope')).toThrow();
  });

  it('state and records restore the same history', () => {
    const h = new HeadHistory();
    h.add(trained(1, 'dlib-resnet-v1/head-0'), true);
    h.add(trained(2, 'dlib-resnet-v1/head-1'), false);
    h.rollback('dlib-resnet-v1/head-0');
    const stored = h.records().map((r) => encodeHeadRecord(r));
    const back = HeadHistory.restore(stored.map((b) => decodeHeadRecord(b)), JSON.parse(JSON.stringify(h.state())));
    expect(back.state()).toEqual(h.state());
    expect(back.current().id).toBe('dlib-resnet-v1/head-0');
  });
});
