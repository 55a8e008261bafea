/**
 * Power spectrum of a 1024-point real frame, the one transform the QVIM front end needs.
 *
 * A real transform of length N is done as one complex transform of length N/2 (even samples
 * as the real part, odd samples as the imaginary part) followed by a split step, which halves
 * the work of a plain complex FFT. All tables are built once; the caller owns the buffers so a
 * whole clip runs without allocating.
 */
export const FFT_SIZE = 1024;
export const SPECTRUM_BINS = FFT_SIZE / 2 + 1;

const HALF = FFT_SIZE / 2;
const QUARTER = HALF / 2;

/** Where input sample pair n lands so that the in-place butterflies produce natural order. */
const bitReversed = (() => {
  const bits = Math.log2(HALF);
  const table = new Uint16Array(HALF);
  for (let i = 0; i < HALF; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    table[i] = r;
  }
  return table;
})();

// e^{-2 pi i k / HALF} for the complex stages; e^{-2 pi i k / FFT_SIZE} for the split step.
const stageCos = new Float64Array(QUARTER);
const stageSin = new Float64Array(QUARTER);
for (let k = 0; k < QUARTER; k++) {
  stageCos[k] = Math.cos((2 * Math.PI * k) / HALF);
  stageSin[k] = -Math.sin((2 * Math.PI * k) / HALF);
}

/**
 * After the first radix-4 pass (blocks of 4) the blocks grow by 4 per pass while they fit;
 * a pass joining four blocks of `span` points needs W^{2j}, W^j, W^{3j} of W = e^{-2 pi i / 4 span},
 * stored interleaved per j so the pass reads them in order.
 */
const radix4Passes: Array<{ span: number; twiddles: Float64Array }> = [];
let span = 4;
for (; span * 4 <= HALF; span *= 4) {
  const twiddles = new Float64Array(6 * span);
  for (let j = 0; j < span; j++) {
    [2 * j, j, 3 * j].forEach((power, i) => {
      const angle = (-2 * Math.PI * power) / (4 * span);
      twiddles[6 * j + 2 * i] = Math.cos(angle);
      twiddles[6 * j + 2 * i + 1] = Math.sin(angle);
    });
  }
  radix4Passes.push({ span, twiddles });
}
const lastRadix2 = span < HALF;
const splitCos = new Float64Array(SPECTRUM_BINS);
const splitSin = new Float64Array(SPECTRUM_BINS);
for (let k = 0; k < SPECTRUM_BINS; k++) {
  splitCos[k] = Math.cos((2 * Math.PI * k) / FFT_SIZE);
  splitSin[k] = -Math.sin((2 * Math.PI * k) / FFT_SIZE);
}

export interface FftScratch {
  re: Float64Array;
  im: Float64Array;
}

export function fftScratch(): FftScratch {
  return { re: new Float64Array(HALF), im: new Float64Array(HALF) };
}

/**
 * Writes |X[k]|^2, k = 0..512, of the real frame `frame` (FFT_SIZE values) into `power`.
 * Only the first `nonZero` samples (an even count) of the frame are read; the rest are taken as
 * zeros, which is how the 800-sample window sits inside the 1024-point transform.
 */
