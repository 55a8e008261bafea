import { runPolyphase } from './resample-kernel.ts';

/**
 * Band-limited resampling by a Kaiser-windowed sinc. The pass band is kept flat (well within
 * 0.1 dB) up to 87.5 % of the lower Nyquist frequency (14 kHz for 32 kHz output) and everything
 * above the lower Nyquist frequency is attenuated by >= 90 dB, so nothing aliases into the output
 * and no images appear when upsampling. Output sample n sits exactly at input time n * from / to
 * (no delay), and a signal of N samples becomes ceil(N * to / from) samples.
 */
const PASS_EDGE = 0.875;
const ATTENUATION_DB = 90;
/** Up to this many phases each row of the table is computed from the window itself. */
const MAX_DIRECT_PHASES = 4096;
const INTERPOLATED_PHASES = 1024;
/** Coefficients (16 MB) beyond which a per-phase table is not worth its memory. */
const TABLE_LIMIT = 1 << 22;
const CACHE_LIMIT = 16;

interface Design {
  /** Up/down factors of the reduced ratio to/from = L/M. */
  l: number;
  m: number;
  /** Coefficients per phase (a multiple of 8 for the SIMD kernel). */
  taps: number;
  /** Taps before the output instant: x index of tap 0 is base - (half - 1). */
  half: number;
  exact: boolean;
  table: Float32Array;
}

const designs = new Map<string, Design>();

export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) {
    throw new RangeError(`sample rates must be positive integers (got ${fromRate} -> ${toRate})`);
  }
  if (fromRate === toRate) return x.slice();
  if (x.length === 0) return new Float32Array(0);
  const d = design(fromRate, toRate);
  const outN = Math.ceil((x.length * d.l) / d.m);
  const lastBase = Math.floor(((outN - 1) * d.m) / d.l);
  const padded = new Float32Array(lastBase + d.taps + 1);
  padded.set(x, d.half - 1);
  return d.exact ? runPolyphase(padded, d.table, d.taps, d.l, d.m, outN) : interpolatedPolyphase(padded, d, outN);
}

function design(from: number, to: number): Design {
  const key = `${from}:${to}`;
  const cached = designs.get(key);
  if (cached) {
    designs.delete(key);
    designs.set(key, cached);
    return cached;
  }
  const g = gcd(from, to);
  const l = to / g;
  const m = from / g;
  const nyquist = Math.min(from, to) / 2;
  const stopEdge = nyquist;
  const passEdge = PASS_EDGE * nyquist;
  // Normalised to the input rate, since the kernel runs over input samples.
  const cutoff = (passEdge + stopEdge) / 2 / from;
  const transition = (stopEdge - passEdge) / from;
  const beta = 0.1102 * (ATTENUATION_DB - 8.7);
  const span = (ATTENUATION_DB - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
  const half = Math.ceil(span / 2);
  const taps = Math.ceil((2 * half) / 8) * 8;
  const kernel = (phi: number, row: Float32Array): void => kernelRow(phi, half, cutoff, beta, row);
  // Odd ratios (22254 -> 32000 reduces to 16000/11127) need thousands of phases: derive those rows
  // from a 1024-phase table by linear interpolation (error ~-100 dB) instead of evaluating the
  // window for each, and beyond TABLE_LIMIT blend two rows per output sample instead.
  const fine = l > MAX_DIRECT_PHASES ? new Float32Array((INTERPOLATED_PHASES + 1) * taps) : undefined;
  if (fine) for (let r = 0; r <= INTERPOLATED_PHASES; r++) kernel(r / INTERPOLATED_PHASES, fine.subarray(r * taps, (r + 1) * taps));
  const exact = l * taps <= TABLE_LIMIT;
  let table: Float32Array;
  if (!exact) table = fine as Float32Array;
  else {
    table = new Float32Array(l * taps);
    for (let r = 0; r < l; r++) {
      const row = table.subarray(r * taps, (r + 1) * taps);
      if (!fine) kernel(r / l, row);
      else {
        const pos = (r / l) * INTERPOLATED_PHASES;
        const p = Math.floor(pos);
        const w = pos - p;
        for (let k = 0; k < taps; k++) row[k] = fine[p * taps + k] * (1 - w) + fine[(p + 1) * taps + k] * w;
      }
    }
  }
  const d: Design = { l, m, taps, half, exact, table };
  designs.set(key, d);
  if (designs.size > CACHE_LIMIT) designs.delete(designs.keys().next().value as string);
  return d;
}

/**
 * Ratios whose table would be too large (44101 -> 32000: 32000 phases): blend the two nearest of
 * 1024 phases per output sample, in JavaScript; slower, but such rates are rare.
 */
function interpolatedPolyphase(x: Float32Array, d: Design, outN: number): Float32Array {
  const { l, m, taps, table } = d;
  const out = new Float32Array(outN);
  const stepBase = Math.floor(m / l);
  const stepPhase = m % l;
  let base = 0;
  let phase = 0;
  for (let n = 0; n < outN; n++) {
    const pos = (phase / l) * INTERPOLATED_PHASES;
    const p = Math.floor(pos);
    const w = pos - p;
    const a = p * taps;
    const b = a + taps;
    let s0 = 0;
    let s1 = 0;
    for (let k = 0; k < taps; k++) {
      const v = x[base + k];
      s0 += v * table[a + k];
      s1 += v * table[b + k];
    }
    out[n] = s0 + w * (s1 - s0);
    phase += stepPhase;
    base += stepBase;
    if (phase >= l) {
      phase -= l;
      base++;
    }
  }
  return out;
}

/** One phase of the Kaiser-windowed sinc, for an output instant `phi` input samples after tap half-1. */
function kernelRow(phi: number, half: number, cutoff: number, beta: number, row: Float32Array): void {
  const i0Beta = besselI0(beta);
  let sum = 0;
  for (let k = 0; k < 2 * half; k++) {
    const t = phi + half - 1 - k;
    const w = Math.abs(t) >= half ? 0 : besselI0(beta * Math.sqrt(1 - (t / half) ** 2)) / i0Beta;
    const v = 2 * cutoff * sinc(2 * cutoff * t) * w;
    row[k] = v;
    sum += v;
  }
  // Each phase passes DC at exactly unity, so no phase-dependent ripple appears on steady signals.
  for (let k = 0; k < 2 * half; k++) row[k] /= sum;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
