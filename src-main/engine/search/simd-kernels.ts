/**
 * WebAssembly SIMD kernels that score a block of library windows against one imitation.
 *
 * Plain JS tops out near 1 multiply-add per nanosecond, which makes a million 384-d windows
 * cost ~400 ms; 128-bit SIMD with the query held in registers and four rows per pass is
 * memory-bound instead. The module is assembled here, specialised for one row stride, from named
 * opcodes so it can be reviewed and needs no toolchain.
 *
 * Exported functions (all addresses are byte offsets into the imported memory):
 *   dotsInt8(rows, count, query, out)  query: stride int16, rows: stride int8 each,
 *                                      out: count int32 dot products (the caller keeps
 *                                      stride * 128 * max|query| within int32)
 *   dotsF32(rows, count, query, out)   query and rows: stride float32 each, out: count float32
 */

const I32 = 0x7f;
const V128 = 0x7b;

const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Store: 0x36,
  f32Store: 0x38,
  i32Const: 0x41,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  f32Add: 0x92,
  simd: 0xfd,
} as const;

const simdOp = {
  v128Load: 0x00,
  i32x4ExtractLane: 0x1b,
  f32x4ExtractLane: 0x1f,
  i16x8ExtendLowI8x16S: 0x87,
  i16x8ExtendHighI8x16S: 0x88,
  i32x4Add: 0xae,
  i32x4DotI16x8S: 0xba,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  v128Const: 0x0c,
} as const;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** memarg: alignment hint as log2, then a constant offset added to the address operand. */
function simdMem(code: number, alignLog2: number, offset: number): number[] {
  return [op.simd, ...uleb(code), ...uleb(alignLog2), ...uleb(offset)];
}

const get = (i: number): number[] => [op.localGet, ...uleb(i)];
const set = (i: number): number[] => [op.localSet, ...uleb(i)];
const i32 = (v: number): number[] => [op.i32Const, ...sleb(v)];
const simd = (code: number): number[] => [op.simd, ...uleb(code)];
const zeroV128 = (): number[] => [op.simd, ...uleb(simdOp.v128Const), ...new Array<number>(16).fill(0)];

/** Parameters shared by both kernels. */
const P_ROWS = 0;
const P_COUNT = 1;
const P_QUERY = 2;
const P_OUT = 3;

/**
 * Emits `for (; count >= group; count -= group, rows += group*stride, out += group*4) body`.
 * `body` scores `group` consecutive rows starting at local P_ROWS.
 */
function rowLoop(group: number, stride: number, body: number[]): number[] {
  return [
    op.block, 0x40,
    op.loop, 0x40,
    ...get(P_COUNT), ...i32(group), op.i32LtU, op.brIf, 1,
    ...body,
    ...get(P_ROWS), ...i32(group * stride), op.i32Add, ...set(P_ROWS),
    ...get(P_OUT), ...i32(group * 4), op.i32Add, ...set(P_OUT),
    ...get(P_COUNT), ...i32(group), op.i32Sub, ...set(P_COUNT),
    op.br, 0,
    op.end,
    op.end,
  ];
}

/** Horizontal sum of the v128 in local `acc`, left on the stack. */
function horizontalSum(acc: number, lane: number, add: number): number[] {
  const out: number[] = [];
  for (let l = 0; l < 4; l++) {
    out.push(...get(acc), ...simd(lane), l);
    if (l > 0) out.push(add);
  }
  return out;
}

/**
 * Rows scored together per pass: each query chunk is loaded once for four rows. Wider groups
 * measured no faster (the scan is memory-bound at a million rows) and the dimension loop is kept
 * rolled because TurboFan compiled the fully unrolled form ~1.5x slower than this one.
 */
const GROUP = 4;

// Locals after the four parameters.
const L_ACC = 4; // GROUP v128 accumulators
const L_Q_LOW = L_ACC + GROUP; // v128 query chunk (int8: dims 0-7 of the 16, widened; f32: the 4 dims)
const L_Q_HIGH = L_Q_LOW + 1; // v128 query chunk, int8 dims 8-15
const L_RAW = L_Q_HIGH + 1; // v128 row chunk
const L_OFFSET = L_RAW + 1; // i32 byte offset inside a row
const L_QUERY_AT = L_OFFSET + 1; // i32 address of the current query chunk

/**
 * Scores `group` consecutive rows starting at local P_ROWS, walking each row 16 bytes at a time.
 * int8: the 16 row bytes are sign-extended to two int16x8 halves and multiplied pairwise with
 * the int16 query into int32 lanes (pmaddwd).
 */
