/**
 * Embedding: aligned chips -> network -> (optional projection to 128-D) -> L2 normalisation ->
 * int8 quantisation to exactly 128 bytes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { EmbedderModel } from './models/registry';
import { l2normalize, quantize } from './quantize';
import { EMBEDDING_BYTES, type Point } from './types';
import { alignFace, mirrorChip } from './align';
import type { RgbImage } from './image';

/** A mean-centred linear projection: y = (x - mean) @ matrix, matrix [from x to] row-major. */
export interface Projection {
  from: number;
  to: number;
  mean: Float32Array;
  matrix: Float32Array;
}

/** File format: magic "VPRJ", u32 from, u32 to, then float32 mean[from], float32 matrix[from*to]. */
export function readProjection(path: string): Projection {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'VPRJ') throw new Error(`${path}: not a projection file`);
  const from = buf.readUInt32LE(4), to = buf.readUInt32LE(8);
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + 12, buf.byteOffset + 12 + 4 * (from + from * to)));
  return { from, to, mean: floats.slice(0, from), matrix: floats.slice(from) };
}

export function encodeProjection(p: Projection): Buffer {
  const head = Buffer.alloc(12);
  head.write('VPRJ', 0, 'ascii');
  head.writeUInt32LE(p.from, 4);
  head.writeUInt32LE(p.to, 8);
  return Buffer.concat([head, Buffer.from(p.mean.buffer, p.mean.byteOffset, p.mean.byteLength), Buffer.from(p.matrix.buffer, p.matrix.byteOffset, p.matrix.byteLength)]);
}

export function project(p: Projection, x: Float32Array): Float32Array {
  const out = new Float32Array(p.to);
  for (let i = 0; i < p.from; i++) {
    const d = x[i]! - p.mean[i]!;
    if (d === 0) continue;
    const row = i * p.to;
    for (let j = 0; j < p.to; j++) out[j]! += d * p.matrix[row + j]!;
  }
  return out;
}

export interface EmbedOptions {
  /** Largest batch fed to a batched embedder. */
  batchSize: number;
  /** Also embed the mirrored chip and average (test-time augmentation). */
  flip: boolean;
}

export class Embedder {
  private projection: Projection | null = null;

  constructor(
    private readonly session: InferenceSession,
    readonly model: EmbedderModel,
    modelsDir: string,
    private readonly opts: EmbedOptions,
  ) {
    if (model.projection) {
      const file = join(modelsDir, model.projection.file);
      // Missing only while the projection is being fitted (visage fit-projection); embed() then refuses.
      if (existsSync(file)) this.projection = readProjection(file);
    }
  }

  /** Raw network outputs (before projection/normalisation) for packed RGB chips. */
  async raw(chips: Uint8Array[]): Promise<Float32Array[]> {
    const S = this.model.inputSize;
    const plane = S * S;
    const out: Float32Array[] = [];
    const batch = this.model.batched ? Math.max(1, this.opts.batchSize) : 1;
    const norm = this.model.normalise;
    for (let start = 0; start < chips.length; start += batch) {
      const part = chips.slice(start, start + batch);
      const input = new Float32Array(part.length * 3 * plane);
      part.forEach((px, b) => {
        const base = b * 3 * plane;
        for (let i = 0; i < plane; i++) {
          for (let c = 0; c < 3; c++) {
            const v = px[i * 3 + c]!;
            input[base + c * plane + i] = norm ? (v - norm.mean) / norm.std : v;
          }
        }
      });
      const res = await this.session.run({ [this.session.inputNames[0]!]: new Tensor('float32', input, [part.length, 3, S, S]) });
      const data = res[this.session.outputNames[0]!]!.data as Float32Array;
      const d = this.model.outputDims;
      for (let b = 0; b < part.length; b++) out.push(data.slice(b * d, (b + 1) * d));
    }
    return out;
  }

  /**
   * The network's L2-normalised output for each chip (mirror-averaged when flip is on), before any
   * projection. `timings.embedMirror` (when given) gets the mirrored faces' share: mirroring the
   * chips plus half the network time (they share its batches).
   */
  async unitFloat(chips: Uint8Array[], timings?: { embedMirror: number }): Promise<Float32Array[]> {
    const S = this.model.inputSize;
    const t0 = performance.now();
    const all = this.opts.flip ? [...chips, ...chips.map((c) => mirrorChip(c, S))] : chips;
    const t1 = performance.now();
    const raws = await this.raw(all);
    if (timings && this.opts.flip) timings.embedMirror += t1 - t0 + (performance.now() - t1) / 2;
    const n = chips.length;
    const result: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      let v = l2normalize(raws[i]!);
      if (this.opts.flip) {
        const m = l2normalize(raws[n + i]!);
        const s = new Float32Array(v.length);
        for (let k = 0; k < v.length; k++) s[k] = v[k]! + m[k]!;
        v = l2normalize(s);
      }
      result.push(v);
    }
    return result;
  }

  /** L2-normalised 128-D float embeddings (projected when the model has a projection). */
  async embedFloat(chips: Uint8Array[], timings?: { embedMirror: number }): Promise<Float32Array[]> {
    return (await this.unitFloat(chips, timings)).map((u) => {
      const v = this.projection ? l2normalize(project(this.projection, u)) : u;
      if (v.length !== EMBEDDING_BYTES) throw new Error(`embedder ${this.model.id} gives ${v.length} dims, not ${EMBEDDING_BYTES}`);
      return v;
    });
  }

  /**
   * The 128 bytes of faces given by their 68 landmarks (image coordinates); `chips`, when the
   * caller already aligned them for this model, saves the warp.
   */
  async embedFaces(img: RgbImage, landmarks: Point[][], chips?: Uint8Array[], timings?: { embedMirror: number }): Promise<Int8Array[]> {
    return this.embed(chips ?? landmarks.map((l) => alignFace(img, l, this.model).pixels), timings);
  }

  async embed(chips: Uint8Array[], timings?: { embedMirror: number }): Promise<Int8Array[]> {
    return (await this.embedFloat(chips, timings)).map((v) => quantize(v, this.model.quantScale));
  }

  get hasProjection(): boolean {
    return this.projection !== null;
  }
}
