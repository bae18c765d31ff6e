/**
 * Converts face-api.js's FaceRecognitionNet (a re-expression of dlib's
 * dlib_face_recognition_resnet_model_v1, 29 conv layers) from tfjs weights to ONNX.
 *
 * The graph reproduces face-api.js's forward pass exactly (its 'valid' stride-2 convolutions and
 * its zero-padded residual shortcuts included). The input is raw RGB pixels, NCHW, 0..255, 150x150;
 * the graph subtracts dlib's mean RGB and divides by 256 itself. The conv bias and the
 * following scale layer (y = (conv + b) * s + t) are folded into the convolution's weights.
 */
import { GraphBuilder, type Value } from './onnx-graph';
import { hwioToOihw, type TfjsTensor } from './tfjs-weights';

export const FACE_RECOGNITION_MEAN_RGB = [122.782, 117.001, 104.298] as const;
export const FACE_RECOGNITION_INPUT = 150;

type Weights = Map<string, TfjsTensor>;

function get(w: Weights, name: string): TfjsTensor {
  const t = w.get(name);
  if (!t) throw new Error(`face recognition weights: missing ${name}`);
  return t;
}

/** conv + bias + scale folded: W' = W * s (per output channel), b' = b * s + t. */
function foldedConv(w: Weights, prefix: string): { weight: { dims: number[]; data: Float32Array }; bias: Float32Array } {
  const filters = hwioToOihw(get(w, `${prefix}/conv/filters`));
  const b = get(w, `${prefix}/conv/bias`).data;
  const s = get(w, `${prefix}/scale/weights`).data;
  const t = get(w, `${prefix}/scale/biases`).data;
  const co = filters.dims[0]!;
  const per = filters.data.length / co;
  const data = new Float32Array(filters.data.length);
  for (let o = 0; o < co; o++) for (let i = 0; i < per; i++) data[o * per + i] = filters.data[o * per + i]! * s[o]!;
  const bias = new Float32Array(co);
  for (let o = 0; o < co; o++) bias[o] = b[o]! * s[o]! + t[o]!;
  return { weight: { dims: filters.dims, data }, bias };
}

function convLayer(g: GraphBuilder, w: Weights, x: Value, prefix: string, stride: number, relu: boolean, padding: 'same' | 'valid'): Value {
  const { weight, bias } = foldedConv(w, prefix);
  const y = g.conv(x, weight, bias, stride, padding);
  return relu ? g.relu(y) : y;
}

function residual(g: GraphBuilder, w: Weights, x: Value, prefix: string): Value {
  let out = convLayer(g, w, x, `${prefix}/conv1`, 1, true, 'same');
  out = convLayer(g, w, out, `${prefix}/conv2`, 1, false, 'same');
  return g.relu(g.add(out, x));
}

function residualDown(g: GraphBuilder, w: Weights, x: Value, prefix: string): Value {
  let out = convLayer(g, w, x, `${prefix}/conv1`, 2, true, 'valid');
  out = convLayer(g, w, out, `${prefix}/conv2`, 1, false, 'same');
  let pooled = g.avgPool(x, 2, 2);
  const [, co, oh, ow] = out.shape as [number, number, number, number];
  const [, cp, ph, pw] = pooled.shape as [number, number, number, number];
  if (oh !== ph || ow !== pw) {
    // face-api.js appends one row and one column of zeros to the conv branch.
    out = g.pad(out, [0, 0, 0, 0], [0, 0, ph - oh, pw - ow]);
  }
  if (cp !== co) {
    // ... and zero channels to the shortcut when the width doubles.
    pooled = g.pad(pooled, [0, 0, 0, 0], [0, co - cp, 0, 0]);
  }
  return g.relu(g.add(pooled, out));
}

export function buildFaceRecognitionOnnx(weights: Weights): { bytes: Uint8Array; nodes: number } {
  const g = new GraphBuilder(13);
  const S = FACE_RECOGNITION_INPUT;
  const input = g.input('input', [-1, 3, S, S]);
  let x = g.sub(input, { dims: [1, 3, 1, 1], data: Float32Array.from(FACE_RECOGNITION_MEAN_RGB) });
  x = g.mulScalar(x, 1 / 256);
  x = convLayer(g, weights, x, 'conv32_down', 2, true, 'valid');
  x = g.maxPool(x, 3, 2, 'valid');
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(g, weights, x, p);
  x = residualDown(g, weights, x, 'conv64_down');
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(g, weights, x, p);
  x = residualDown(g, weights, x, 'conv128_down');
  for (const p of ['conv128_1', 'conv128_2']) x = residual(g, weights, x, p);
  x = residualDown(g, weights, x, 'conv256_down');
  for (const p of ['conv256_1', 'conv256_2']) x = residual(g, weights, x, p);
  x = residualDown(g, weights, x, 'conv256_down_out');
  const pooled = g.globalMean(x);
  const fc = get(weights, 'fc');
  const emb = g.dense(pooled, { dims: [fc.shape[0]!, fc.shape[1]!], data: fc.data }, null);
  g.output(emb, 'embedding');
  const bytes = g.build(
    'dlib_resnet_128',
    'dlib face recognition ResNet v1 (public domain weights) as shipped in face-api.js format; converted by Visage',
  );
  return { bytes, nodes: g.nodeCount };
}
