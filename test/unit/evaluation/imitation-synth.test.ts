import { describe, expect, it } from 'vitest';
import { resample } from '../../../src-main/engine/audio/decode.ts';
import { fft } from '../../../src-main/engine/features/any-length-fft.ts';
import { analyseReference, drawImitationStyle, synthesiseImitation, type ImitationStyle } from '../../../src-main/engine/evaluation/imitation-synth.ts';
import { seededRandom } from '../../../src-main/engine/evaluation/random.ts';

/** A rising whistle-like chirp (600 -> 1800 Hz) gated on and off four times a second. */
function reference(): Float32Array {
  const sr = 32000;
  const x = new Float32Array(sr * 1.5);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    phase += (600 * 3 ** (t / 1.5)) / sr;
    x[i] = ((t * 4) % 1 < 0.6 ? 0.6 : 0) * Math.sin(2 * Math.PI * phase);
  }
  return x;
}

const style: ImitationStyle = { semitones: 2, stretch: 1, onsetSec: 0.2, whistle: true, formantScale: 1, vibratoHz: 5, vibratoCents: 10, swayDepth: 0, swayPeriodSec: 1, driftCents: 0, snrDb: 30, peakDb: -3 };

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('synthetic vocal imitations', () => {
  const tracks = analyseReference(reference());

  it('tracks the reference: rising pitch, gated loudness, tonal', () => {
    const loud = Array.from(tracks.loudness);
    const on = loud.map((l) => l > 0.2);
    const pitches = Array.from(tracks.pitch).filter((_, i) => on[i] && i > 2);
    expect(pitches[0]).toBeGreaterThan(550);
    expect(pitches[0]).toBeLessThan(750);
    expect(pitches[pitches.length - 1]).toBeGreaterThan(1500);
    expect(Math.min(...Array.from(tracks.tonality).filter((_, i) => on[i] && on[i - 3] && on[i + 3]))).toBeGreaterThan(0.8);
  });

  it('is the same for the same seed and different for another', () => {
    const a = synthesiseImitation(tracks, style, seededRandom(3));
    const b = synthesiseImitation(tracks, style, seededRandom(3));
    const c = synthesiseImitation(tracks, style, seededRandom(4));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('keeps the loudness envelope and the pitch contour, moved by the onset and transposition', () => {
    const out = synthesiseImitation(tracks, style, seededRandom(3));
    const back = analyseReference(resample(out, 16000, 32000));
    const shift = Math.round(style.onsetSec / tracks.hopSec);
    const refLoud: number[] = [];
    const impLoud: number[] = [];
    const refPitch: number[] = [];
    const impPitch: number[] = [];
    for (let i = 3; i < tracks.loudness.length - 3; i++) {
      refLoud.push(tracks.loudness[i]);
      impLoud.push(back.loudness[i + shift]);
      if (tracks.loudness[i] > 0.2 && back.loudness[i + shift] > 0.05) {
        refPitch.push(Math.log2(tracks.pitch[i]));
        impPitch.push(Math.log2(back.pitch[i + shift]));
      }
    }
    expect(correlation(refLoud, impLoud)).toBeGreaterThan(0.8);
    expect(correlation(refPitch, impPitch)).toBeGreaterThan(0.95);
    const meanShift = impPitch.reduce((s, x, i) => s + x - refPitch[i], 0) / impPitch.length;
    expect(meanShift * 12).toBeCloseTo(style.semitones, 0);
  });

  it('sounds like a phone in a room: band-limited to 100 Hz-7 kHz, never silent, at the chosen peak', () => {
    const out = synthesiseImitation(tracks, { ...style, whistle: false }, seededRandom(5));
    const n = 16384;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    re.set(out.subarray(0, n));
    fft(re, im);
    let total = 0;
    let outside = 0;
    for (let k = 1; k < n / 2; k++) {
      const p = re[k] ** 2 + im[k] ** 2;
      const hz = (k * 16000) / n;
      total += p;
      if (hz < 60 || hz > 7600) outside += p;
    }
    expect(outside / total).toBeLessThan(0.02);
    const peak = out.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(20 * Math.log10(peak)).toBeCloseTo(style.peakDb, 5);
    // Room noise fills the onset gap.
    expect(out.subarray(100, 2000).some((x) => x !== 0)).toBe(true);
  });

  it('draws styles inside the documented ranges', () => {
    const rand = seededRandom(11);
    for (let i = 0; i < 200; i++) {
      const s = drawImitationStyle(rand);
      expect(Math.abs(s.semitones)).toBeLessThanOrEqual(4);
      expect(s.stretch).toBeGreaterThanOrEqual(0.8);
      expect(s.stretch).toBeLessThanOrEqual(1.25);
      expect(s.swayDepth).toBeLessThan(0.2);
    }
  });
});
