/**
 * Writes small TensorFlow Lite FlatBuffers for the converter's tests, with the `flatbuffers`
 * Builder and the field slots of tensorflow/lite/schema/schema.fbs (written independently of the
 * reader in app/faces/models/build/tflite-reader.ts: tables, vtables and defaults are the builder's).
 */
import { Builder } from 'flatbuffers';

export interface WTensor {
  name: string;
  shape: number[];
  /** Constant data (a weight); absent for activations. */
  data?: Float32Array | Int32Array;
}

export type WOptions =
  | { kind: 'conv'; padding: 0 | 1; stride: number; activation?: number }
  | { kind: 'depthwise'; padding: 0 | 1; stride: number; multiplier: number; activation?: number }
  | { kind: 'elementwise'; unionType: 11 | 21 | 28; activation?: number }
  | { kind: 'reshape'; newShape: number[] };

export interface WOperator {
  opcode: number;
  inputs: number[];
  outputs: number[];
  options?: WOptions;
}

function int32Vector(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

function writeOptions(b: Builder, o: WOptions): number {
  switch (o.kind) {
    case 'conv': // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3
      b.startObject(6);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.stride, 0);
      b.addFieldInt32(2, o.stride, 0);
      b.addFieldInt8(3, o.activation ?? 0, 0);
      return b.endObject();
    case 'depthwise': // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, activation 4
      b.startObject(7);
      b.addFieldInt8(0, o.padding, 0);
      b.addFieldInt32(1, o.stride, 0);
      b.addFieldInt32(2, o.stride, 0);
      b.addFieldInt32(3, o.multiplier, 0);
      b.addFieldInt8(4, o.activation ?? 0, 0);
      return b.endObject();
    case 'elementwise': // AddOptions / MulOptions / SubOptions: fused_activation_function 0
      b.startObject(2);
      b.addFieldInt8(0, o.activation ?? 0, 0);
      return b.endObject();
    case 'reshape': {
      const shape = int32Vector(b, o.newShape);
      b.startObject(1);
      b.addFieldOffset(0, shape, 0);
      return b.endObject();
    }
  }
}

const UNION_TYPE = { conv: 1, depthwise: 2, reshape: 17 } as const;

export function writeTflite(tensors: WTensor[], operators: WOperator[], inputs: number[], outputs: number[]): Uint8Array {
  const b = new Builder(1024);
  // Buffers: 0 is the empty sentinel, then one per constant tensor.
  const bufferOffsets: number[] = [];
  b.startObject(3);
  bufferOffsets.push(b.endObject());
  const tensorBuffer: number[] = [];
  for (const t of tensors) {
    if (!t.data) {
      tensorBuffer.push(0);
      continue;
    }
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    b.startVector(1, bytes.length, 16);
    for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]!);
    const vec = b.endVector();
    b.startObject(3);
    b.addFieldOffset(0, vec, 0);
    tensorBuffer.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }
  const tensorOffsets = tensors.map((t, i) => {
    const shape = int32Vector(b, t.shape);
    const name = b.createString(t.name);
    b.startObject(8); // Tensor: shape 0, type 1, buffer 2, name 3
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.data instanceof Int32Array ? 2 : 0, 0);
    b.addFieldInt32(2, tensorBuffer[i]!, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const codes = [...new Set(operators.map((o) => o.opcode))];
  const opOffsets = operators.map((o) => {
    const ins = int32Vector(b, o.inputs);
    const outs = int32Vector(b, o.outputs);
    const opts = o.options ? writeOptions(b, o.options) : 0;
    b.startObject(5); // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
    b.addFieldInt32(0, codes.indexOf(o.opcode), 0);
    b.addFieldOffset(1, ins, 0);
    b.addFieldOffset(2, outs, 0);
    if (o.options) {
      b.addFieldInt8(3, o.options.kind === 'elementwise' ? o.options.unionType : UNION_TYPE[o.options.kind], 0);
      b.addFieldOffset(4, opts, 0);
    }
    return b.endObject();
  });
  const subTensors = offsetVector(b, tensorOffsets);
  const subInputs = int32Vector(b, inputs);
  const subOutputs = int32Vector(b, outputs);
  const subOps = offsetVector(b, opOffsets);
  b.startObject(5); // SubGraph: tensors 0, inputs 1, outputs 2, operators 3
  b.addFieldOffset(0, subTensors, 0);
  b.addFieldOffset(1, subInputs, 0);
  b.addFieldOffset(2, subOutputs, 0);
  b.addFieldOffset(3, subOps, 0);
  const subgraph = b.endObject();
  // OperatorCode: deprecated_builtin_code (byte) 0 for codes < 127, builtin_code (int) 3 always, as current writers do.
  const codeOffsets = codes.map((c) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(c, 127), 0);
    b.addFieldInt32(3, c, 0);
    return b.endObject();
  });
  const opcodes = offsetVector(b, codeOffsets);
  const subgraphs = offsetVector(b, [subgraph]);
  const buffers = offsetVector(b, bufferOffsets);
  const description = b.createString('visage test');
  b.startObject(5); // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array();
}
