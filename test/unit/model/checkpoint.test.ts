import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { parseCheckpoint, towersOf, type StateDict } from '../../../src-main/engine/model/checkpoint.ts';
import { ZipArchive } from '../../../src-main/engine/model/zip.ts';
import { fixtureBytes, fixtureJson } from './fixture-files.ts';

interface Expected {
  stateDict: Record<string, { shape: number[]; values: number[] }>;
  lightning: Record<string, { shape: number[]; values: number[] }>;
}
const expected = fixtureJson<Expected>('tiny-expected.json');

function expectTensors(state: StateDict, want: Expected['stateDict']): void {
  expect([...state.keys()].sort()).toEqual(Object.keys(want).sort());
  for (const [key, { shape, values }] of Object.entries(want)) {
    const t = state.get(key)!;
    expect(t.shape, key).toEqual(shape);
    // torch's own float32 view of each value; float16/float64 sources round to float32 exactly once.
    expect(Array.from(t.data), key).toEqual(values.map((v) => Math.fround(v)));
  }
}

function catchError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected an EngineError');
}

describe('PyTorch checkpoint reader', () => {
  it('reads float32, float16, float64 and int64 tensors, strided views, storage offsets and shared storages', () => {
    const state = parseCheckpoint(fixtureBytes('tiny-state-dict.bin'), 'tiny-state-dict.bin');
    expectTensors(state, expected.stateDict);
    expect(Array.from(state.get('layer.transposed')!.data.slice(0, 3))).toEqual([0, 0.5, 1]);
  });

  it('reads pickle protocol 4 inside a deflate-compressed archive the same way', () => {
    const state = parseCheckpoint(fixtureBytes('tiny-protocol4-deflated.bin'), 'p4.bin');
    expectTensors(state, expected.stateDict);
  });

  it('takes the state_dict out of a Lightning checkpoint full of unknown classes and splits the two towers', () => {
    const state = parseCheckpoint(fixtureBytes('tiny-lightning.bin'), 'tiny-lightning.bin');
    expectTensors(state, expected.lightning);
    const { imitation, reference } = towersOf(state);
    expect([...imitation.keys()].sort()).toEqual(['classifier.5.bias', 'features.0.0.weight']);
    expect([...reference.keys()].sort()).toEqual(['classifier.5.bias', 'features.0.0.weight']);
    expect(Array.from(imitation.get('features.0.0.weight')!.data)).toEqual(expected.lightning['imitation_encoder.features.0.0.weight'].values.map(Math.fround));
    expect(Array.from(reference.get('classifier.5.bias')!.data)).toEqual(expected.lightning['reference_encoder.classifier.5.bias'].values.map(Math.fround));
  });

  it('gives both towers the same network for a plain checkpoint, and refuses ambiguous or empty ones', () => {
    const t = { shape: [1], data: Float32Array.of(1) };
    const plain: StateDict = new Map([['features.0.0.weight', t]]);
    const towers = towersOf(plain);
    expect(towers.imitation).toBe(towers.reference);
    expect(towersOf(new Map([['module.features.0.0.weight', t]])).reference.get('features.0.0.weight')).toBe(t);
    expect(() => towersOf(new Map([['a.features.0.0.weight', t], ['b.features.0.0.weight', t]]))).toThrow(/several MobileNets/);
    expect(() => towersOf(new Map([['x', t]]))).toThrow(EngineError);
  });

  it('names the file when it is not a ZIP, is truncated, or has a legacy header', () => {
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
    const notZip = catchError(() => parseCheckpoint(random, '/sounds/fake.pt'));
    expect(notZip.kind).toBe('model');
    expect(notZip.message).toContain('/sounds/fake.pt');
    expect(notZip.message).toMatch(/not a ZIP/);

    const whole = fixtureBytes('tiny-state-dict.bin');
    const truncated = catchError(() => parseCheckpoint(whole.subarray(0, Math.floor(whole.length / 2)), 'half.pt'));
    expect(truncated.kind).toBe('model');
    expect(truncated.message).toMatch(/^half\.pt: .*truncated/);

    const legacy = catchError(() => parseCheckpoint(Uint8Array.of(0x80, 0x02, 0x8a, 0x0a), 'old.pt'));
    expect(legacy.message).toMatch(/legacy/);
    expect(catchError(() => parseCheckpoint(new Uint8Array(0), 'empty.pt')).message).toMatch(/too short/);
  });

  it('reports an unknown pickle opcode with its position', () => {
    const bytes = fixtureBytes('tiny-state-dict.bin').slice();
    const zip = new ZipArchive(bytes, 'x');
    const pkl = zip.read([...zip.entries.keys()].find((n) => n.endsWith('/data.pkl'))!);
    expect(Array.from(pkl.subarray(0, 2))).toEqual([0x80, 0x02]);
    pkl[2] = 0xfe; // stored entry: this is a view into `bytes`
    const error = catchError(() => parseCheckpoint(bytes, 'bad-opcode.pt'));
    expect(error.message).toBe('bad-opcode.pt: unknown pickle opcode 0xfe at byte 2 of the checkpoint\'s data.pkl');
  });
});
