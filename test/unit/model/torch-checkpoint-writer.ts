import type { StateDict, Tensor } from '../../../src-main/engine/model/checkpoint.ts';
import { writeZip } from '../../support/zip-writer.ts';

/**
 * Writes checkpoints in torch.save's zip format (pickle protocol 2, stored entries), the way
 * PyTorch Lightning would, so tests can make two-tower QVIM checkpoints from real weights without
 * Python. Only what state dicts need: dicts, OrderedDicts, strings, ints, floats, lists, tensors.
 */
export type PickleInput = string | number | boolean | null | Tensor | PickleInput[] | OrderedDict | Map<string, PickleInput>;

export class OrderedDict {
  constructor(readonly entries: Map<string, PickleInput>) {}
}

export function stateDictToOrdered(state: StateDict, prefix = ''): OrderedDict {
  return new OrderedDict(new Map([...state].map(([k, v]) => [prefix + k, v] as [string, PickleInput])));
}

export function writeTorchCheckpoint(root: PickleInput): Uint8Array {
  const storages: Float32Array[] = [];
  const out: number[] = [0x80, 2];
  const bytes = (b: ArrayLike<number>) => { for (let i = 0; i < b.length; i++) out.push(b[i]); };
  const u32 = (n: number) => bytes([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]);
  const str = (s: string) => { const b = new TextEncoder().encode(s); out.push(0x58); u32(b.length); bytes(b); };
  const global = (module: string, name: string) => { out.push(0x63); bytes(new TextEncoder().encode(`${module}\n${name}\n`)); };
  const int = (n: number) => { out.push(0x4a); u32(n >>> 0); };
  const tuple = (items: (() => void)[]) => { out.push(0x28); items.forEach((f) => f()); out.push(0x74); };
  const isTensor = (v: PickleInput): v is Tensor => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;

  const write = (v: PickleInput): void => {
    if (v === null) out.push(0x4e);
    else if (typeof v === 'boolean') out.push(v ? 0x88 : 0x89);
    else if (typeof v === 'string') str(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Math.abs(v) < 2 ** 31) int(v);
      else { out.push(0x47); const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, false); bytes(b); }
    } else if (Array.isArray(v)) { out.push(0x5d, 0x28); v.forEach(write); out.push(0x65); }
    else if (v instanceof OrderedDict) { global('collections', 'OrderedDict'); out.push(0x29, 0x52); setItems(v.entries); }
    else if (v instanceof Map) { out.push(0x7d); setItems(v); }
    else if (isTensor(v)) {
      const key = storages.length;
      storages.push(v.data);
      const stride = v.shape.map((_, d) => v.shape.slice(d + 1).reduce((a, b) => a * b, 1));
      global('torch._utils', '_rebuild_tensor_v2');
      tuple([
        () => { tuple([() => str('storage'), () => global('torch', 'FloatStorage'), () => str(String(key)), () => str('cpu'), () => int(v.data.length)]); out.push(0x51); },
        () => int(0),
        () => tuple(v.shape.map((s) => () => int(s))),
        () => tuple(stride.map((s) => () => int(s))),
        () => out.push(0x89),
        () => { global('collections', 'OrderedDict'); out.push(0x29, 0x52); },
      ]);
      out.push(0x52);
    }
  };
  const setItems = (m: Map<string, PickleInput>) => {
    if (m.size === 0) return;
    out.push(0x28);
    for (const [k, val] of m) { str(k); write(val); }
    out.push(0x75);
  };
  write(root);
  out.push(0x2e);

  const files: Array<[string, Uint8Array]> = [
    ['archive/data.pkl', Uint8Array.from(out)],
    ...storages.map((s, i) => [`archive/data/${i}`, new Uint8Array(s.buffer, s.byteOffset, s.byteLength)] as [string, Uint8Array]),
    ['archive/version', new TextEncoder().encode('3\n')],
  ];
  return writeZip(files.map(([name, data]) => ({ name, data })));
}
