import type { LogMel } from '../features/log-mel.ts';
import { fft } from '../features/any-length-fft.ts';

/**
 * Cheap descriptors of a 10 s window that keep what global pooling of the backbone throws away:
 * the time course of loudness and brightness, and a 2DFT-like modulation spectrum. All are
 * computed from a coarse log-mel (32 bands x 40 ms frames), so caching that coarse grid is enough
 * to recompute any of them.
 */

export const COARSE_BANDS = 32;
export const COARSE_FRAMES = 250;
const MEL_GROUP = 4;
const FRAME_GROUP = 4;

/** Band-major [32 x 250] average of the 128 x 1000 log-mel (shorter inputs are padded with their minimum). */
export function coarseMel(mel: LogMel): Float32Array {
  const out = new Float32Array(COARSE_BANDS * COARSE_FRAMES);
  const T = mel.frames;
  let floor = Infinity;
  for (let i = 0; i < mel.data.length; i++) if (mel.data[i] < floor) floor = mel.data[i];
  for (let b = 0; b < COARSE_BANDS; b++) {
    for (let f = 0; f < COARSE_FRAMES; f++) {
      let sum = 0;
      for (let m = b * MEL_GROUP; m < (b + 1) * MEL_GROUP; m++) {
        const row = m * T;
        for (let t = f * FRAME_GROUP; t < (f + 1) * FRAME_GROUP; t++) sum += t < T ? mel.data[row + t] : floor;
      }
      out[b * COARSE_FRAMES + f] = sum / (MEL_GROUP * FRAME_GROUP);
    }
  }
  return out;
}

/** Per-frame loudness (log of summed band power, in the log-mel's units) and brightness (centroid in bands). */
export function contours(coarse: Float32Array): { loudness: Float32Array; brightness: Float32Array } {
  const loudness = new Float32Array(COARSE_FRAMES);
  const brightness = new Float32Array(COARSE_FRAMES);
  for (let f = 0; f < COARSE_FRAMES; f++) {
    let sum = 0;
    let weighted = 0;
    for (let b = 0; b < COARSE_BANDS; b++) {
      const p = Math.exp(5 * coarse[b * COARSE_FRAMES + f]);
      sum += p;
      weighted += p * b;
    }
    loudness[f] = Math.log(sum) / 5;
    brightness[f] = weighted / sum;
  }
  return { loudness, brightness };
}

/** The frame where the sound starts: the first within 30 dB (natural-log units / 5) of the loudest. */
function onsetFrame(loudness: Float32Array): number {
  let max = -Infinity;
  for (const v of loudness) max = Math.max(max, v);
  const threshold = max - Math.log(1000) / 5;
  const i = loudness.findIndex((v) => v >= threshold);
  return Math.max(0, i);
}

/**
 * A contour from the onset on, resampled to `points` over `spanFrames` frames and centred:
 * people start late and keep a different tempo, but keep the shape.
 */
function alignedContour(values: Float32Array, onset: number, spanFrames: number, points: number, weights?: Float32Array): Float32Array {
  const out = new Float32Array(points);
  for (let p = 0; p < points; p++) {
    const from = onset + (p * spanFrames) / points;
    const to = onset + ((p + 1) * spanFrames) / points;
    let sum = 0;
    let w = 0;
    for (let f = Math.floor(from); f < Math.ceil(to); f++) {
      const k = Math.min(f, COARSE_FRAMES - 1);
      const wk = weights ? weights[k] : 1;
      sum += values[k] * wk;
      w += wk;
    }
    out[p] = w > 0 ? sum / w : 0;
  }
  let mean = 0;
  for (const v of out) mean += v;
  mean /= points;
  for (let p = 0; p < points; p++) out[p] -= mean;
  return out;
}

/** Loudness contour from the onset, 32 points over 5.12 s. */
export function envelopeDescriptor(coarse: Float32Array): Float32Array {
  const { loudness } = contours(coarse);
  const floor = Math.max(...loudness) - Math.log(1000) / 5;
  const clipped = loudness.map((v) => Math.max(v, floor));
  return alignedContour(clipped, onsetFrame(loudness), 128, 32);
}

/** Brightness contour from the onset, 32 points over 5.12 s, weighted by loudness so silence does not count. */
export function brightnessDescriptor(coarse: Float32Array): Float32Array {
  const { loudness, brightness } = contours(coarse);
  const max = Math.max(...loudness);
  const weights = loudness.map((v) => Math.exp(5 * (v - max)));
  return alignedContour(brightness, onsetFrame(loudness), 128, 32, weights);
}

/** Coarse bands 0-19 (up to about 3.4 kHz): the range a voice can imitate, like the 2DFT's 55-2090 Hz CQT. */
const MOD_BANDS = 20;
const MOD_FRAMES = 256;
const KEEP_SPECTRAL = 5;
const KEEP_TEMPORAL = 24;

/**
 * |2-D FFT| of the coarse spectrogram's amplitude (exp of the log-mel) over the voice range,
 * keeping the low modulations: like the QVIM 2DFT baseline it does not move when the sound
 * starts later or sits a little higher, but it is 264 numbers, not 72,000. Rows are spectral
 * modulation -5..5, columns temporal modulation 0..23 (the other half mirrors it for a real
 * input). Measured on the proxy benchmark, linear amplitude over the voice range ranks about
 * twice as well as the log-mel over all bands.
 */
export function modulationDescriptor(coarse: Float32Array): Float32Array {
  const re = new Float64Array(MOD_BANDS * MOD_FRAMES);
  const im = new Float64Array(MOD_BANDS * MOD_FRAMES);
  for (let b = 0; b < MOD_BANDS; b++) {
    for (let f = 0; f < COARSE_FRAMES; f++) re[b * MOD_FRAMES + f] = Math.exp(2.5 * coarse[b * COARSE_FRAMES + f]);
  }
  const rowRe = new Float64Array(MOD_FRAMES);
  const rowIm = new Float64Array(MOD_FRAMES);
  for (let b = 0; b < MOD_BANDS; b++) {
    rowRe.set(re.subarray(b * MOD_FRAMES, (b + 1) * MOD_FRAMES));
    rowIm.fill(0);
    fft(rowRe, rowIm);
    re.set(rowRe, b * MOD_FRAMES);
    im.set(rowIm, b * MOD_FRAMES);
  }
  const colRe = new Float64Array(MOD_BANDS);
  const colIm = new Float64Array(MOD_BANDS);
  const out = new Float32Array((2 * KEEP_SPECTRAL + 1) * KEEP_TEMPORAL);
  for (let k = 0; k < KEEP_TEMPORAL; k++) {
    for (let b = 0; b < MOD_BANDS; b++) {
      colRe[b] = re[b * MOD_FRAMES + k];
      colIm[b] = im[b * MOD_FRAMES + k];
    }
    fft(colRe, colIm);
    for (let s = -KEEP_SPECTRAL; s <= KEEP_SPECTRAL; s++) {
      const b = (s + MOD_BANDS) % MOD_BANDS;
      out[(s + KEEP_SPECTRAL) * KEEP_TEMPORAL + k] = Math.hypot(colRe[b], colIm[b]);
    }
  }
  return out;
}
