import { EngineError } from '../errors.ts';
import { recipeId, type FeatureRecipe } from './features.ts';
import type { Head, ModelVersion, VersionStatus } from './heads.ts';

/**
 * One file per model version (`.onomato-model`), also the store's weights blob:
 *
 *     "ONOMODEL" | u32 format | u32 header bytes | JSON header | zero padding to 4 | float32 LE tensors
 *
 * The JSON header carries everything but the weights and lists each tensor's name, offset and
 * length (in floats, from the start of the tensor block), so a reader can check sizes before use
 * and a newer writer can add tensors without breaking this reader. Training checkpoints use the
 * same container.
 */

const MAGIC = 'ONOMODEL';
export const MODEL_FILE_FORMAT = 1;
export const MODEL_FILE_EXTENSION = '.onomato-model';

interface TensorEntry {
  name: string;
  offset: number;
  length: number;
}

export function encodeTensorFile(header: Record<string, unknown>, tensors: Record<string, Float32Array>): Uint8Array {
  const entries: TensorEntry[] = [];
  let floats = 0;
  for (const [name, t] of Object.entries(tensors)) {
    entries.push({ name, offset: floats, length: t.length });
    floats += t.length;
  }
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: entries }));
  const start = Math.ceil((16 + json.length) / 4) * 4;
  const bytes = new Uint8Array(start + floats * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, MODEL_FILE_FORMAT, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, 16);
  for (const e of entries) {
    const t = tensors[e.name];
    for (let i = 0; i < t.length; i++) view.setFloat32(start + (e.offset + i) * 4, t[i], true);
  }
  return bytes;
}

export function decodeTensorFile(bytes: Uint8Array, file?: string): { header: Record<string, unknown>; tensors: Map<string, Float32Array> } {
  const bad = (why: string): never => {
    throw new EngineError('corrupt', `this is not a readable Onomato model file (${why})`, { file });
  };
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) bad('wrong signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(8, true);
  if (format > MODEL_FILE_FORMAT) {
    throw new EngineError('unsupported-format', `the model file has format ${format}; this Onomato reads up to ${MODEL_FILE_FORMAT}`, { file });
  }
  const headerBytes = view.getUint32(12, true);
  if (16 + headerBytes > bytes.length) bad('header runs past the end');
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerBytes))) as Record<string, unknown>;
  } catch {
    bad('header is not JSON');
  }
  const start = Math.ceil((16 + headerBytes) / 4) * 4;
  const tensors = new Map<string, Float32Array>();
  for (const e of (header.tensors as TensorEntry[] | undefined) ?? []) {
    const from = start + e.offset * 4;
    if (!(e.offset >= 0 && e.length >= 0 && from + e.length * 4 <= bytes.length)) bad(`tensor ${e.name} runs past the end`);
    const t = new Float32Array(e.length);
    for (let i = 0; i < e.length; i++) t[i] = view.getFloat32(from + i * 4, true);
    tensors.set(e.name, t);
  }
  delete header.tensors;
  return { header, tensors };
}

function headTensors(prefix: string, h: Head): Record<string, Float32Array> {
  return { [`${prefix}.u`]: h.u, [`${prefix}.v`]: h.v, [`${prefix}.bias`]: h.bias };
}

function readHead(prefix: string, shape: { dimension: number; rank: number }, tensors: Map<string, Float32Array>, file?: string): Head {
  const get = (name: string, length: number): Float32Array => {
    const t = tensors.get(`${prefix}.${name}`);
    if (!t || t.length !== length) {
      throw new EngineError('corrupt', `the model file's ${prefix} head has no ${name} of ${length} values`, { file });
    }
    return t;
  };
  const { dimension: d, rank: r } = shape;
  return { dimension: d, rank: r, u: get('u', d * r), v: get('v', r * d), bias: get('bias', d) };
}

export function encodeModelVersion(v: ModelVersion): Uint8Array {
  return encodeTensorFile(
    {
      kind: 'onomato-model-version',
      id: v.id,
      name: v.name,
      createdAt: v.createdAt,
      status: v.status,
      features: v.features,
      featuresId: recipeId(v.features),
      parent: v.parent,
      heads: {
        imitation: { dimension: v.imitation.dimension, rank: v.imitation.rank },
        reference: { dimension: v.reference.dimension, rank: v.reference.rank },
      },
      training: v.training,
      metrics: v.metrics,
      ...(v.output ? { output: { values: v.output.length / v.reference.dimension } } : {}),
    },
    { ...headTensors('imitation', v.imitation), ...headTensors('reference', v.reference), ...(v.output ? { output: v.output } : {}) },
  );
}

export function decodeModelVersion(bytes: Uint8Array, file?: string): ModelVersion {
  const { header, tensors } = decodeTensorFile(bytes, file);
  if (header.kind !== 'onomato-model-version') throw new EngineError('corrupt', 'the file holds no model version', { file });
  const heads = header.heads as Record<'imitation' | 'reference', { dimension: number; rank: number }>;
  const features = header.features as FeatureRecipe;
  if (typeof header.featuresId === 'string' && header.featuresId !== recipeId(features)) {
    throw new EngineError('unsupported-format', `the model was made for features "${header.featuresId}", which this Onomato computes differently`, { file });
  }
  return {
    id: String(header.id),
    name: String(header.name ?? header.id),
    createdAt: Number(header.createdAt ?? 0),
    status: (header.status as VersionStatus | undefined) ?? 'accepted',
    features,
    imitation: readHead('imitation', heads.imitation, tensors, file),
    reference: readHead('reference', heads.reference, tensors, file),
    parent: (header.parent as string | null | undefined) ?? null,
    training: (header.training as Record<string, unknown> | undefined) ?? {},
    metrics: (header.metrics as Record<string, unknown> | undefined) ?? {},
    ...(header.output ? { output: outputProjection(header.output as { values: number }, heads.reference.dimension, tensors, file) } : {}),
  };
}

function outputProjection(shape: { values: number }, dimension: number, tensors: Map<string, Float32Array>, file?: string): Float32Array {
  const p = tensors.get('output');
  if (!p || p.length !== shape.values * dimension) throw new EngineError('corrupt', `the output projection should hold ${shape.values} x ${dimension} values`, { file });
  return p;
}
