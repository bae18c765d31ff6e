/**
 * Converts face-api.js's FaceLandmark68Net (MIT) from tfjs weights to ONNX.
 *
 * Four dense blocks of depthwise-separable convolutions, a 7x7 average pool and a dense layer
 * giving 136 numbers: x0,y0,x1,y1,... relative to the square input (0..1). The input is raw RGB,
 * NCHW, 0..255, 112x112; the graph subtracts the mean RGB and divides by 255 as face-api.js does.
 */
import { GraphBuilder, type Value } from './onnx-graph';
import { depthwiseToOihw, hwioToOihw, type TfjsTensor } from './tfjs-weights';

export const LANDMARK68_INPUT = 112;
const MEAN_RGB = [122.782, 117.001, 104.298];

type Weights = Map<string, TfjsTensor>;

function get(w: Weights, name: string): TfjsTensor {
  const t = w.get(name);
  if (!t) throw new Error(`landmark weights: missing ${name}`);
  return t;
}

function separable(g: GraphBuilder, w: Weights, x: Value, prefix: string, stride: number): Value {
  const dw = depthwiseToOihw(get(w, `${prefix}/depthwise_filter`));
  const c = x.shape[1]!;
  const y = g.conv(x, dw, null, stride, 'same', c);
  const pw = hwioToOihw(get(w, `${prefix}/pointwise_filter`));
  return g.conv(y, pw, get(w, `${prefix}/bias`).data, 1, 'same');
}

function denseBlock4(g: GraphBuilder, w: Weights, x: Value, prefix: string, first: boolean): Value {
  const out1 = g.relu(
    first
      ? g.conv(x, hwioToOihw(get(w, `${prefix}/conv0/filters`)), get(w, `${prefix}/conv0/bias`).data, 2, 'same')
      : separable(g, w, x, `${prefix}/conv0`, 2),
  );
  const out2 = separable(g, w, out1, `${prefix}/conv1`, 1);
  const in3 = g.relu(g.add(out1, out2));
  const out3 = separable(g, w, in3, `${prefix}/conv2`, 1);
  const in4 = g.relu(g.add(out1, g.add(out2, out3)));
  const out4 = separable(g, w, in4, `${prefix}/conv3`, 1);
  return g.relu(g.add(out1, g.add(out2, g.add(out3, out4))));
}

export function buildLandmark68Onnx(weights: Weights): { bytes: Uint8Array; nodes: number } {
  const g = new GraphBuilder(13);
  const S = LANDMARK68_INPUT;
  const input = g.input('input', [-1, 3, S, S]);
  let x = g.sub(input, { dims: [1, 3, 1, 1], data: Float32Array.from(MEAN_RGB) });
  x = g.mulScalar(x, 1 / 255);
  x = denseBlock4(g, weights, x, 'dense0', true);
  x = denseBlock4(g, weights, x, 'dense1', false);
  x = denseBlock4(g, weights, x, 'dense2', false);
  x = denseBlock4(g, weights, x, 'dense3', false);
  x = g.avgPool(x, 7, 2);
  const flat = g.flattenNhwc(x);
  const fcw = get(weights, 'fc/weights');
  const out = g.dense(flat, { dims: [fcw.shape[0]!, fcw.shape[1]!], data: fcw.data }, get(weights, 'fc/bias').data);
  g.output(out, 'landmarks');
  const bytes = g.build('faceapi_landmark68', 'face-api.js FaceLandmark68Net (MIT); converted by Visage');
  return { bytes, nodes: g.nodeCount };
}