export function powerSpectrum(frame: Float64Array, nonZero: number, power: Float64Array, scratch: FftScratch): void {
  const { re, im } = scratch;
  // Locals, not module bindings, inside the hot loops: V8 then skips a context load per access.
  const rev = bitReversed, cos = stageCos, sin = stageSin, splitRe = splitCos, splitIm = splitSin;
  const pairs = nonZero >> 1;
  for (let n = 0; n < pairs; n++) {
    const r = rev[n];
    re[r] = frame[2 * n];
    im[r] = frame[2 * n + 1];
  }
  for (let n = pairs; n < HALF; n++) {
    const r = rev[n];
    re[r] = 0;
    im[r] = 0;
  }

  // First two stages as one radix-4 pass: their twiddles are 1 and -i, so no multiplies.
  for (let i = 0; i < HALF; i += 4) {
    const r0 = re[i], i0 = im[i], r1 = re[i + 1], i1 = im[i + 1];
    const r2 = re[i + 2], i2 = im[i + 2], r3 = re[i + 3], i3 = im[i + 3];
    const ar = r0 + r1, ai = i0 + i1, br = r0 - r1, bi = i0 - i1;
    const cr = r2 + r3, ci = i2 + i3, dr = r2 - r3, di = i2 - i3;
    re[i] = ar + cr; im[i] = ai + ci;
    re[i + 2] = ar - cr; im[i + 2] = ai - ci;
    // (dr + i di) * -i = di - i dr
    re[i + 1] = br + di; im[i + 1] = bi - dr;
    re[i + 3] = br - di; im[i + 3] = bi + dr;
  }

  // Remaining stages fused in pairs as radix-4 passes (half the loads and stores of radix-2,
  // three complex multiplies per four points), then one radix-2 stage for the last factor 2.
  for (const pass of radix4Passes) {
    const h = pass.span;
    const block = 4 * h;
    const w = pass.twiddles;
    for (let j = 0; j < h; j++) {
      const o = 6 * j;
      const w1r = w[o], w1i = w[o + 1], w2r = w[o + 2], w2i = w[o + 3], w3r = w[o + 4], w3i = w[o + 5];
      for (let p0 = j; p0 < HALF; p0 += block) {
        const p1 = p0 + h, p2 = p1 + h, p3 = p2 + h;
        const ar = re[p0], ai = im[p0];
        const x1r = re[p1], x1i = im[p1];
        const x2r = re[p2], x2i = im[p2];
        const x3r = re[p3], x3i = im[p3];
        const br = x1r * w1r - x1i * w1i, bi = x1r * w1i + x1i * w1r;
        const cr = x2r * w2r - x2i * w2i, ci = x2r * w2i + x2i * w2r;
        const dr = x3r * w3r - x3i * w3i, di = x3r * w3i + x3i * w3r;
        const sr = ar + br, si = ai + bi, tr = ar - br, ti = ai - bi;
        const ur = cr + dr, ui = ci + di, vr = cr - dr, vi = ci - di;
        re[p0] = sr + ur; im[p0] = si + ui;
        re[p2] = sr - ur; im[p2] = si - ui;
        // -i (v) = vi - i vr
        re[p1] = tr + vi; im[p1] = ti - vr;
        re[p3] = tr - vi; im[p3] = ti + vr;
      }
    }
  }
  if (lastRadix2) {
    const h = HALF / 2;
    for (let a = 0; a < h; a++) {
      const b = a + h;
      const wr = cos[a], wi = sin[a];
      const xr = re[b], xi = im[b];
      const tr = xr * wr - xi * wi;
      const ti = xr * wi + xi * wr;
      const ar = re[a], ai = im[a];
      re[b] = ar - tr; im[b] = ai - ti;
      re[a] = ar + tr; im[a] = ai + ti;
    }
  }

  // Split: X[k] = E[k] + W^k O[k], with E, O the transforms of the even and odd samples.
  const z0r = re[0], z0i = im[0];
  power[0] = (z0r + z0i) * (z0r + z0i);
  power[HALF] = (z0r - z0i) * (z0r - z0i);
  for (let k = 1; k < HALF; k++) {
    const a = re[k], b = im[k], c = re[HALF - k], d = im[HALF - k];
    const er = 0.5 * (a + c), ei = 0.5 * (b - d);
    const or = 0.5 * (b + d), oi = -0.5 * (a - c);
    const wr = splitRe[k], wi = splitIm[k];
    const xr = er + wr * or - wi * oi;
    const xi = ei + wr * oi + wi * or;
    power[k] = xr * xr + xi * xi;
  }
}
