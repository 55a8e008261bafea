import { EngineError } from '../errors.ts';
import { fft, ifft } from '../features/any-length-fft.ts';

/**
 * The constant-Q transform the QVIM 2DFT baseline uses: not librosa's, but the
 * non-stationary Gabor CQT of Schörkhuber, Klapuri, Holighaus and Dörfler's MATLAB toolbox in
 * the Python translation by Cwiok and Pishdadian that the baseline ships
 * (qvim_2dft_baseline/cqt.py, gen_filterbank.py, gen_filter.py, apply_filterbank.py), called
 * as `cqt(x, 12, 8000, 55, 2090)` with its defaults: rasterize 'full', phasemode 'global',
 * normalize 'sine', Hann filters, gamma 0, no fractional shifts, minimum filter length 4.
 *
 * In short: the whole signal is transformed once; each bin's Hann window (bandwidth
 * Q * f_k with Q = 2^(1/B) - 2^(-1/B)) cuts its slice of the spectrum; with full rasterization
 * every bin is inverse-transformed at the widest bin's length, so the result is a
 * bins x frames matrix (63 x 1142 for 5 s at 8 kHz). Reproduced step for step, including its
 * quirks (numpy's round-half-even of the bandwidths, the floor/ceil placement of centres).
 */
export interface ConstantQOptions {
  binsPerOctave: number;
  sampleRate: number;
  fmin: number;
  fmax: number;
}

export interface ConstantQ {
  bins: number;
  frames: number;
  /** Row-major [bins x frames] complex coefficients. */
  re: Float64Array;
  im: Float64Array;
  /** Centre frequency of each bin in Hz, as placed on the FFT grid. */
  frequencies: Float64Array;
}

interface Plan {
  length: number;
  bins: number;
  frames: number;
  /** Per bandpass bin: its centre in FFT bins, and its normalised window in the toolbox's order. */
  centres: Float64Array;
  windows: Float64Array[];
  frequencies: Float64Array;
}

const plans = new Map<string, Plan>();

/** numpy.round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's modulo: the result takes the divisor's sign. */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * gen_filter('hann', num_samples=n): 0.5 + 0.5 cos(2 pi x) sampled at x = k/n in FFT order
 * (0 .. 0.5 then -0.5 .. -1/n), zero where |x| >= 0.5.
 */
function hannFftOrder(n: number): Float64Array {
  const w = new Float64Array(n);
  const positiveCount = n % 2 === 0 ? n / 2 : (n - 1) / 2 + 1;
  for (let k = 0; k < n; k++) {
    const x = k < positiveCount ? k / n : -(n - k) / n;
    w[k] = Math.abs(x) < 0.5 ? 0.5 + 0.5 * Math.cos(2 * Math.PI * x) : 0;
  }
  return w;
}

function buildPlan(length: number, o: ConstantQOptions): Plan {
  const { binsPerOctave: B, sampleRate: sr, fmin } = o;
  const nyquist = sr / 2;
  const fmax = Math.min(o.fmax, nyquist);
  const fftres = sr / length;
  const total = Math.floor(B * Math.log2(fmax / fmin));
  const Q = 2 ** (1 / B) - 2 ** (-1 / B);
  let freqs: number[] = [];
  for (let k = 0; k <= total; k++) freqs.push(fmin * 2 ** (k / B));
  let bws = freqs.map((f) => Q * f);
  const overNyquist = freqs.findIndex((f, i) => f + bws[i] / 2 > nyquist);
  if (overNyquist >= 0) {
    freqs = freqs.slice(0, overNyquist);
    bws = bws.slice(0, overNyquist);
  }
  const belowZero = freqs.map((f, i) => f - bws[i] / 2 < 0);
  const lastBelow = belowZero.lastIndexOf(true);
  if (lastBelow >= 0) {
    freqs = freqs.slice(lastBelow);
    bws = bws.slice(lastBelow);
  }
  const n = freqs.length;
  if (n === 0) throw new EngineError('invalid-argument', 'the constant-Q range holds no bins');

  // Centres and bandwidths in FFT bins of [DC, bandpass..., Nyquist, mirrored bandpass...].
  const centresHz = [0, ...freqs, nyquist, ...freqs.map((f) => sr - f).reverse()];
  const bwHz = [2 * fmin, ...bws, centresHz[n + 2] - centresHz[n], ...[...bws].reverse()];
  const centres = centresHz.map((c, i) => (i < n + 2 ? Math.floor(c / fftres) : Math.ceil(c / fftres)));
  const bw = bwHz.map((b) => Math.max(roundHalfEven(b / fftres), 4));
  if (centres.some((c) => c >= length) || bw.some((b) => b > length)) {
    throw new EngineError('invalid-argument', `a ${length}-sample signal is too short for this constant-Q range`);
  }
  // Full rasterization: every bandpass bin is sampled at the widest bandpass bin's rate.
  const frames = bw[n];
  const norm = (2 * frames) / length;
  const windows: Float64Array[] = [];
  for (let k = 1; k <= n; k++) {
    const w = hannFftOrder(bw[k]);
    for (let i = 0; i < w.length; i++) w[i] *= norm;
    windows.push(w);
  }
  const bandCentres = Float64Array.from(centres.slice(1, n + 1));
  return { length, bins: n, frames, centres: bandCentres, windows, frequencies: bandCentres.map((c) => c * fftres) };
}

function planFor(length: number, o: ConstantQOptions): Plan {
  const key = `${length}:${o.binsPerOctave}:${o.sampleRate}:${o.fmin}:${o.fmax}`;
  let plan = plans.get(key);
  if (!plan) {
    plan = buildPlan(length, o);
    plans.set(key, plan);
  }
  return plan;
}

/** The baseline's CQT of a real signal (the `cqt` matrix; the DC and Nyquist channels are dropped as it drops them). */
export function constantQ(signal: Float32Array | Float64Array, o: ConstantQOptions): ConstantQ {
  const L = signal.length;
  const plan = planFor(L, o);
  const specRe = Float64Array.from(signal);
  const specIm = new Float64Array(L);
  fft(specRe, specIm);

  const { bins, frames: M } = plan;
  const re = new Float64Array(bins * M);
  const im = new Float64Array(bins * M);
  const rowRe = new Float64Array(M);
  const rowIm = new Float64Array(M);
  for (let b = 0; b < bins; b++) {
    const w = plan.windows[b];
    const len = w.length;
    const centre = plan.centres[b];
    const below = Math.floor(len / 2);
    const upFrom = Math.ceil(len / 2);
    // Global phase: the slice is rotated by the centre's offset within the frame length.
    const displace = pyMod(centre, M);
    rowRe.fill(0);
    rowIm.fill(0);
    for (let j = 0; j < len; j++) {
      const spectrumBin = pyMod(centre + j - below, L);
      const windowIndex = j < below ? upFrom + j : j - below;
      const slot = j < below ? M - below + j : j - below;
      const at = (slot + displace) % M;
      rowRe[at] = specRe[spectrumBin] * w[windowIndex];
      rowIm[at] = specIm[spectrumBin] * w[windowIndex];
    }
    ifft(rowRe, rowIm);
    re.set(rowRe, b * M);
    im.set(rowIm, b * M);
  }
  return { bins, frames: M, re, im, frequencies: plan.frequencies };
}
