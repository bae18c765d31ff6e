/**
 * Reader for TensorFlow.js "weights manifest + binary shard" files, as shipped by face-api.js
 * packages. Handles float32 entries and the uint8/uint16 affine quantisation that tfjs uses
 * (value = q * scale + min). Returns plain Float32Arrays with their tfjs (NHWC / HWIO) shapes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TfjsTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Decode one weight group from its concatenated shard bytes. */
export function decodeWeights(entries: ManifestEntry[], bytes: Uint8Array): Map<string, TfjsTensor> {
  const out = new Map<string, TfjsTensor>();
  const expected = entries.reduce((acc, e) => {
    const width = !e.quantization ? 4 : e.quantization.dtype === 'uint8' ? 1 : 2;
    return acc + product(e.shape) * width;
  }, 0);
  if (expected !== bytes.length) {
    throw new Error(`weight shard size mismatch: manifest describes ${expected} bytes, shard has ${bytes.length}`);
  }
  let offset = 0;
  for (const e of entries) {
    if (e.dtype !== 'float32') throw new Error(`unsupported tfjs dtype ${e.dtype} for ${e.name}`);
    const n = product(e.shape);
    const data = new Float32Array(n);
    const q = e.quantization;
    if (!q) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * 4);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      offset += n * 4;
    } else if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      const width = q.dtype === 'uint8' ? 1 : 2;
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * width);
      for (let i = 0; i < n; i++) {
        const v = width === 1 ? view.getUint8(i) : view.getUint16(i * 2, true);
        data[i] = Math.fround(v * scale + min);
      }
      offset += n * width;
    } else {
      throw new Error(`unsupported tfjs quantisation ${q.dtype} for ${e.name}`);
    }
    out.set(e.name, { name: e.name, shape: e.shape, data });
  }
  if (offset !== bytes.length) {
    throw new Error(`weight shard size mismatch: manifest describes ${offset} bytes, shard has ${bytes.length}`);
  }
  return out;
}

/** Load every tensor a manifest names, reading its shards from the manifest's folder. */
export function loadTfjsWeights(manifestPath: string): Map<string, TfjsTensor> {
  const groups = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestGroup[];
  const all = new Map<string, TfjsTensor>();
  for (const g of groups) {
    const shards = g.paths.map((p) => readFileSync(join(dirname(manifestPath), p)));
    const bytes = new Uint8Array(Buffer.concat(shards));
    for (const [k, v] of decodeWeights(g.weights, bytes)) all.set(k, v);
  }
  return all;
}

/** tfjs conv filters are HWIO [kh, kw, in, out]; ONNX wants OIHW [out, in, kh, kw]. */
export function hwioToOihw(t: TfjsTensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, ci, co] = t.shape as [number, number, number, number];
  const data = new Float32Array(t.data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          data[((o * ci + i) * kh + h) * kw + w] = t.data[((h * kw + w) * ci + i) * co + o]!;
        }
  return { dims: [co, ci, kh, kw], data };
}

/** tfjs depthwise filters are [kh, kw, in, multiplier]; ONNX grouped Conv wants [in*mult, 1, kh, kw]. */
export function depthwiseToOihw(t: TfjsTensor): { dims: number[]; data: Float32Array } {
  const [kh, kw, ci, m] = t.shape as [number, number, number, number];
  const data = new Float32Array(t.data.length);
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let j = 0; j < m; j++) {
          data[((i * m + j) * 1 + 0) * kh * kw + h * kw + w] = t.data[((h * kw + w) * ci + i) * m + j]!;
        }
  return { dims: [ci * m, 1, kh, kw], data };
}
