import { readFile } from 'node:fs/promises';
import { EngineError } from '../errors.ts';
import { PickleGlobal, unpickle } from './pickle.ts';
import { ZipArchive } from './zip.ts';

/**
 * Reads a PyTorch checkpoint (torch.save's zip format: `<archive>/data.pkl` plus one raw little-endian
 * file per storage under `<archive>/data/`) into plain float32 tensors, without Python. Accepts a bare
 * state dict (EfficientAT's releases) and a Lightning checkpoint (the QVIM baseline's two towers),
 * whose other contents (optimiser state, callbacks, hyper-parameters) are parsed but never materialised.
 */

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, Tensor>;

type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const ITEM_SIZE: Record<DType, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

class StorageRef {
  constructor(readonly dtype: DType | undefined, readonly typeName: string, readonly key: string, readonly numel: number) {}
}

class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

export async function readCheckpoint(file: string): Promise<StateDict> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    throw EngineError.from(cause, file);
  }
  return parseCheckpoint(bytes, file);
}

export function parseCheckpoint(bytes: Uint8Array, file: string): StateDict {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new EngineError('model', 'this is a legacy (pre-1.6) PyTorch checkpoint; re-save it with a current torch.save to use it', { file });
  }
  const zip = new ZipArchive(bytes, file);
  const pkl = [...zip.entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl')).sort((a, b) => a.length - b.length)[0];
  if (!pkl) throw new EngineError('model', 'the ZIP archive is not a PyTorch checkpoint (it has no data.pkl)', { file });
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (byteorder !== 'little') throw new EngineError('model', `the checkpoint stores ${byteorder}-endian tensors, which Onomato cannot read`, { file });

  const root = unpickle(zip.read(pkl), file, {
    persistentLoad: (pid) => storageFromPid(pid, file),
    reduce: rebuild,
  });
  const dict = findStateDict(root);
  if (!dict) throw new EngineError('model', 'the checkpoint holds no tensors (neither a state dict nor a Lightning "state_dict")', { file });

  const storages = new Map<string, Uint8Array>();
  const out: StateDict = new Map();
  for (const [key, value] of dict) {
    if (typeof key !== 'string' || !(value instanceof TensorRef)) continue;
    const { storage } = value;
    let raw = storages.get(storage.key);
    if (!raw) {
      raw = zip.read(`${prefix}data/${storage.key}`);
      storages.set(storage.key, raw);
    }
    out.set(key, materialise(value, raw, key, file));
  }
  return out;
}

function storageFromPid(pid: unknown, file: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof PickleGlobal)) {
    throw new EngineError('model', 'the checkpoint refers to data that is not a tensor storage', { file });
  }
  const type = pid[1];
  return new StorageRef(STORAGE_DTYPES[type.name], type.qualified, String(pid[2]), Number(pid[4]));
}

function rebuild(fn: PickleGlobal, args: readonly unknown[]): unknown {
  switch (fn.qualified) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2': {
      const [storage, offset, shape, stride] = args;
      if (!(storage instanceof StorageRef)) return undefined;
      return new TensorRef(storage, Number(offset), (shape as unknown[]).map(Number), (stride as unknown[]).map(Number));
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return args[0];
    case 'collections.OrderedDict': {
      const map = new Map<unknown, unknown>();
      if (Array.isArray(args[0])) for (const pair of args[0]) if (Array.isArray(pair)) map.set(pair[0], pair[1]);
      return map;
    }
    case '_codecs.encode':
      // Protocol 2 pickles Python bytes as _codecs.encode(latin-1 text).
      return typeof args[0] === 'string' ? Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff) : undefined;
    default:
      return undefined;
  }
}

