import { parentPort } from 'node:worker_threads';
import { BestWindows } from './best-windows.ts';
import { bitsetCheck, scanRows } from './scan-rows.ts';
import { instantiateKernels, type ScoringKernels } from './simd-kernels.ts';
import type { ScanReply, ScanRequest } from './scan-helper.ts';

/**
 * The second core's half of an int8 scan: the index's kernel memory and row metadata are shared
 * with this thread, so a request carries only where to scan; the best windows go back as two
 * small arrays.
 */
const port = parentPort!;
let memory: WebAssembly.Memory | undefined;
let kernels: ScoringKernels | undefined;

port.on('message', (m: ScanRequest) => {
  if (m.type === 'close') {
    port.close();
    return;
  }
  if (m.type === 'attach') {
    memory = m.memory;
    kernels = instantiateKernels(m.stride, m.memory);
    port.postMessage({ ready: true });
    return;
  }
  const best = new BestWindows(m.keep);
  const allowed = m.allow ? bitsetCheck(m.allow, m.exclude) : (id: number) => id !== m.exclude;
  scanRows({ ...m.layout, buffer: memory!.buffer, kernel: kernels!.dotsInt8, scale: m.scale, sound: m.sound }, best, allowed, null, m.start, m.end, true);
  const rows = new Int32Array(best.size);
  const scores = new Float64Array(best.size);
  best.entries().forEach((e, i) => { rows[i] = e.row; scores[i] = e.score; });
  const reply: ScanReply = { id: m.id, rows, scores };
  port.postMessage(reply, [rows.buffer, scores.buffer]);
});
