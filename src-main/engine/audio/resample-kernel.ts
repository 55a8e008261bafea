/**
 * The polyphase inner loop as a hand-assembled WebAssembly SIMD function: four multiply-adds per
 * instruction make a 128-tap 48 -> 32 kHz conversion of 10 s take a few milliseconds, where the
 * same loop in JavaScript takes ~40 ms. The module is tiny, so it is written out here rather than
 * shipped as a build artefact.
 *
 *   polyphase(x, table, out, outN, tapBytes, L, stepBytes, stepPhase)
 *   for n in 0..outN: out[n] = dot(x[0..taps], table[phase]); phase += stepPhase; x += stepBytes;
 *                     if phase >= L: phase -= L; x += 4
 * Pointers are byte offsets into the module's memory; taps must be a multiple of 8.
 */

const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, void: 0x40,
  get: 0x20, set: 0x21, tee: 0x22, i32const: 0x41,
  add: 0x6a, sub: 0x6b, mul: 0x6c, shl: 0x74, geU: 0x4f, ltU: 0x49,
  f32add: 0x92, f32store: 0x38, simd: 0xfd,
} as const;
const v128load = (offset: number): number[] => [OP.simd, 0x00, 0x02, offset];
const v128zero = [OP.simd, 0x0c, ...new Array<number>(16).fill(0)];
const f32x4add = [OP.simd, 0xe4, 0x01];
const f32x4mul = [OP.simd, 0xe6, 0x01];
const lane = (i: number): number[] => [OP.simd, 0x1f, i];
const get = (i: number): number[] => [OP.get, i];
const set = (i: number): number[] => [OP.set, i];

// Parameters 0-7 as in the signature above; locals: 8 n, 9 phase, 10 tablePhase, 11 k, 12-13 accumulators.
const [X, TABLE, OUT, OUT_N, TAP_BYTES, L, STEP_BYTES, STEP_PHASE, N, PHASE, TP, K, ACC0, ACC1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

const body = [
  0x02, 0x04, 0x7f, 0x02, 0x7b, // locals: 4 x i32, 2 x v128
  OP.block, OP.void, OP.loop, OP.void,
  ...get(N), ...get(OUT_N), OP.geU, OP.brIf, 1,
  ...get(TABLE), ...get(PHASE), ...get(TAP_BYTES), OP.mul, OP.add, ...set(TP),
  ...v128zero, ...set(ACC0), ...v128zero, ...set(ACC1),
  OP.i32const, 0, ...set(K),
  OP.loop, OP.void,
  ...get(ACC0), ...get(X), ...get(K), OP.add, ...v128load(0), ...get(TP), ...get(K), OP.add, ...v128load(0), ...f32x4mul, ...f32x4add, ...set(ACC0),
  ...get(ACC1), ...get(X), ...get(K), OP.add, ...v128load(16), ...get(TP), ...get(K), OP.add, ...v128load(16), ...f32x4mul, ...f32x4add, ...set(ACC1),
  ...get(K), OP.i32const, 32, OP.add, OP.tee, K, ...get(TAP_BYTES), OP.ltU, OP.brIf, 0,
  OP.end,
  ...get(OUT), ...get(N), OP.i32const, 2, OP.shl, OP.add,
  ...get(ACC0), ...get(ACC1), ...f32x4add, OP.tee, ACC0, ...lane(0),
  ...get(ACC0), ...lane(1), OP.f32add, ...get(ACC0), ...lane(2), OP.f32add, ...get(ACC0), ...lane(3), OP.f32add,
  OP.f32store, 0x02, 0x00,
  ...get(PHASE), ...get(STEP_PHASE), OP.add, ...set(PHASE),
  ...get(X), ...get(STEP_BYTES), OP.add, ...set(X),
  ...get(PHASE), ...get(L), OP.geU, OP.if, OP.void,
  ...get(PHASE), ...get(L), OP.sub, ...set(PHASE),
  ...get(X), OP.i32const, 4, OP.add, ...set(X),
  OP.end,
  ...get(N), OP.i32const, 1, OP.add, ...set(N),
  OP.br, 0,
  OP.end, OP.end, OP.end,
];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];

const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 8, ...new Array<number>(8).fill(0x7f), 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0x00, 1]),
  ...section(7, [2, ...name('memory'), 0x02, 0, ...name('polyphase'), 0x00, 0]),
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

interface KernelExports {
  memory: WebAssembly.Memory;
  polyphase: (x: number, table: number, out: number, outN: number, tapBytes: number, l: number, stepBytes: number, stepPhase: number) => void;
}

let kernel: KernelExports | undefined;
/** The table last copied into the module's memory: consecutive calls at one ratio skip the copy. */
let residentTable: Float32Array | undefined;

function instance(): KernelExports {
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(moduleBytes)).exports as unknown as KernelExports;
  return kernel;
}

/**
 * Run the polyphase filter over `xPadded` (already zero-padded so every output's taps are in range).
 * `table` holds L rows of `taps` coefficients; output n uses row (n * M mod L) and input from floor(n * M / L).
 */
export function runPolyphase(xPadded: Float32Array, table: Float32Array, taps: number, l: number, m: number, outN: number): Float32Array {
  const k = instance();
  const tableBytes = table.length * 4;
  const xBytes = xPadded.length * 4;
  const need = tableBytes + xBytes + outN * 4;
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
  const heap = new Float32Array(k.memory.buffer);
  if (residentTable !== table) heap.set(table, 0);
  residentTable = table;
  heap.set(xPadded, table.length);
  const outPtr = tableBytes + xBytes;
  k.polyphase(tableBytes, 0, outPtr, outN, taps * 4, l, Math.floor(m / l) * 4, m % l);
  return new Float32Array(k.memory.buffer, outPtr, outN).slice();
}
