/**
 * A small ONNX model encoder for tests: just enough of onnx.proto (ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto) to write a graph of standard ops with float/int64 weights, hand-encoded
 * as protobuf so that tests can build models without Python or a protobuf dependency.
 * Field numbers are those of https://github.com/onnx/onnx/blob/main/onnx/onnx.proto.
 */

/** Element types this writer can store; the values are onnx.TensorProto.DataType. */
export const ElemType = { float: 1, int64: 7 } as const;
/** The name of a supported element type ("float" or "int64"). */
export type ElemTypeName = keyof typeof ElemType;

/** A constant of the graph (weights, axes, shapes), stored as little-endian raw_data. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** One operator call. Attributes are the integer ones (`to` of Cast, `start` of Shape…); opset ≥ 13 takes axes as inputs. */
export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, number>>;
}

/** A graph input or output: a tensor whose dimensions are fixed (number) or symbolic (dim_param name). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: ElemTypeName;
  readonly shape: readonly (number | string)[];
}

/** A whole model: one graph in the default ("ai.onnx") domain at the given opset. */
export interface OnnxModel {
  readonly opset: number;
  /** 8 goes with opsets up to 17 (onnx/docs/Versioning.md). */
  readonly irVersion: number;
  readonly producer: string;
  readonly graphName: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

// Protobuf wire types.
const VARINT = 0;
const LEN = 2;

/**
 * Encoded protobuf as a list of chunks: a message's length prefix needs only the chunks' sizes, so a
 * large tensor nested three messages deep is copied once, into the final buffer, not at every level.
 */
type Encoded = readonly Uint8Array[];

function varint(value: number | bigint): number[] {
  // int64 fields encode negatives as their 64-bit two's complement (10 bytes).
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function size(encoded: Encoded): number {
  return encoded.reduce((n, chunk) => n + chunk.length, 0);
}

function intField(field: number, value: number | bigint): Encoded {
  return [Uint8Array.from([...varint((field << 3) | VARINT), ...varint(value)])];
}

function lengthDelimited(field: number, ...body: Encoded[]): Encoded {
  const chunks = body.flat();
  return [Uint8Array.from([...varint((field << 3) | LEN), ...varint(size(chunks))]), ...chunks];
}

function stringField(field: number, text: string): Encoded {
  return lengthDelimited(field, [new TextEncoder().encode(text)]);
}

function packedInts(field: number, values: readonly number[]): Encoded {
  return lengthDelimited(field, [Uint8Array.from(values.flatMap((v) => varint(v)))]);
}

function littleEndian(data: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i], true);
  return out;
}

function tensorProto(t: OnnxTensor): Encoded[] {
  const elemType = t.data instanceof Float32Array ? ElemType.float : ElemType.int64;
  const expected = t.dims.reduce((n, d) => n * d, 1);
  if (expected !== t.data.length) throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} need ${expected} values, got ${t.data.length}`);
  return [packedInts(1, t.dims), intField(2, elemType), stringField(8, t.name), lengthDelimited(9, [littleEndian(t.data)])];
}

function attributeProto(name: string, value: number): Encoded[] {
  const INT = 2; // onnx.AttributeProto.AttributeType
  return [stringField(1, name), intField(3, value), intField(20, INT)];
}

function nodeProto(node: OnnxNode, index: number): Encoded[] {
  return [
    ...node.inputs.map((name) => stringField(1, name)),
    ...node.outputs.map((name) => stringField(2, name)),
    stringField(3, `${node.opType}_${index}`),
    stringField(4, node.opType),
    ...Object.entries(node.attributes ?? {}).map(([name, value]) => lengthDelimited(5, ...attributeProto(name, value))),
  ];
}

function valueInfoProto(info: OnnxValueInfo): Encoded[] {
  const dims = info.shape.map((d) => lengthDelimited(1, typeof d === "number" ? intField(1, d) : stringField(2, d)));
  const tensorType = lengthDelimited(1, intField(1, ElemType[info.elemType]), lengthDelimited(2, ...dims));
  return [stringField(1, info.name), lengthDelimited(2, tensorType)];
}

/** The model as the bytes of a .onnx file (a serialized onnx.ModelProto). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const graph = [
    ...model.nodes.map((node, i) => lengthDelimited(1, ...nodeProto(node, i))),
    stringField(2, model.graphName),
    ...model.initializers.map((t) => lengthDelimited(5, ...tensorProto(t))),
    ...model.inputs.map((v) => lengthDelimited(11, ...valueInfoProto(v))),
    ...model.outputs.map((v) => lengthDelimited(12, ...valueInfoProto(v))),
  ];
  const chunks = [
    intField(1, model.irVersion),
    stringField(2, model.producer),
    lengthDelimited(7, ...graph),
    lengthDelimited(8, stringField(1, ""), intField(2, model.opset)),
  ].flat();
  const out = new Uint8Array(size(chunks));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
