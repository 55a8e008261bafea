/**
 * The one dot product of the engine: search's exact rescoring, the heads' matrix products and
 * evaluation's cosines. Four running sums let the CPU overlap the multiply-adds (a product of two
 * float32 values is exact in float64, so only the order of the sums rounds). `length` values are
 * read from `a` at `aOffset` and from `b` at `bOffset`.
 */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, length = a.length, aOffset = 0, bOffset = 0): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    s0 += a[aOffset + i] * b[bOffset + i];
    s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
    s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
    s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
  }
  for (; i < length; i++) s0 += a[aOffset + i] * b[bOffset + i];
  return s0 + s1 + s2 + s3;
}
