import { describe, expect, it } from 'vitest';
import { resample } from '../../../src-main/engine/audio/resample.ts';
import { db, fitSine, sine } from '../../support/audio-signals.ts';

// 22254 and 8012 reduce to thousands of phases (rows interpolated from a finer table);
// 44101 -> 32000 is too big for a table at all and takes the blended-phase path.
const PAIRS: Array<[number, number]> = [
  [44100, 32000], [48000, 32000], [96000, 32000], [22050, 32000], [11025, 32000],
  [22254, 32000], [8012, 32000], [32075, 32000], [44101, 32000], [48000, 16000], [32000, 48000],
];

/** Skip the ends, where the filter sees the zero padding. */
const EDGE = 400;

describe.each(PAIRS)('resample %i -> %i Hz', (from, to) => {
  const nyquist = Math.min(from, to) / 2;
  const passEdge = 0.875 * nyquist;

  it('keeps the pass band flat within 0.1 dB, in phase (no delay), with images and aliases >= 80 dB down', () => {
    const freqs = [50, 1000, 5000, 10000, 12000, 14000].filter((f) => f <= passEdge);
    freqs.push(passEdge);
    for (const f of freqs) {
      const y = resample(sine(f, from, from), from, to);
      const fit = fitSine(y, f, to, EDGE, y.length - EDGE);
      expect(Math.abs(db(fit.amplitude)), `${f} Hz gain`).toBeLessThan(0.1);
      // Output sample n sits at time n / to: a sine starting at phase 0 stays at phase 0.
      expect(Math.abs(fit.phase), `${f} Hz phase`).toBeLessThan(1e-3);
      expect(db(fit.residualRms * Math.SQRT2), `${f} Hz residual`).toBeLessThan(-80);
    }
  });

  it('gives ceil(N * to / from) samples for any length', () => {
    for (const n of [1, 2, 7, 1000, from + 3]) expect(resample(new Float32Array(n), from, to).length).toBe(Math.ceil((n * to) / from));
  });
});

// Only a rate reduction can alias; upsampling's images are covered by the residual check above.
describe.each(PAIRS.filter(([from, to]) => from > to))('resample %i -> %i Hz', (from, to) => {
  it('rejects everything above the output Nyquist frequency by >= 80 dB (no aliasing)', () => {
    const freqs = [(from + to) / 4, 17000, 18000, 20000, 21000, 23000, 30000, 40000].filter((f) => f > to / 2 && f < from / 2);
    expect(freqs.length).toBeGreaterThan(0);
    for (const f of freqs) {
      const y = resample(sine(f, from, from), from, to);
      let peak = 0;
      for (let i = EDGE; i < y.length - EDGE; i++) peak = Math.max(peak, Math.abs(y[i]));
      expect(db(peak), `${f} Hz alias`).toBeLessThan(-80);
    }
  });
});

describe('resample', () => {
  it('places an impulse at the same instant in the output', () => {
    const x = new Float32Array(4800);
    x[3000] = 1; // 62.5 ms = output sample 2000 at 32 kHz
    const y = resample(x, 48000, 32000);
    let argmax = 0;
    for (let i = 0; i < y.length; i++) if (y[i] > y[argmax]) argmax = i;
    expect(argmax).toBe(2000);
    // A linear-phase kernel is symmetric about the output instant.
    for (let k = 1; k < 40; k++) expect(y[2000 + k]).toBeCloseTo(y[2000 - k], 6);
  });

  it('passes DC at unity gain', () => {
    const y = resample(new Float32Array(22050).fill(0.5), 22050, 32000);
    let worst = 0;
    for (let i = EDGE; i < y.length - EDGE; i++) worst = Math.max(worst, Math.abs(y[i] - 0.5));
    expect(worst).toBeLessThan(1e-5);
  });

  it('returns a copy at equal rates and nothing for nothing', () => {
    const x = sine(440, 32000, 100);
    const y = resample(x, 32000, 32000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(resample(new Float32Array(0), 48000, 32000).length).toBe(0);
  });

  it('refuses rates that are not positive integers', () => {
    expect(() => resample(new Float32Array(10), 0, 32000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(10), 44100.5, 32000)).toThrow(RangeError);
  });
});