function scoreGroup(kind: 'int8' | 'f32', group: number, rowBytes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < group; r++) out.push(...zeroV128(), ...set(L_ACC + r));
  out.push(...i32(0), ...set(L_OFFSET));
  out.push(op.loop, 0x40);
  if (kind === 'int8') {
    // The query is stored as int16, so its chunk sits at twice the row offset.
    out.push(...get(P_QUERY), ...get(L_OFFSET), ...get(L_OFFSET), op.i32Add, op.i32Add, ...set(L_QUERY_AT));
    out.push(...get(L_QUERY_AT), ...simdMem(simdOp.v128Load, 4, 0), ...set(L_Q_LOW));
    out.push(...get(L_QUERY_AT), ...simdMem(simdOp.v128Load, 4, 16), ...set(L_Q_HIGH));
  } else {
    out.push(...get(P_QUERY), ...get(L_OFFSET), op.i32Add, ...simdMem(simdOp.v128Load, 4, 0), ...set(L_Q_LOW));
  }
  for (let r = 0; r < group; r++) {
    out.push(...get(P_ROWS), ...get(L_OFFSET), op.i32Add, ...simdMem(simdOp.v128Load, 0, r * rowBytes), ...set(L_RAW));
    if (kind === 'int8') {
      out.push(...get(L_ACC + r));
      out.push(...get(L_RAW), ...simd(simdOp.i16x8ExtendLowI8x16S), ...get(L_Q_LOW), ...simd(simdOp.i32x4DotI16x8S), ...simd(simdOp.i32x4Add));
      out.push(...get(L_RAW), ...simd(simdOp.i16x8ExtendHighI8x16S), ...get(L_Q_HIGH), ...simd(simdOp.i32x4DotI16x8S), ...simd(simdOp.i32x4Add));
    } else {
      out.push(...get(L_ACC + r), ...get(L_RAW), ...get(L_Q_LOW), ...simd(simdOp.f32x4Mul), ...simd(simdOp.f32x4Add));
    }
    out.push(...set(L_ACC + r));
  }
  out.push(...get(L_OFFSET), ...i32(16), op.i32Add, ...set(L_OFFSET));
  out.push(...get(L_OFFSET), ...i32(rowBytes), op.i32LtU, op.brIf, 0, op.end);
  for (let r = 0; r < group; r++) {
    out.push(...get(P_OUT));
    if (kind === 'int8') out.push(...horizontalSum(L_ACC + r, simdOp.i32x4ExtractLane, op.i32Add), op.i32Store, 2, ...uleb(r * 4));
    else out.push(...horizontalSum(L_ACC + r, simdOp.f32x4ExtractLane, op.f32Add), op.f32Store, 2, ...uleb(r * 4));
  }
  return out;
}

function kernelBody(kind: 'int8' | 'f32', stride: number): number[] {
  const rowBytes = kind === 'int8' ? stride : stride * 4;
  const locals = vec([
    [...uleb(L_OFFSET - L_ACC), V128],
    [...uleb(2), I32],
  ]);
  const code = [
    ...locals,
    ...rowLoop(GROUP, rowBytes, scoreGroup(kind, GROUP, rowBytes)),
    ...rowLoop(1, rowBytes, scoreGroup(kind, 1, rowBytes)),
    op.end,
  ];
  return [...uleb(code.length), ...code];
}

/** Dimensions are padded to this many so every SIMD load is a whole chunk (16 int8 / 4 float32 lanes). */
export const STRIDE_MULTIPLE = 16;

export function paddedStride(dimension: number): number {
  return Math.ceil(dimension / STRIDE_MULTIPLE) * STRIDE_MULTIPLE;
}

export interface ScoringKernels {
  dotsInt8(rows: number, count: number, query: number, out: number): void;
  dotsF32(rows: number, count: number, query: number, out: number): void;
}

const moduleCache = new Map<number, WebAssembly.Module>();

/** The most 64 KiB pages a kernel memory may grow to (4 GiB, wasm32's whole address space). */
export const MAX_PAGES = 65536;

/** A memory the kernels can use: shared (so a helper thread sees the same rows), growable to 4 GiB. */
export function kernelMemory(initialPages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
}

/** Compiles (once per stride) the kernels for rows of `stride` padded dimensions. */
function compileKernels(stride: number): WebAssembly.Module {
  const cached = moduleCache.get(stride);
  if (cached) return cached;
  if (stride % STRIDE_MULTIPLE !== 0) throw new Error(`stride ${stride} is not a multiple of ${STRIDE_MULTIPLE}`);
  const fnType = [0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([])];
  // Memory limits: flag 3 = shared, with a minimum (one page) and the 4 GiB maximum, so a scan
  // helper thread can score part of the rows in the same memory.
  const limits = [0x03, ...uleb(1), ...uleb(MAX_PAGES)];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fnType])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]])),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([
      [...name('dotsInt8'), 0x00, 0],
      [...name('dotsF32'), 0x00, 1],
    ])),
    ...section(10, vec([kernelBody('int8', stride), kernelBody('f32', stride)])),
  ];
  const module = new WebAssembly.Module(new Uint8Array(bytes));
  moduleCache.set(stride, module);
  return module;
}

export function instantiateKernels(stride: number, memory: WebAssembly.Memory): ScoringKernels {
  const instance = new WebAssembly.Instance(compileKernels(stride), { env: { memory } });
  return instance.exports as unknown as ScoringKernels;
}
