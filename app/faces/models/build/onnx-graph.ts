/**
 * A small builder for ONNX graphs, written with the onnx-proto protobuf definitions. It knows
 * only the operators our converters need, and computes the static shapes as it goes so that
 * TensorFlow's SAME padding (asymmetric, extra at the end) can be expressed as explicit pads.
 */
import { onnx } from 'onnx-proto';

export type Shape = number[];
export interface Value {
  name: string;
  /** NCHW for images, [N, C] for vectors; N is kept symbolic (-1). */
  shape: Shape;
}

export type Attr = { name: string; ints?: number[]; i?: number; f?: number; floats?: number[] };

export class GraphBuilder {
  private nodes: onnx.INodeProto[] = [];
  private inits: onnx.ITensorProto[] = [];
  private counter = 0;
  private inputs: onnx.IValueInfoProto[] = [];
  private outputs: onnx.IValueInfoProto[] = [];

  constructor(readonly opset = 13) {}

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, shape: Shape): Value {
    this.inputs.push(valueInfo(name, shape));
    return { name, shape };
  }

  output(v: Value, name: string): Value {
    this.node('Identity', [v.name], name, []);
    this.outputs.push(valueInfo(name, v.shape));
    return { name, shape: v.shape };
  }

  constant(prefix: string, dims: number[], data: Float32Array | number[]): string {
    const name = this.fresh(prefix);
    const floats = data instanceof Float32Array ? data : Float32Array.from(data);
    if (floats.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`constant ${name}: size mismatch`);
    this.inits.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(floats.buffer.slice(floats.byteOffset, floats.byteOffset + floats.byteLength)),
    });
    return name;
  }

  constantInt64(prefix: string, values: number[]): string {
    const name = this.fresh(prefix);
    this.inits.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      int64Data: values,
    });
    return name;
  }

  private node(op: string, inputs: string[], output: string, attrs: Attr[]): void {
    this.nodes.push({
      opType: op,
      input: inputs,
      output: [output],
      name: output,
      attribute: attrs.map((a) => {
        if (a.ints) return { name: a.name, ints: a.ints, type: onnx.AttributeProto.AttributeType.INTS };
        if (a.floats) return { name: a.name, floats: a.floats, type: onnx.AttributeProto.AttributeType.FLOATS };
        if (a.f !== undefined) return { name: a.name, f: a.f, type: onnx.AttributeProto.AttributeType.FLOAT };
        return { name: a.name, i: a.i, type: onnx.AttributeProto.AttributeType.INT };
      }),
    });
  }

  /**
   * 2-D convolution, NCHW. `padding` follows TensorFlow: 'same' pads so that out = ceil(in/stride),
   * with the odd pixel at the end; 'valid' pads nothing.
   */
  conv(
    x: Value,
    weight: { dims: number[]; data: Float32Array },
    bias: Float32Array | null,
    stride: number,
    padding: 'same' | 'valid',
    group = 1,
  ): Value {
    const [co, , kh, kw] = weight.dims as [number, number, number, number];
    const [n, , h, w] = x.shape as [number, number, number, number];
    const [pt, pb, oh] = tfPad(h, kh, stride, padding);
    const [pl, pr, ow] = tfPad(w, kw, stride, padding);
    const wName = this.constant('W', weight.dims, weight.data);
    const inputs = [x.name, wName];
    if (bias) inputs.push(this.constant('B', [co], bias));
    const out = this.fresh('conv');
    this.node('Conv', inputs, out, [
      { name: 'kernel_shape', ints: [kh, kw] },
      { name: 'strides', ints: [stride, stride] },
      { name: 'pads', ints: [pt, pl, pb, pr] },
      { name: 'group', i: group },
    ]);
    return { name: out, shape: [n, co, oh, ow] };
  }

  /** Any one-output operator whose output shape the caller knows (converters that map operators one to one). */
  op(opType: string, inputs: string[], shape: Shape, attrs: Attr[] = []): Value {
    const out = this.fresh(opType.toLowerCase());
    this.node(opType, inputs, out, attrs);
    return { name: out, shape };
  }

  /** Per-channel affine y = x * scale + shift (NCHW), as one Mul and one Add. */
  channelAffine(x: Value, scale: Float32Array | null, shift: Float32Array | null): Value {
    const c = x.shape[1]!;
    let cur = x;
    if (scale) {
      const s = this.constant('scale', [c, 1, 1], scale);
      const out = this.fresh('mul');
      this.node('Mul', [cur.name, s], out, []);
      cur = { name: out, shape: cur.shape };
    }
    if (shift) {
      const b = this.constant('shift', [c, 1, 1], shift);
      const out = this.fresh('add');
      this.node('Add', [cur.name, b], out, []);
      cur = { name: out, shape: cur.shape };
    }
    return cur;
  }

  relu(x: Value): Value {
    const out = this.fresh('relu');
    this.node('Relu', [x.name], out, []);
    return { name: out, shape: x.shape };
  }

  add(a: Value, b: Value): Value {
    const out = this.fresh('sum');
    this.node('Add', [a.name, b.name], out, []);
    return { name: out, shape: a.shape };
  }

  sub(a: Value, constant: { dims: number[]; data: Float32Array }): Value {
    const c = this.constant('sub', constant.dims, constant.data);
    const out = this.fresh('sub');
    this.node('Sub', [a.name, c], out, []);
    return { name: out, shape: a.shape };
  }

  mulScalar(a: Value, s: number): Value {
    const c = this.constant('k', [1], [s]);
    const out = this.fresh('mul');
    this.node('Mul', [a.name, c], out, []);
    return { name: out, shape: a.shape };
  }

  private pool(op: 'MaxPool' | 'AveragePool', x: Value, k: number, stride: number, padding: 'same' | 'valid'): Value {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const [pt, pb, oh] = tfPad(h, k, stride, padding);
    const [pl, pr, ow] = tfPad(w, k, stride, padding);
    if (pt + pb + pl + pr > 0 && op === 'AveragePool') {
      throw new Error('AveragePool with SAME padding would count pads differently from TensorFlow');
    }
    const out = this.fresh(op === 'MaxPool' ? 'maxpool' : 'avgpool');
    this.node(op, [x.name], out, [
      { name: 'kernel_shape', ints: [k, k] },
      { name: 'strides', ints: [stride, stride] },
      { name: 'pads', ints: [pt, pl, pb, pr] },
    ]);
    return { name: out, shape: [n, c, oh, ow] };
  }

  maxPool(x: Value, k: number, stride: number, padding: 'same' | 'valid'): Value {
    return this.pool('MaxPool', x, k, stride, padding);
  }

  avgPool(x: Value, k: number, stride: number): Value {
    return this.pool('AveragePool', x, k, stride, 'valid');
  }

  /** Zero padding: pads = [begin per axis..., end per axis...] in ONNX order. */
  pad(x: Value, begins: number[], ends: number[]): Value {
    const p = this.constantInt64('pads', [...begins, ...ends]);
    const out = this.fresh('pad');
    this.node('Pad', [x.name, p], out, []);
    return { name: out, shape: x.shape.map((d, i) => (d < 0 ? d : d + begins[i]! + ends[i]!)) };
  }

  /** Mean over H and W of an NCHW tensor, giving [N, C]. */
  globalMean(x: Value): Value {
    const out = this.fresh('gap');
    this.node('ReduceMean', [x.name], out, [
      { name: 'axes', ints: [2, 3] },
      { name: 'keepdims', i: 0 },
    ]);
    return { name: out, shape: [x.shape[0]!, x.shape[1]!] };
  }

  /** Flatten NCHW to [N, C*H*W] in NHWC order, matching TensorFlow's reshape of an NHWC tensor. */
  flattenNhwc(x: Value): Value {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const t = this.fresh('nhwc');
    this.node('Transpose', [x.name], t, [{ name: 'perm', ints: [0, 2, 3, 1] }]);
    const shape = this.constantInt64('shape', [-1, h * w * c]);
    const out = this.fresh('flat');
    this.node('Reshape', [t, shape], out, []);
    return { name: out, shape: [n, h * w * c] };
  }

  /** y = x @ W (+ b), W given as [in, out] row-major (TensorFlow's layout). */
  dense(x: Value, w: { dims: [number, number]; data: Float32Array }, b: Float32Array | null): Value {
    const wName = this.constant('fc', w.dims, w.data);
    const out = this.fresh('matmul');
    this.node('MatMul', [x.name, wName], out, []);
    let cur: Value = { name: out, shape: [x.shape[0]!, w.dims[1]] };
    if (b) {
      const bName = this.constant('fcb', [w.dims[1]], b);
      const o2 = this.fresh('bias');
      this.node('Add', [cur.name, bName], o2, []);
      cur = { name: o2, shape: cur.shape };
    }
    return cur;
  }

  /** Serialise to an ONNX ModelProto (bytes). */
  build(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'visage-model-builder',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: this.opset }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

/** TensorFlow padding arithmetic for one spatial axis: [padBegin, padEnd, outSize]. */
export function tfPad(size: number, k: number, stride: number, padding: 'same' | 'valid'): [number, number, number] {
  if (padding === 'valid') {
    return [0, 0, Math.floor((size - k) / stride) + 1];
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin, out];
}

function valueInfo(name: string, shape: Shape): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (d < 0 ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  };
}
