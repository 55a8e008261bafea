import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMono32k, resample } from '../../../../src-main/engine/audio/decode.ts';
import { fft } from '../../../../src-main/engine/features/any-length-fft.ts';
import { analyseReference } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { formantFamily, type FormantStyle } from '../../../../src-main/engine/evaluation/imitators/formant.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { smallSfxLibrary } from '../../../support/sfx.ts';
import { correlation, gatedChirp } from './imitator-checks.ts';

const drawImitationStyle = (rand: () => number): FormantStyle => formantFamily.draw(rand);
const synthesiseImitation = formantFamily.synthesise;

const style: FormantStyle = { semitones: 2, stretch: 1, onsetSec: 0.2, whistle: true, formantScale: 1, vibratoHz: 5, vibratoCents: 10, swayDepth: 0, swayPeriodSec: 1, driftCents: 0, snrDb: 30, peakDb: -3 };

describe('the formant imitator', () => {
  const tracks = analyseReference(gatedChirp());

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
    const a = synthesiseImitation(tracks, style, splitmix32(3));
    const b = synthesiseImitation(tracks, style, splitmix32(3));
    const c = synthesiseImitation(tracks, style, splitmix32(4));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('keeps the loudness envelope and the pitch contour, moved by the onset and transposition', () => {
    const out = synthesiseImitation(tracks, style, splitmix32(3));
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
    const out = synthesiseImitation(tracks, { ...style, whistle: false }, splitmix32(5));
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
    const rand = splitmix32(11);
    for (let i = 0; i < 200; i++) {
      const s = drawImitationStyle(rand);
      expect(Math.abs(s.semitones)).toBeLessThanOrEqual(4);
      expect(s.stretch).toBeGreaterThanOrEqual(0.8);
      expect(s.stretch).toBeLessThanOrEqual(1.25);
      expect(s.swayDepth).toBeLessThan(0.2);
    }
  });

  it('renders exactly what the pre-family code (evaluation/imitation-synth.ts at 850cf68) rendered', async () => {
    // sha256 prefixes of the Float32 output, taken from the old module before it moved here; if
    // this fails, every published QVIM-proxy number has silently changed.
    const golden: [string, number, string][] = [
      ['chirp', 1, '81ef48205723b08e'],
      ['chirp', 2, '4658cb54ec109460'],
      ['chirp', 3, '02c8b621d0517aa4'],
      ['deepin/audio-volume-change.wav', 1, '4b410e06d3074e17'],
      ['deepin/audio-volume-change.wav', 2, 'ce8b3367c021bfc7'],
      ['kenney-interface/maximize_003.wav', 2, 'd60a696a479090d1'],
      ['kenney-interface/maximize_003.wav', 3, '3b27e26667d7f7bb'],
      ['oxygen/Oxygen-Window-Shade-Down.ogg', 1, '0b19aa229a1f7e7a'],
      ['oxygen/Oxygen-Window-Shade-Down.ogg', 2, '7d39295ab18ae0c5'],
    ];
    const library = await smallSfxLibrary();
    expect(readFileSync(join(library, 'manifest.csv'), 'utf8')).toContain('oxygen/Oxygen-Window-Shade-Down.ogg');
    const analysed = new Map<string, ReturnType<typeof analyseReference>>();
    for (const [name, seed, hash] of golden) {
      if (!analysed.has(name)) analysed.set(name, name === 'chirp' ? tracks : analyseReference((await loadMono32k(join(library, name), { maxSeconds: 10 })).samples));
      const rand = splitmix32(seed);
      const out = synthesiseImitation(analysed.get(name)!, drawImitationStyle(rand), rand);
      expect(createHash('sha256').update(Buffer.from(out.buffer)).digest('hex').slice(0, 16), `${name} seed ${seed}`).toBe(hash);
    }
  });
});
