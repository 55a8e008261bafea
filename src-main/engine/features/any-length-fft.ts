/**
 * Complex FFT of any length, in place, in float64. The 2DFT baseline transforms lengths such
 * as 40,000 (5 s at 8 kHz), 1,142 (= 2 x 571, the CQT's frames) and 63 (its bins), so powers
 * of two are not enough: other lengths use Bluestein's chirp-z algorithm over a power-of-two
 * transform. Tables are built once per length and kept.
 */

interface Radix2Plan {
  n: number;
  bitReversed: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

interface BluesteinPlan {
  n: number;
  inner: Radix2Plan;
  /** e^{-i pi k^2 / n}, the chirp. */
  chirpRe: Float64Array;
  chirpIm: Float64Array;
  /** The FFT of the conjugate chirp laid out circularly over the inner length. */
  kernelRe: Float64Array;
  kernelIm: Float64Array;
  scratchRe: Float64Array;
  scratchIm: Float64Array;
}

const radix2Plans = new Map<number, Radix2Plan>();
const bluesteinPlans = new Map<number, BluesteinPlan>();

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function radix2Plan(n: number): Radix2Plan {
  let plan = radix2Plans.get(n);
  if (plan) return plan;
  const bits = Math.round(Math.log2(n));
  const bitReversed = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
    bitReversed[i] = r >>> 0;
  }
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  plan = { n, bitReversed, cos, sin };
  radix2Plans.set(n, plan);
  return plan;
}

/** Forward transform (e^{-i...}) of a power-of-two length. */
function radix2(plan: Radix2Plan, re: Float64Array, im: Float64Array): void {
  const { n, bitReversed, cos, sin } = plan;
  for (let i = 0; i < n; i++) {
    const j = bitReversed[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

function bluesteinPlan(n: number): BluesteinPlan {
  let plan = bluesteinPlans.get(n);
  if (plan) return plan;
  let m = 1;
  while (m < 2 * n - 1) m *= 2;
  const inner = radix2Plan(m);
  const chirpRe = new Float64Array(n);
  const chirpIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // k^2 mod 2n keeps the angle exact for long transforms.
    const angle = (Math.PI * ((k * k) % (2 * n))) / n;
    chirpRe[k] = Math.cos(angle);
    chirpIm[k] = -Math.sin(angle);
  }
  const kernelRe = new Float64Array(m);
  const kernelIm = new Float64Array(m);
  kernelRe[0] = chirpRe[0];
  kernelIm[0] = -chirpIm[0];
  for (let k = 1; k < n; k++) {
    kernelRe[k] = kernelRe[m - k] = chirpRe[k];
    kernelIm[k] = kernelIm[m - k] = -chirpIm[k];
  }
  radix2(inner, kernelRe, kernelIm);
  plan = { n, inner, chirpRe, chirpIm, kernelRe, kernelIm, scratchRe: new Float64Array(m), scratchIm: new Float64Array(m) };
  bluesteinPlans.set(n, plan);
  return plan;
}

function bluestein(plan: BluesteinPlan, re: Float64Array, im: Float64Array): void {
  const { n, inner, chirpRe, chirpIm, kernelRe, kernelIm, scratchRe: ar, scratchIm: ai } = plan;
  const m = inner.n;
  ar.fill(0);
  ai.fill(0);
  for (let k = 0; k < n; k++) {
    ar[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k];
    ai[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k];
  }
  radix2(inner, ar, ai);
  for (let k = 0; k < m; k++) {
    const r = ar[k] * kernelRe[k] - ai[k] * kernelIm[k];
    const i = ar[k] * kernelIm[k] + ai[k] * kernelRe[k];
    // Conjugate now so that the forward transform below acts as the inverse one.
    ar[k] = r;
    ai[k] = -i;
  }
  radix2(inner, ar, ai);
  for (let k = 0; k < n; k++) {
    const r = ar[k] / m;
    const i = -ai[k] / m;
    re[k] = r * chirpRe[k] - i * chirpIm[k];
    im[k] = r * chirpIm[k] + i * chirpRe[k];
  }
}

/** Forward DFT X[k] = sum_n x[n] e^{-2 pi i k n / N}, in place, any N >= 1 (numpy.fft.fft). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n <= 1) return;
  if (isPowerOfTwo(n)) radix2(radix2Plan(n), re, im);
  else bluestein(bluesteinPlan(n), re, im);
}

/** Inverse DFT with the 1/N factor, in place (numpy.fft.ifft). */
export function ifft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let k = 0; k < n; k++) im[k] = -im[k];
  fft(re, im);
  for (let k = 0; k < n; k++) {
    re[k] /= n;
    im[k] = -im[k] / n;
  }
}
