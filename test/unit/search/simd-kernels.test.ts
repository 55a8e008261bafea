import { describe, expect, it } from 'vitest';
import { instantiateKernels, kernelMemory, paddedStride } from '../../../src-main/engine/search/simd-kernels.ts';
import { random } from './synthetic-embeddings.ts';

function setup(dimension: number, rows: number, bytesPerValue: number) {
  const stride = paddedStride(dimension);
  const queryAt = 0;
  const outAt = stride * 4;
  const rowsAt = outAt + rows * 4;
  const memory = kernelMemory(Math.ceil((rowsAt + rows * stride * bytesPerValue) / 65536));
  return { stride, queryAt, outAt, rowsAt, memory, kernels: instantiateKernels(stride, memory) };
}

describe('SIMD scoring kernels', () => {
  it('computes exact int8 x int16 dot products for full groups of four rows and the tail, at the extremes', () => {
    for (const dimension of [384, 960, 20]) {
      const rows = 7;
      const { stride, queryAt, outAt, rowsAt, memory, kernels } = setup(dimension, rows, 1);
      const next = random(dimension);
      const levels = Math.min(32767, Math.floor(0x7fffffff / (stride * 128)));
      const query = new Int16Array(memory.buffer, queryAt, stride);
      const matrix = new Int8Array(memory.buffer, rowsAt, rows * stride);
      for (let i = 0; i < dimension; i++) query[i] = i % 2 === 0 ? levels : Math.round((next() * 2 - 1) * levels);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < dimension; i++) {
          // Row 0 pushes every product to its largest magnitude; the rest are random.
          matrix[r * stride + i] = r === 0 ? (query[i] >= 0 ? 127 : -127) : Math.round((next() * 2 - 1) * 127);
        }
      }
      kernels.dotsInt8(rowsAt, rows, queryAt, outAt);
      const out = new Int32Array(memory.buffer, outAt, rows);
      for (let r = 0; r < rows; r++) {
        let want = 0;
        for (let i = 0; i < dimension; i++) want += matrix[r * stride + i] * query[i];
        expect(out[r]).toBe(want);
      }
    }
  });

  it('computes float32 dot products to float precision', () => {
    const dimension = 100;
    const rows = 9;
    const { stride, queryAt, outAt, rowsAt, memory, kernels } = setup(dimension, rows, 4);
    const next = random(3);
    const query = new Float32Array(memory.buffer, queryAt, stride);
    const matrix = new Float32Array(memory.buffer, rowsAt, rows * stride);
    for (let i = 0; i < dimension; i++) query[i] = next() - 0.5;
    for (let r = 0; r < rows; r++) for (let i = 0; i < dimension; i++) matrix[r * stride + i] = next() - 0.5;
    kernels.dotsF32(rowsAt, rows, queryAt, outAt);
    const out = new Float32Array(memory.buffer, outAt, rows);
    for (let r = 0; r < rows; r++) {
      let want = 0;
      for (let i = 0; i < dimension; i++) want += matrix[r * stride + i] * query[i];
      expect(Math.abs(out[r] - want)).toBeLessThan(1e-5);
    }
  });
});
