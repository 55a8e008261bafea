import { splitmix32, uniform } from '../../src-main/engine/random.ts';

/** A sine of `freq` Hz (phase 0 at sample 0), computed in double precision. */
export function sine(freq: number, rate: number, n: number, amplitude = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** Seeded white noise, uniform in [-amplitude, amplitude): the same on every run, so a failure can be replayed. */
export function seededNoise(n: number, amplitude = 1, seed = 1): Float32Array {
  const random = splitmix32(seed);
  return Float32Array.from({ length: n }, () => uniform(random, -amplitude, amplitude));
}

/**
 * Seeded random bytes (garbage that must not read as audio): the same on every run, so each case
 * has one right answer. A 32-bit LCG's top byte, not splitmix32: the bad-file cases' expected
 * kinds (e.g. garbage after a FLAC magic reads as truncated) were pinned on these very bytes.
 */
export function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The signal of test/fixtures/scripts/make-audio-fixtures.sh: two tones left, a chirp right. */
export function twoToneChirp(rate: number, seconds = 1): Float32Array[] {
  const n = Math.round(rate * seconds);
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    left[i] = 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 3000 * t);
    right[i] = 0.5 * Math.sin(2 * Math.PI * (200 * t + 1900 * t * t));
  }
  return [left, right];
}

/**
 * Least-squares fit of a sinusoid at `freq` over [from, to): amplitude, phase (radians, of
 * sin) and the RMS of what is left after removing it.
 */
export function fitSine(y: Float32Array, freq: number, rate: number, from = 0, to = y.length): { amplitude: number; phase: number; residualRms: number } {
  let ss = 0, cc = 0, sc = 0, ys = 0, yc = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    const s = Math.sin(w), c = Math.cos(w);
    ss += s * s; cc += c * c; sc += s * c; ys += y[i] * s; yc += y[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let res = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    res += (y[i] - a * Math.sin(w) - b * Math.cos(w)) ** 2;
  }
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(b, a), residualRms: Math.sqrt(res / (to - from)) };
}

/** Largest absolute difference of two equally long arrays (treats -0 and 0 alike, unlike toEqual); Infinity when their lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export const db = (ratio: number): number => 20 * Math.log10(ratio);

/** Signal-to-noise ratio of `test` against `reference` in dB over their common length. */
export function snrDb(reference: Float32Array, test: Float32Array, from = 0, to = Math.min(reference.length, test.length)): number {
  let sig = 0, err = 0;
  for (let i = from; i < to; i++) {
    sig += reference[i] ** 2;
    err += (reference[i] - test[i]) ** 2;
  }
  return 10 * Math.log10(sig / Math.max(err, 1e-30));
}

/** Pearson correlation of two signals over their common length, searching lags up to maxLag. */
export function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): { r: number; lag: number } {
  let best = { r: -Infinity, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sab = 0, saa = 0, sbb = 0;
    const n = Math.min(a.length, b.length) - Math.abs(lag);
    for (let i = Math.max(0, -lag); i < n; i++) {
      const x = a[i], y = b[i + lag];
      sab += x * y; saa += x * x; sbb += y * y;
    }
    const r = sab / Math.sqrt(saa * sbb);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

/**
 * `a` laid over `b` from sample `lag` (b past its end counts as silence): the normalised
 * correlation and the largest sample difference. For finding a take inside what was fed to it.
 */
export function compareAt(a: Float32Array, b: Float32Array, lag: number): { r: number; worst: number } {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const y = b[i + lag] ?? 0;
    ab += a[i] * y;
    aa += a[i] * a[i];
    bb += y * y;
    worst = Math.max(worst, Math.abs(a[i] - y));
  }
  return { r: ab / Math.sqrt(aa * bb || 1), worst };
}
