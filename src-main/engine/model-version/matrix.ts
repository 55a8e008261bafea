/**
 * The few dense kernels training needs, over row-major Float32Arrays. Every product is written
 * as C = A * B^T (rows against rows, both read contiguously) with 4 x 2 register blocking: in V8
 * that runs three to four times faster than a plain triple loop, which is what keeps 12,000 pairs
 * x 20 epochs inside two minutes. Other products are reduced to this one by a transpose.
 */

/** C[m x n] = A[m x k] * B[n x k]^T (C is overwritten). */
export function matmulABt(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  const m4 = m - (m % 4);
  const n2 = n - (n % 2);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n2; j += 2) {
      const b0 = j * k;
      const b1 = b0 + k;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const x2 = a[a2 + p];
        const x3 = a[a3 + p];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s20 += x2 * y0;
        s21 += x2 * y1;
        s30 += x3 * y0;
        s31 += x3 * y1;
      }
      const c0 = i * n + j;
      c[c0] = s00;
      c[c0 + 1] = s01;
      c[c0 + n] = s10;
      c[c0 + n + 1] = s11;
      c[c0 + 2 * n] = s20;
      c[c0 + 2 * n + 1] = s21;
      c[c0 + 3 * n] = s30;
      c[c0 + 3 * n + 1] = s31;
    }
    if (n2 < n) for (let r = 0; r < 4; r++) c[(i + r) * n + n2] = dot(a, (i + r) * k, b, n2 * k, k);
  }
  for (let i = m4; i < m; i++) for (let j = 0; j < n; j++) c[i * n + j] = dot(a, i * k, b, j * k, k);
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
  return s;
}

/** out[cols x rows] = in[rows x cols]^T. */
export function transpose(input: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = input[o + j];
  }
  return out;
}

/** Scales `v` in place to unit length and returns the length it had (0 stays 0). */
export function normaliseInPlace(v: Float32Array, offset = 0, length = v.length): number {
  let s = 0;
  for (let i = offset; i < offset + length; i++) s += v[i] * v[i];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let i = offset; i < offset + length; i++) v[i] /= norm;
  return norm;
}
