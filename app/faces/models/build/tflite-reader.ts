/**
 * Reads a TensorFlow Lite model (a FlatBuffer, file identifier "TFL3") into plain objects: the
 * subset of tensorflow/lite/schema/schema.fbs that a float32 feed-forward net needs (tensors,
 * buffers, operator codes, operators and the builtin options of the operators we convert).
 *
 * No npm package exposes the TFLite schema, so the accessors are written here against the
 * `flatbuffers` runtime (ByteBuffer): each table field is looked up through the table's vtable
 * (field slot n lives at vtable offset 4 + 2n; absent means the schema's default), exactly as
 * flatc-generated code does. The slot numbers below are schema.fbs's field order.
 */
import { ByteBuffer } from 'flatbuffers';

/** BuiltinOperator codes (schema.fbs) of the operators the converter knows. */
export const TflOp = {
  ADD: 0,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SUB: 41,
  ABS: 101,
} as const;

/** BuiltinOptions union member (schema.fbs order, 1-based) that each converted operator carries. */
const OPTIONS_TYPE: Record<number, number> = {
  [TflOp.CONV_2D]: 1, // Conv2DOptions
  [TflOp.DEPTHWISE_CONV_2D]: 2, // DepthwiseConv2DOptions
  [TflOp.ADD]: 11, // AddOptions
  [TflOp.RESHAPE]: 17, // ReshapeOptions
  [TflOp.MUL]: 21, // MulOptions
  [TflOp.SUB]: 28, // SubOptions
};

/** TensorType codes (schema.fbs): only FLOAT32 and INT32 are read as numbers. */
export const TflType = { FLOAT32: 0, INT32: 2 } as const;
/** Padding (schema.fbs). */
export const TflPadding = { SAME: 0, VALID: 1 } as const;
/** ActivationFunctionType (schema.fbs). */
export const TflActivation = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 } as const;

export interface TflTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Index into the model's buffers; 0 is the empty sentinel buffer. */
  buffer: number;
}

export interface TflOperator {
  opcode: number;
  inputs: number[];
  outputs: number[];
  /** The builtin options, decoded for the operators we convert (see readOptions). */
  options: TflOptions;
}

export interface TflOptions {
  padding?: number;
  strideW?: number;
  strideH?: number;
  dilationW?: number;
  dilationH?: number;
  depthMultiplier?: number;
  activation?: number;
  newShape?: number[];
}

export interface TflModel {
  version: number;
  description: string;
  tensors: TflTensor[];
  inputs: number[];
  outputs: number[];
  operators: TflOperator[];
  /** The raw bytes of each buffer (views into the file). */
  buffers: Uint8Array[];
}

/** One FlatBuffer table: field access through its vtable, as generated code does. */
class Table {
  constructor(
    private readonly bb: ByteBuffer,
    private readonly pos: number,
  ) {}

  /** Offset of field `slot` from the table start, or 0 when the field is absent. */
  private field(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }

