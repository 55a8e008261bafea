/**
 * IEEE 754 half precision (float16) for stored window vectors and features: half the bytes of
 * float32 with a relative error below 1/2048, far inside what a cosine ranking can notice.
 * Node 20 has no Float16Array, so values are converted here: decoding is a table look-up (the
 * hot path, when the index is built), encoding rounds to nearest even. Little-endian, as every
 * platform Onomato runs on.
 */

const decodeTable = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) table[h] = sign * fraction * 2 ** -24;
    else if (exponent === 31) table[h] = fraction ? NaN : sign * Infinity;
    else table[h] = sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return table;
})();

const MAX_HALF = 65504;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float as its nearest float16 bits; values past the float16 range are clamped to it (never infinite). */
export function toHalf(value: number): number {
  f32[0] = Math.max(-MAX_HALF, Math.min(MAX_HALF, value));
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7e00; // NaN (infinities were clamped)
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7bff;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in and round to nearest even.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly moves into the exponent.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

/** A vector as float16 bytes (little-endian), ready to store. */
export function encodeHalf(vector: Float32Array): Buffer {
  const halves = new Uint16Array(vector.length);
  for (let i = 0; i < vector.length; i++) halves[i] = toHalf(vector[i]);
  return Buffer.from(halves.buffer, 0, halves.byteLength);
}

/** Stored float16 bytes back as float32 values. */
export function decodeHalf(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  // SQLite's buffers need not be 2-byte aligned: copy into an aligned view first.
  const halves = new Uint16Array(n);
  new Uint8Array(halves.buffer).set(bytes.subarray(0, 2 * n));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeTable[halves[i]];
  return out;
}
