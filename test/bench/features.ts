import { pathToFileURL } from 'node:url';
import { MEL_BINS, SAMPLE_RATE, logMel } from '../../src-main/engine/features/log-mel.ts';
import { maxAbsDiff, seededNoise } from '../support/audio-signals.ts';
import type { BenchRow } from './row.ts';

/**
 * Front-end speed: the optimised log-mel against two straightforward implementations of the
 * same maths, measured in the same run on the same clip. The cost does not depend on the
 * sound's content, so a fixed 10 s noise clip stands in for the library (`_lib` is unused).
 */
export async function run(_lib: string): Promise<BenchRow[]> {
  const clip = seededNoise(10 * SAMPLE_RATE, 0.5, 12345);
  const fast = medianMs(() => logMel(clip), 2, 40);
  const plainResult = plainLogMel(clip);
  const plain = medianMs(() => plainLogMel(clip), 0, 5);
  const directFrames = 20;
  const direct = (medianMs(() => directDftLogMel(clip, directFrames), 1, 3) * plainResult.frames) / directFrames;
  const agreement = maxAbsDiff(logMel(clip).data, plainResult.data);

  return [
    {
      metric: 'features: log-mel per 10 s clip',
      value: fast,
      unit: 'ms',
      baseline: { name: 'plain radix-2 complex FFT + dense mel matrix', value: plain },
      note: `${(plain / fast).toFixed(1)}x faster; outputs agree within ${agreement.toExponential(1)}`,
    },
    {
      metric: 'features: log-mel per 10 s clip vs direct DFT',
      value: fast,
      unit: 'ms',
      baseline: { name: `direct O(n^2) DFT + dense mel (${directFrames} frames, extrapolated)`, value: direct },
      note: `${(direct / fast).toFixed(0)}x faster`,
    },
    { metric: 'features: log-mel clips per second (one core)', value: 1000 / fast, unit: 'clips/s' },
  ];
}

function medianMs(work: () => unknown, warmUps: number, runs: number): number {
  for (let i = 0; i < warmUps; i++) work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

// The straightforward versions below follow the same steps as log-mel.ts without its
// optimisations: zero-padded 1024-point frames, a full mel matrix, arrays allocated per frame.

function denseMelMatrix(): number[][] {
  const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);
  const low = mel(0);
  const delta = (mel(15000) - low) / (MEL_BINS + 1);
  const matrix: number[][] = [];
  for (let m = 0; m < MEL_BINS; m++) {
    const row = new Array<number>(513).fill(0);
    for (let k = 0; k < 512; k++) {
      const f = mel((k * SAMPLE_RATE) / 1024);
      const up = (f - (low + m * delta)) / delta;
      const down = (low + (m + 2) * delta - f) / delta;
      row[k] = Math.max(0, Math.min(up, down));
    }
    matrix.push(row);
  }
  return matrix;
}

function framesOf(samples: Float32Array): { frames: number; frame: (t: number) => number[] } {
  const y = new Array<number>(samples.length - 1);
  for (let n = 0; n < y.length; n++) y[n] = samples[n + 1] - 0.97 * samples[n];
  const padded = [...y.slice(1, 513).reverse(), ...y, ...y.slice(y.length - 513, y.length - 1).reverse()];
  const window = new Array<number>(1024).fill(0);
  for (let n = 0; n < 800; n++) window[112 + n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / 799);
  const frames = 1 + Math.floor(y.length / 320);
  return { frames, frame: (t) => window.map((w, j) => w * padded[t * 320 + j]) };
}

function toLogMel(powers: number[][], frames: number): Float32Array {
  const matrix = denseMelMatrix();
  const data = new Float32Array(MEL_BINS * frames);
  powers.forEach((power, t) => {
    for (let m = 0; m < MEL_BINS; m++) {
      let sum = 0;
      for (let k = 0; k < 513; k++) sum += matrix[m][k] * power[k];
      data[m * frames + t] = (Math.log(sum + 1e-5) + 4.5) / 5;
    }
  });
  return data;
}

/** Iterative radix-2 complex FFT over the full 1024 points, the usual first implementation. */
function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const c = Math.cos((-2 * Math.PI * k) / size);
        const s = Math.sin((-2 * Math.PI * k) / size);
        const a = start + k;
        const b = a + size / 2;
        const tr = c * re[b] - s * im[b];
        const ti = c * im[b] + s * re[b];
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

function plainLogMel(samples: Float32Array): { data: Float32Array; frames: number } {
  const { frames, frame } = framesOf(samples);
  const powers: number[][] = [];
  for (let t = 0; t < frames; t++) {
    const re = Float64Array.from(frame(t));
    const im = new Float64Array(1024);
    fftInPlace(re, im);
    powers.push(Array.from(re.subarray(0, 513), (r, k) => r * r + im[k] * im[k]));
  }
  return { data: toLogMel(powers, frames), frames };
}

function directDftLogMel(samples: Float32Array, maxFrames: number): Float32Array {
  const { frames, frame } = framesOf(samples);
  const powers: number[][] = [];
  for (let t = 0; t < Math.min(frames, maxFrames); t++) {
    const x = frame(t);
    const power = new Array<number>(513);
    for (let k = 0; k < 513; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < 1024; n++) {
        re += x[n] * Math.cos((2 * Math.PI * k * n) / 1024);
        im -= x[n] * Math.sin((2 * Math.PI * k * n) / 1024);
      }
      power[k] = re * re + im * im;
    }
    powers.push(power);
  }
  return toLogMel(powers, frames);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await run('')) console.log(JSON.stringify(row));
}