  u8(slot: number, dflt: number): number {
    const o = this.field(slot);
    return o ? this.bb.readUint8(this.pos + o) : dflt;
  }
  i8(slot: number, dflt: number): number {
    const o = this.field(slot);
    return o ? this.bb.readInt8(this.pos + o) : dflt;
  }
  i32(slot: number, dflt: number): number {
    const o = this.field(slot);
    return o ? this.bb.readInt32(this.pos + o) : dflt;
  }
  u32(slot: number, dflt: number): number {
    const o = this.field(slot);
    return o ? this.bb.readUint32(this.pos + o) : dflt;
  }
  u64(slot: number, dflt: bigint): bigint {
    const o = this.field(slot);
    return o ? this.bb.readUint64(this.pos + o) : dflt;
  }
  string(slot: number): string {
    const o = this.field(slot);
    return o ? (this.bb.__string(this.pos + o) as string) : '';
  }
  table(slot: number): Table | null {
    const o = this.field(slot);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }
  tables(slot: number): Table[] {
    const o = this.field(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: Table[] = [];
    for (let i = 0; i < n; i++) out.push(new Table(this.bb, this.bb.__indirect(start + 4 * i)));
    return out;
  }
  i32s(slot: number): number[] {
    const o = this.field(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.bb.readInt32(start + 4 * i));
    return out;
  }
  bytes(slot: number): Uint8Array {
    const o = this.field(slot);
    if (!o) return new Uint8Array(0);
    const start = this.bb.__vector(this.pos + o);
    return this.bb.bytes().subarray(start, start + this.bb.__vector_len(this.pos + o));
  }
}

/** Builtin options by operator (slots from schema.fbs's Conv2DOptions, DepthwiseConv2DOptions, ...). */
function readOptions(opcode: number, t: Table | null): TflOptions {
  if (!t) return {};
  switch (opcode) {
    case TflOp.CONV_2D: // padding, stride_w, stride_h, fused_activation_function, dilation_w, dilation_h
      return { padding: t.i8(0, 0), strideW: t.i32(1, 0), strideH: t.i32(2, 0), activation: t.i8(3, 0), dilationW: t.i32(4, 1), dilationH: t.i32(5, 1) };
    case TflOp.DEPTHWISE_CONV_2D: // padding, stride_w, stride_h, depth_multiplier, fused_activation_function, dilation_w, dilation_h
      return {
        padding: t.i8(0, 0),
        strideW: t.i32(1, 0),
        strideH: t.i32(2, 0),
        depthMultiplier: t.i32(3, 0),
        activation: t.i8(4, 0),
        dilationW: t.i32(5, 1),
        dilationH: t.i32(6, 1),
      };
    case TflOp.ADD: // AddOptions, MulOptions, SubOptions: fused_activation_function first
    case TflOp.MUL:
    case TflOp.SUB:
      return { activation: t.i8(0, 0) };
    case TflOp.RESHAPE: // ReshapeOptions: new_shape
      return { newShape: t.i32s(0) };
    default:
      return {};
  }
}

export function readTflite(file: Uint8Array): TflModel {
  const bb = new ByteBuffer(file);
  if (file.length < 8 || bb.getBufferIdentifier() !== 'TFL3') throw new Error('not a TensorFlow Lite model (file identifier is not "TFL3")');
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  // OperatorCode: deprecated_builtin_code (byte) 0, custom_code 1, version 2, builtin_code (int) 3.
  // Readers take the larger of the two (tflite's GetBuiltinCode): old files fill only the first.
  const codes = model.tables(1).map((c) => Math.max(c.i8(0, 0), c.i32(3, 0)));
  const subgraphs = model.tables(2);
  if (subgraphs.length !== 1) throw new Error(`expected one subgraph, found ${subgraphs.length}`);
  const g = subgraphs[0]!;
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
  // Tensor: shape 0, type 1, buffer 2, name 3.
  const tensors = g.tables(0).map((t, index) => ({ index, shape: t.i32s(0), type: t.i8(1, 0), buffer: t.u32(2, 0), name: t.string(3) }));
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
  const operators = g.tables(3).map((op) => {
    const opcode = codes[op.u32(0, 0)];
    if (opcode === undefined) throw new Error('operator refers to a missing operator code');
    const optionsType = op.u8(3, 0);
    const expected = OPTIONS_TYPE[opcode];
    if (optionsType !== 0 && expected !== undefined && optionsType !== expected) {
      throw new Error(`operator code ${opcode} carries builtin options of union type ${optionsType}, expected ${expected}`);
    }
    return { opcode, inputs: op.i32s(1), outputs: op.i32s(2), options: readOptions(opcode, op.table(4)) };
  });
  // Buffer: data 0, offset 1, size 2 (offset/size are used by files over 2 GB, relative to the file start).
  const buffers = model.tables(4).map((b) => {
    const data = b.bytes(0);
    const offset = b.u64(1, 0n);
    if (data.length === 0 && offset > 1n) return file.subarray(Number(offset), Number(offset) + Number(b.u64(2, 0n)));
    return data;
  });
  return { version: model.u32(0, 0), description: model.string(3), tensors, inputs: g.i32s(1), outputs: g.i32s(2), operators, buffers };
}

/** A tensor's constant data as float32 (little-endian, copied so that alignment does not matter). */
export function tensorFloats(m: TflModel, t: TflTensor): Float32Array {
  if (t.type !== TflType.FLOAT32) throw new Error(`tensor ${t.name}: type ${t.type} is not float32`);
  const bytes = m.buffers[t.buffer];
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (!bytes || bytes.length !== 4 * n) throw new Error(`tensor ${t.name}: has ${bytes?.length ?? 0} bytes of data, expected ${4 * n}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** True when the tensor holds constant data (a weight), false for an activation. */
export function isConstant(m: TflModel, t: TflTensor): boolean {
  return t.buffer > 0 && (m.buffers[t.buffer]?.length ?? 0) > 0;
}
