import { ProtoWriter } from './protobuf.ts';

/**
 * A minimal ONNX graph under construction and its serialisation to a ModelProto. Field numbers follow
 * onnx.proto (IR version 8, which opset 17 belongs to). Only float32 tensors and integer attributes
 * are needed by the MobileNet graph, so only those exist here.
 */

export type Dim = number | string;

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, number | number[]>;
}

interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

interface ValueInfo {
  name: string;
  dims: Dim[];
}

const IR_VERSION = 8;
const FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly initializers: Initializer[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;

  input(name: string, dims: Dim[]): string {
    this.inputs.push({ name, dims });
    return name;
  }

  output(name: string, dims: Dim[]): void {
    this.outputs.push({ name, dims });
  }

  constant(name: string, dims: number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${data.length} values for shape [${dims}]`);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** Adds a node and returns its (single) output name; `output` names it, otherwise a fresh name is made. */
  node(op: string, inputs: string[], attributes: Record<string, number | number[]> = {}, output?: string): string {
    const out = output ?? `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  }

  encode(opts: { name: string; opset: number; producer: string; producerVersion: string; metadata?: Record<string, string> }): Uint8Array {
    const graph = new ProtoWriter();
    this.nodes.forEach((n, i) => graph.message(1, encodeNode(n, `${n.op}_${i}`)));
    graph.string(2, opts.name);
    for (const t of this.initializers) graph.message(5, encodeTensor(t));
    for (const v of this.inputs) graph.message(11, encodeValueInfo(v));
    for (const v of this.outputs) graph.message(12, encodeValueInfo(v));

    const model = new ProtoWriter()
      .varint(1, IR_VERSION)
      .string(2, opts.producer)
      .string(3, opts.producerVersion)
      .message(7, graph)
      .message(8, new ProtoWriter().string(1, '').varint(2, opts.opset));
    for (const [key, value] of Object.entries(opts.metadata ?? {})) model.message(14, new ProtoWriter().string(1, key).string(2, value));
    return model.finish();
  }
}

function encodeNode(n: Node, name: string): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, name).string(4, n.op);
  for (const [key, value] of Object.entries(n.attributes)) {
    const a = new ProtoWriter().string(1, key);
    if (Array.isArray(value)) {
      for (const v of value) a.varint(8, v);
      a.varint(20, ATTRIBUTE_INTS);
    } else {
      a.varint(3, value).varint(20, ATTRIBUTE_INT);
    }
    w.message(5, a);
  }
  return w;
}

function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, FLOAT).string(8, t.name);
  // raw_data is little-endian by spec; copy so that a view into a larger buffer is not written whole.
  const raw = new Uint8Array(t.data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i], true);
  return w.bytes(9, raw);
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}
