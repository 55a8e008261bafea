import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { PickleGlobal, PickleObject, unpickle } from '../../../src-main/engine/model/pickle.ts';

/** Assembles a pickle from opcodes written as text (latin-1) and raw byte arrays. */
function pickle(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff];
const binunicode = (s: string): [string, number[], string] => ['X', u32(s.length), s];

describe('pickle reader', () => {
  it('rebuilds dicts, lists, tuples and scalars, resolving memo references', () => {
    const value = unpickle(pickle(
      [0x80, 2], '}q', [0], '(',
      ...binunicode('a'), 'q', [1], 'K', [5],
      ...binunicode('b'), 'h', [1],
      ...binunicode('c'), ']', '(', 'J', u32(-7 >>> 0), 'N', [0x88], [0x89], 'e',
      ...binunicode('d'), 'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], 'M', [0x34, 0x12], [0x86],
      ...binunicode('e'), [0x8a, 2, 0x00, 0xff], [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [0x86], 'u.',
    ), 'x.pkl') as Map<string, unknown>;
    expect(value.get('a')).toBe(5);
    expect(value.get('b')).toBe('a');
    expect(value.get('c')).toEqual([-7, null, true, false]);
    expect(value.get('d')).toEqual([1.5, 0x1234]);
    expect(value.get('e')).toEqual([-256, 2n ** 64n]);
  });

  it('turns unknown classes into inert objects that keep their arguments and state', () => {
    const value = unpickle(pickle(
      [0x80, 2], 'cargparse\nNamespace\n', ')', [0x81],
      '}', '(', ...binunicode('lr'), 'G', [0x3f, 0x1a, 0x36, 0xe2, 0xeb, 0x1c, 0x43, 0x2d], 'u', 'b.',
    ), 'x.pkl');
    expect(value).toBeInstanceOf(PickleObject);
    const obj = value as PickleObject;
    expect(obj.type.qualified).toBe('argparse.Namespace');
    expect((obj.state as Map<string, number>).get('lr')).toBeCloseTo(1e-4, 12);
  });

  it('passes calls and persistent ids to the hooks (protocol 4 STACK_GLOBAL and MEMOIZE)', () => {
    const pids: unknown[] = [];
    const calls: string[] = [];
    const sbu = (s: string): [number[], string] => [[0x8c, s.length], s];
    const value = unpickle(pickle(
      [0x80, 4], [0x95, 0, 0, 0, 0, 0, 0, 0, 0],
      ...sbu('torch._utils'), [0x94], ...sbu('_rebuild_tensor_v2'), [0x94], [0x93], [0x94],
      '(', ...sbu('storage'), ...sbu('torch'), ...sbu('FloatStorage'), [0x93], [0x86], 'Q',
      'K', [3], 'h', [0], 't', 'R', '.',
    ), 'x.pkl', {
      persistentLoad: (pid) => { pids.push(pid); return 'S'; },
      reduce: (fn: PickleGlobal, args) => { calls.push(fn.qualified); return { rebuilt: args }; },
    });
    expect(value).toEqual({ rebuilt: ['S', 3, 'torch._utils'] });
    expect(calls).toEqual(['torch._utils._rebuild_tensor_v2']);
    expect(pids).toEqual([['storage', new PickleGlobal('torch', 'FloatStorage')]]);
  });

  it('fails with the file name on truncated, unbalanced or external data', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [pickle([0x80, 2], 'X', u32(16), 'ab'), /truncated/],
      [pickle([0x80, 2], '}u.'), /never opened/],
      [pickle([0x80, 2], '.'), /underflowed/],
      [pickle([0x80, 2], 'N', 'Q.'), /external data/],
      [pickle([0x80, 2], 'h', [3]), /memo slot 3/],
      [pickle([0x80, 2], [0x82, 1]), /unknown pickle opcode 0x82 at byte 2/],
    ];
    for (const [bytes, message] of cases) {
      try {
        unpickle(bytes, 'broken.pkl');
        throw new Error('expected a failure');
      } catch (e) {
        expect(e).toBeInstanceOf(EngineError);
        expect((e as EngineError).kind).toBe('model');
        expect((e as EngineError).message).toMatch(/^broken\.pkl: /);
        expect((e as EngineError).message).toMatch(message);
      }
    }
  });
});
