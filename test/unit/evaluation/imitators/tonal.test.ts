import { describe, expect, it } from 'vitest';
import { resample } from '../../../../src-main/engine/audio/decode.ts';
import { analyseReference, IMITATION_SAMPLE_RATE, peakLoudness } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { tonalFamily, type TonalStyle } from '../../../../src-main/engine/evaluation/imitators/tonal.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { correlation, gatedChirp, REFERENCE_RATE } from './imitator-checks.ts';

/** A steady tone gliding from 300 to 900 Hz over two seconds. */
function glide(): Float32Array {
  const x = new Float32Array(2 * REFERENCE_RATE);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    phase += (300 * 3 ** (i / x.length)) / REFERENCE_RATE;
    x[i] = 0.5 * Math.sin(2 * Math.PI * phase);
  }
  return x;
}

/** The first performance drawn from seeds seed*100, seed*100+1, ... that whistles (or hums), with fixed timing. */
function performance(seed: number, hum: boolean): { style: TonalStyle; rand: () => number } {
  for (let s = seed * 100; ; s++) {
    const rand = splitmix32(s);
    const style = tonalFamily.draw(rand);
    if (style.hum === hum) return { style: { ...style, onsetSec: 0.2, stretch: 1, vibratoCents: 5 }, rand };
  }
}

function take(reference: Float32Array, seed: number, hum: boolean): { style: TonalStyle; audio: Float32Array; heard: ReturnType<typeof analyseReference>; tracks: ReturnType<typeof analyseReference> } {
  const tracks = analyseReference(reference);
  const { style, rand } = performance(seed, hum);
  const audio = tonalFamily.synthesise(tracks, style, rand);
  return { style, tracks, audio, heard: analyseReference(resample(audio, IMITATION_SAMPLE_RATE, REFERENCE_RATE)) };
}

/** Fundamental of a periodic stretch by autocorrelation: the shortest lag (70-400 Hz) that scores within 10 % of the best, so a multiple of the period never wins. */
function autocorrelationF0(x: Float32Array, from: number, length: number): number {
  const scores: [number, number][] = [];
  for (let lag = Math.floor(IMITATION_SAMPLE_RATE / 400); lag <= Math.ceil(IMITATION_SAMPLE_RATE / 70); lag++) {
    let r = 0;
    let e = 0;
    for (let i = from; i < from + length; i++) {
      r += x[i] * x[i + lag];
      e += x[i + lag] * x[i + lag];
    }
    scores.push([lag, r / Math.sqrt(e || 1)]);
  }
  const best = Math.max(...scores.map(([, s]) => s));
  const isPeak = (k: number): boolean => k > 0 && k < scores.length - 1 && scores[k][1] >= scores[k - 1][1] && scores[k][1] >= scores[k + 1][1];
  const k = scores.findIndex(([, s], i) => isPeak(i) && s >= 0.9 * best);
  return IMITATION_SAMPLE_RATE / scores[Math.max(0, k)][0];
}

describe('the tonal imitator', () => {
  it('whistles the rising chirp: its pitch contour follows the reference’s, in whistle range', () => {
    for (const seed of [1, 2, 3]) {
      const { tracks, heard, style } = take(gatedChirp(), seed, false);
      const ref: number[] = [];
      const imitation: number[] = [];
      const peak = peakLoudness(tracks);
      for (let i = 3; i < tracks.loudness.length - 3; i++) {
        const j = i + 20;
        if (tracks.loudness[i] > 0.5 * peak && heard.loudness[j] > 0.3 * peakLoudness(heard)) {
          ref.push(Math.log2(tracks.pitch[i]));
          imitation.push(Math.log2(heard.pitch[j]));
        }
      }
      expect(ref.length, `seed ${seed}`).toBeGreaterThan(40);
      expect(correlation(ref, imitation), `seed ${seed}`).toBeGreaterThan(0.9);
      const median = imitation.sort((a, b) => a - b)[imitation.length >> 1];
      expect(2 ** median, `seed ${seed}`).toBeGreaterThan(500);
      expect(Math.abs(median - Math.log2(style.registerHz)), `seed ${seed}`).toBeLessThan(0.5);
    }
  });

  it('hums low with the gesture squeezed: rising, but by less than the reference rises', () => {
    for (const seed of [1, 2, 3]) {
      const { audio, style } = take(glide(), seed, true);
      const f0: number[] = [];
      // 40 ms frames across the reference's two seconds, after the 0.2 s pause.
      for (let t = 0.3; t < 2.1; t += 0.04) f0.push(autocorrelationF0(audio, Math.round(t * IMITATION_SAMPLE_RATE), 640));
      const third = Math.floor(f0.length / 3);
      const mean = (xs: number[]): number => xs.reduce((s, x) => s + Math.log2(x), 0) / xs.length;
      const rise = mean(f0.slice(-third)) - mean(f0.slice(0, third));
      // The reference rises by about log2(3) * 2/3 = 1.06 octaves between its first and last thirds; the hum keeps 30-60 % of that.
      const referenceRise = Math.log2(3) * (2 / 3) * ((2.1 - 0.3) / 2);
      expect(rise, `seed ${seed}`).toBeGreaterThan(0.2 * referenceRise);
      expect(rise, `seed ${seed}`).toBeLessThan(0.75 * referenceRise);
      expect(Math.abs(rise - style.contourKeep * referenceRise), `seed ${seed}`).toBeLessThan(0.15);
      expect(2 ** mean(f0), `seed ${seed}`).toBeLessThan(300);
    }
  });
});
