import type { BestWindows } from './best-windows.ts';

/** Scores `count` rows at byte address `rows` against the query at `query`, writing to `out`. */
export type Kernel = (rows: number, count: number, query: number, out: number) => void;

/** Where a block scan reads and writes: the kernel memory's layout and the rows' metadata. */
export interface ScanTarget {
  buffer: ArrayBufferLike;
  kernel: Kernel;
  matrixAt: number;
  rowBytes: number;
  queryAt: number;
  /** A BLOCK_ROWS-long int32/float32 scratch area of this thread's own. */
  outAt: number;
  scale: Float32Array;
  sound: Int32Array;
}

/** Rows scored per kernel call: the int32 results stay in L1 and the rows in L2. */
export const BLOCK_ROWS = 2048;

/**
 * Scores rows with a kernel a block at a time into `best`: rows `start` to `end`, or only
 * `rows` (sorted), gathered into runs of consecutive rows. `scaled`: int8 dots times each row's
 * scale; else the dots are cosines. The main thread and the scan helper run this same loop.
 */
export function scanRows(
  t: ScanTarget, best: BestWindows, allowed: (soundId: number) => boolean,
  rows: Int32Array | null, start: number, end: number, scaled: boolean,
): void {
  const intDots = new Int32Array(t.buffer, t.outAt, BLOCK_ROWS);
  const floatDots = new Float32Array(t.buffer, t.outAt, BLOCK_ROWS);
  const { scale, sound } = t;
  const last = rows ? rows.length : end;
  for (let i = rows ? 0 : start; i < last;) {
    // A run: consecutive rows, at most a block.
    const first = rows ? rows[i] : i;
    let n = 1;
    if (rows) while (i + n < rows.length && n < BLOCK_ROWS && rows[i + n] === first + n) n++;
    else n = Math.min(BLOCK_ROWS, end - first);
    i += n;
    t.kernel(t.matrixAt + first * t.rowBytes, n, t.queryAt, t.outAt);
    let threshold = best.threshold;
    if (scaled) {
      for (let k = 0; k < n; k++) {
        const score = intDots[k] * scale[first + k];
        if (score > threshold && allowed(sound[first + k])) {
          best.push(score, first + k);
          threshold = best.threshold;
        }
      }
    } else {
      for (let k = 0; k < n; k++) {
        const score = floatDots[k];
        if (score > threshold && allowed(sound[first + k])) {
          best.push(score, first + k);
          threshold = best.threshold;
        }
      }
    }
  }
}

/** The allowed-sound check for a bitset (bit `id & 7` of byte `id >> 3`), leaving `exclude` out. */
export function bitsetCheck(bits: Uint8Array, exclude: number): (soundId: number) => boolean {
  return (id) => id !== exclude && ((bits[id >> 3] >> (id & 7)) & 1) === 1;
}
