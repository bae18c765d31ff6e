/**
 * Versioned head records and their serialisation.
 *
 * A record is immutable once made: id, version (1, 2, ... per model; 0 = the identity head),
 * parent (the head it was trained from, null for the identity), creation time, the embedding
 * model it belongs to, its shape, the figures measured when it was trained, and its weights.
 *
 * Two encodings for the store:
 * - `encodeHeadWeights` / `decodeHeadWeights`: just shape + float32 weights (a BLOB column next
 *   to ordinary columns for the metadata);
 * - `encodeHeadRecord` / `decodeHeadRecord`: the whole record in one self-describing Buffer.
 */
import { checkShape, headLayout, identityParams, type HeadKind, type HeadShape } from './head';

export interface HeadMetrics {
  /** Validation figures on the held-out labels (see evaluate.ts), before and after training. */
  before?: Record<string, number>;
  after?: Record<string, number>;
  trainSeconds?: number;
  epochs?: number;
  labeledFaces?: number;
  people?: number;
  [key: string]: unknown;
}

export interface HeadRecord {
  id: string;
  version: number;
  parent: string | null;
  /** ISO 8601 time. */
  createdAt: string;
  /** Registry id of the embedding model whose vectors the head maps. */
  modelId: string;
  shape: HeadShape;
  metrics: HeadMetrics;
  weights: Float32Array;
}

const KIND_CODE: Record<HeadKind, number> = { linear: 1, 'residual-mlp': 2 };
const CODE_KIND: Record<number, HeadKind> = { 1: 'linear', 2: 'residual-mlp' };
const W_MAGIC = 'VHW1';
const R_MAGIC = 'VHR1';

/** The identity head (version 0): projecting with it changes nothing. */
export function identityHead(modelId = 'dlib-resnet-v1', shape: HeadShape = { kind: 'linear', inDims: 128, outDims: 128, hidden: 0 }): HeadRecord {
  return {
    id: `${modelId}/head-0`,
    version: 0,
    parent: null,
    createdAt: new Date(0).toISOString(),
    modelId,
    shape,
    metrics: {},
    weights: Float32Array.from(identityParams(shape)),
  };
}

export function newHeadId(modelId: string, version: number): string {
  return `${modelId}/head-${version}`;
}

export function checkRecord(r: HeadRecord): void {
  checkShape(r.shape);
  const n = headLayout(r.shape).size;
  if (!(r.weights instanceof Float32Array) || r.weights.length !== n) {
    throw new Error(`head ${r.id}: expected ${n} float32 weights, got ${r.weights?.length}`);
  }
}

/** Layout: "VHW1", u32 kind, u32 inDims, u32 outDims, u32 hidden, u32 count, float32[count] LE. */
export function encodeHeadWeights(shape: HeadShape, weights: Float32Array): Buffer {
  checkShape(shape);
  if (weights.length !== headLayout(shape).size) throw new Error('weights do not match the shape');
  const buf = Buffer.alloc(24 + 4 * weights.length);
  buf.write(W_MAGIC, 0, 'ascii');
  buf.writeUInt32LE(KIND_CODE[shape.kind], 4);
  buf.writeUInt32LE(shape.inDims, 8);
  buf.writeUInt32LE(shape.outDims, 12);
  buf.writeUInt32LE(shape.hidden, 16);
  buf.writeUInt32LE(weights.length, 20);
  for (let i = 0; i < weights.length; i++) buf.writeFloatLE(weights[i]!, 24 + 4 * i);
  return buf;
}

export function decodeHeadWeights(buf: Uint8Array): { shape: HeadShape; weights: Float32Array } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24 || b.toString('ascii', 0, 4) !== W_MAGIC) throw new Error('not a head weights blob');
  const kind = CODE_KIND[b.readUInt32LE(4)];
  if (!kind) throw new Error('unknown head kind code');
  const shape: HeadShape = { kind, inDims: b.readUInt32LE(8), outDims: b.readUInt32LE(12), hidden: b.readUInt32LE(16) };
  checkShape(shape);
  const count = b.readUInt32LE(20);
  if (count !== headLayout(shape).size || b.length !== 24 + 4 * count) throw new Error('head weights blob has the wrong length');
  const weights = new Float32Array(count);
  for (let i = 0; i < count; i++) weights[i] = b.readFloatLE(24 + 4 * i);
  return { shape, weights };
}

/** Layout: "VHR1", u32 json length, UTF-8 JSON metadata, then the weights blob. */
export function encodeHeadRecord(r: HeadRecord): Buffer {
  checkRecord(r);
  const meta = { id: r.id, version: r.version, parent: r.parent, createdAt: r.createdAt, modelId: r.modelId, metrics: r.metrics };
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.alloc(8);
  head.write(R_MAGIC, 0, 'ascii');
  head.writeUInt32LE(json.length, 4);
  return Buffer.concat([head, json, encodeHeadWeights(r.shape, r.weights)]);
}

export function decodeHeadRecord(buf: Uint8Array): HeadRecord {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || b.toString('ascii', 0, 4) !== R_MAGIC) throw new Error('not a head record');
  const len = b.readUInt32LE(4);
  if (8 + len > b.length) throw new Error('truncated head record');
  const meta = JSON.parse(b.toString('utf8', 8, 8 + len)) as Omit<HeadRecord, 'shape' | 'weights'>;
  const { shape, weights } = decodeHeadWeights(b.subarray(8 + len));
  const r: HeadRecord = { ...meta, shape, weights };
  checkRecord(r);
  return r;
}