/** The tensors live at the top (plain state dict) or under a well-known key (Lightning and friends). */
function findStateDict(root: unknown): Map<unknown, unknown> | undefined {
  if (!(root instanceof Map)) return undefined;
  const hasTensors = (m: unknown): m is Map<unknown, unknown> => m instanceof Map && [...m.values()].some((v) => v instanceof TensorRef);
  for (const key of ['state_dict', 'model_state_dict', 'model', 'module']) {
    const candidate = root.get(key);
    if (hasTensors(candidate)) return candidate;
  }
  return hasTensors(root) ? root : undefined;
}

function materialise(ref: TensorRef, raw: Uint8Array, name: string, file: string): Tensor {
  const { storage, shape, stride, offset } = ref;
  if (!storage.dtype) throw new EngineError('model', `tensor "${name}" uses storage type ${storage.typeName}, which Onomato cannot read`, { file });
  const itemSize = ITEM_SIZE[storage.dtype];
  const numel = shape.reduce((a, b) => a * b, 1);
  // Highest element touched, so a bad stride or offset is caught before it reads garbage.
  let last = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) last += (shape[d] - 1) * stride[d];
  if (numel > 0 && (last + 1) * itemSize > raw.length) {
    throw new EngineError('model', `tensor "${name}" reaches past the end of its storage (damaged checkpoint)`, { file });
  }
  const source = toNumbers(storage.dtype, raw);
  const data = new Float32Array(numel);
  if (isContiguous(shape, stride)) {
    for (let i = 0; i < numel; i++) data[i] = source(offset + i);
    return { shape: [...shape], data };
  }
  // General strided gather (transposed or sliced tensors): walk an index odometer in row-major order.
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  for (let i = 0; i < numel; i++) {
    data[i] = source(at);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += stride[d];
      if (index[d] < shape[d]) break;
      at -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return { shape: [...shape], data };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

function toNumbers(dtype: DType, raw: Uint8Array): (i: number) => number {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case 'float32': return (i) => view.getFloat32(i * 4, true);
    case 'float64': return (i) => view.getFloat64(i * 8, true);
    case 'float16': return (i) => halfToFloat(view.getUint16(i * 2, true));
    case 'bfloat16': return (i) => bfloat16ToFloat(view.getUint16(i * 2, true));
    case 'int64': return (i) => Number(view.getBigInt64(i * 8, true));
    case 'int32': return (i) => view.getInt32(i * 4, true);
    case 'int16': return (i) => view.getInt16(i * 2, true);
    case 'int8': return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool': return (i) => view.getUint8(i);
  }
}

const scratch = new DataView(new ArrayBuffer(4));

function bfloat16ToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Splits a checkpoint into the two QVIM towers. The QVIM baseline's LightningModule holds
 * `imitation_encoder` and `reference_encoder` (MobileNets), so its state dict keys read
 * `imitation_encoder.features.0.0.weight`, `reference_encoder.classifier.5.bias`, ...; a plain
 * EfficientAT checkpoint has one unprefixed network that serves both sides.
 */
export function towersOf(state: StateDict): { imitation: StateDict; reference: StateDict } {
  const marker = 'features.0.0.weight';
  const prefixes = [...state.keys()].filter((k) => k.endsWith(marker)).map((k) => k.slice(0, -marker.length));
  if (prefixes.length === 0) throw new EngineError('model', 'the checkpoint holds no EfficientAT MobileNet (no "features.0.0.weight" tensor)');
  const imitation = prefixes.find((p) => p.includes('imitation'));
  const reference = prefixes.find((p) => p.includes('reference'));
  if (imitation !== undefined && reference !== undefined) {
    return { imitation: stripPrefix(state, imitation), reference: stripPrefix(state, reference) };
  }
  if (prefixes.length === 1) {
    const only = stripPrefix(state, prefixes[0]);
    return { imitation: only, reference: only };
  }
  throw new EngineError('model', `the checkpoint holds several MobileNets (${prefixes.map((p) => p || '(top level)').join(', ')}) and none is named as the imitation or reference encoder`);
}

function stripPrefix(state: StateDict, prefix: string): StateDict {
  if (prefix === '') return state;
  const out: StateDict = new Map();
  for (const [k, v] of state) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}
