import { parentPort } from 'node:worker_threads';
import { serveCalls } from '../workers.ts';
import { BestWindows } from './best-windows.ts';
import { bitsetCheck, scanRows } from './scan-rows.ts';
import { instantiateKernels, type ScoringKernels } from './simd-kernels.ts';
import type { ScanReply, ScanRequest } from './scan-helper.ts';

/**
 * The second core's half of an int8 scan: the index's kernel memory and row metadata are shared
 * with this thread, so a request carries only where to scan; the best windows go back as two
 * small arrays.
 */
let memory: WebAssembly.Memory | undefined;
let kernels: ScoringKernels | undefined;

serveCalls<ScanRequest, ScanReply | null>(parentPort!, (m) => {
  if (m.type === 'attach') {
    memory = m.memory;
    kernels = instantiateKernels(m.stride, m.memory);
    return { value: null };
  }
  const best = new BestWindows(m.keep);
  const allowed = m.allow ? bitsetCheck(m.allow, m.exclude) : (id: number) => id !== m.exclude;
  scanRows({ ...m.layout, buffer: memory!.buffer, kernel: kernels!.dotsInt8, scale: m.scale, sound: m.sound }, best, allowed, null, m.start, m.end, true);
  const rows = new Int32Array(best.size);
  const scores = new Float64Array(best.size);
  best.entries().forEach((e, i) => { rows[i] = e.row; scores[i] = e.score; });
  return { value: { rows, scores }, transfer: [rows.buffer, scores.buffer] };
});
