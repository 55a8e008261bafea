import { describe, expect, it } from 'vitest';
import { matmulABt, transpose } from '../../../src-main/engine/model-version/matrix.ts';
import { seededRandom } from '../../../src-main/engine/random.ts';

describe('matmulABt', () => {
  it('matches a plain triple loop for every remainder of the 4 x 2 blocking', () => {
    const random = seededRandom(4);
    for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [4, 2, 9], [9, 7, 3], [8, 6, 16]]) {
      const a = Float32Array.from({ length: m * k }, () => random.normal());
      const b = Float32Array.from({ length: n * k }, () => random.normal());
      const c = new Float32Array(m * n).fill(NaN);
      matmulABt(a, b, c, m, n, k);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
          expect(c[i * n + j]).toBeCloseTo(s, 4);
        }
      }
    }
  });

  it('transposes', () => {
    expect(Array.from(transpose(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
