import { constantQ, type ConstantQOptions } from './constant-q.ts';
import { fft } from '../features/any-length-fft.ts';

/**
 * The QVIM challenge's 2DFT baseline feature: mono audio at 8 kHz, the first 5 s (zero-padded),
 * the toolbox constant-Q transform with 12 bins per octave from 55 Hz to 2090 Hz, then
 * |fftshift(fft2(|CQT|))| flattened row by row. The 2-D spectrum's magnitude ignores where in
 * time and pitch a pattern sits, which is why it tolerates imitations that start late or sit
 * in another register.
 */
export const TWO_DFT_SAMPLE_RATE = 8000;
export const TWO_DFT_SECONDS = 5;
export const TWO_DFT_CQT: ConstantQOptions = { binsPerOctave: 12, sampleRate: TWO_DFT_SAMPLE_RATE, fmin: 55, fmax: 2090 };

/** The baseline's padding(): keep the first `length` samples, zeros after the end. */
export function padOrTrim(samples: Float32Array | Float64Array, length: number): Float64Array {
  const out = new Float64Array(length);
  out.set(samples.length > length ? samples.subarray(0, length) : samples);
  return out;
}

/** |CQT| of an 8 kHz clip, as the 2DFT sees it: [bins x frames] row-major, plus its shape. */
export function constantQMagnitude(samples8k: Float32Array | Float64Array): { bins: number; frames: number; magnitude: Float64Array } {
  const c = constantQ(padOrTrim(samples8k, TWO_DFT_SAMPLE_RATE * TWO_DFT_SECONDS), TWO_DFT_CQT);
  const magnitude = new Float64Array(c.re.length);
  for (let i = 0; i < magnitude.length; i++) magnitude[i] = Math.hypot(c.re[i], c.im[i]);
  return { bins: c.bins, frames: c.frames, magnitude };
}

/** |fftshift(fft2(x))| of a real [rows x cols] matrix, row-major. */
export function magnitude2dSpectrum(x: Float64Array, rows: number, cols: number): Float64Array {
  const re = Float64Array.from(x);
  const im = new Float64Array(x.length);
  const rowRe = new Float64Array(cols);
  const rowIm = new Float64Array(cols);
  // Two real rows go through one complex FFT (a + ib) and are separated by symmetry after.
  for (let r = 0; r < rows; r += 2) {
    const pair = r + 1 < rows;
    rowRe.set(x.subarray(r * cols, (r + 1) * cols));
    if (pair) rowIm.set(x.subarray((r + 1) * cols, (r + 2) * cols));
    else rowIm.fill(0);
    fft(rowRe, rowIm);
    for (let k = 0; k < cols; k++) {
      const m = k === 0 ? 0 : cols - k;
      const zr = rowRe[k];
      const zi = rowIm[k];
      const wr = rowRe[m];
      const wi = rowIm[m];
      re[r * cols + k] = (zr + wr) / 2;
      im[r * cols + k] = (zi - wi) / 2;
      if (pair) {
        re[(r + 1) * cols + k] = (zi + wi) / 2;
        im[(r + 1) * cols + k] = (wr - zr) / 2;
      }
    }
  }
  const colRe = new Float64Array(rows);
  const colIm = new Float64Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) {
      colRe[r] = re[r * cols + c];
      colIm[r] = im[r * cols + c];
    }
    fft(colRe, colIm);
    for (let r = 0; r < rows; r++) {
      re[r * cols + c] = colRe[r];
      im[r * cols + c] = colIm[r];
    }
  }
  // fftshift moves index k to (k + floor(n/2)) mod n on each axis.
  const out = new Float64Array(x.length);
  const shiftR = Math.floor(rows / 2);
  const shiftC = Math.floor(cols / 2);
  for (let r = 0; r < rows; r++) {
    const rr = (r + shiftR) % rows;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      out[rr * cols + ((c + shiftC) % cols)] = Math.hypot(re[i], im[i]);
    }
  }
  return out;
}

/** The 2DFT feature of a mono 8 kHz clip (63 x 1142 = 71,946 values). */
export function twoDftFeature(samples8k: Float32Array | Float64Array): Float64Array {
  const { bins, frames, magnitude } = constantQMagnitude(samples8k);
  return magnitude2dSpectrum(magnitude, bins, frames);
}
