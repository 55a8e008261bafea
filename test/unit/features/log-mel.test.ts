import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { HOP, MEL_BINS, SAMPLE_RATE, baselineClip, logMel } from '../../../src-main/engine/features/log-mel.ts';
import { windowsOf } from '../../../src-main/engine/features/windows.ts';
import { readFixtureWav } from './fixture-audio.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/features');

interface ReferenceCase {
  name: string;
  input: string | null;
  view: string;
  fmin: number;
  fmax: number;
  samples: number;
  frames: number;
  frameRanges: Array<[number, number]>;
  reference: string;
}

interface Manifest {
  sampleRate: number;
  mels: number;
  cases: ReferenceCase[];
  frameCounts: Array<[number, number]>;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Manifest;

/** What the torch reference was fed, rebuilt here through the code under test. */
function frontEndInput(c: ReferenceCase): Float32Array {
  const sound = c.input ? readFixtureWav(join(FIXTURES, c.input)) : new Float32Array(10 * SAMPLE_RATE);
  if (c.view === 'raw') return sound;
  if (c.view === 'baseline') return baselineClip(sound);
  const index = Number(c.view.slice('window'.length));
  return windowsOf(sound)[index].samples;
}

function readReference(c: ReferenceCase): Float32Array {
  const bytes = readFileSync(join(FIXTURES, c.reference));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('logMel matches the torch AugmentMelSTFT reference (eval mode)', () => {
  it('pins the constants of the baseline', () => {
    expect([MEL_BINS, SAMPLE_RATE, HOP]).toEqual([manifest.mels, manifest.sampleRate, 320]);
  });

  it.each(manifest.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input = frontEndInput(c);
    expect(input.length).toBe(c.samples);
    const mel = logMel(input, { fmin: c.fmin, fmax: c.fmax });
    expect(mel.mels).toBe(MEL_BINS);
    expect(mel.frames).toBe(c.frames);
    expect(mel.data.length).toBe(MEL_BINS * c.frames);

    const reference = readReference(c);
    const stored = c.frameRanges.reduce((n, [a, b]) => n + b - a, 0);
    expect(reference.length).toBe(MEL_BINS * stored);
    let worst = 0;
    let where = '';
    for (let m = 0; m < MEL_BINS; m++) {
      let column = 0;
      for (const [a, b] of c.frameRanges) {
        for (let t = a; t < b; t++, column++) {
          const diff = Math.abs(mel.data[m * mel.frames + t] - reference[m * stored + column]);
          if (!(diff <= worst)) {
            worst = diff;
            where = `mel ${m} frame ${t}`;
          }
        }
      }
    }
    expect(worst, `worst at ${where}`).toBeLessThanOrEqual(1e-3);
  });

  it('gives torch.stft centre=True frame counts: 1 + floor((length - 1) / 320)', () => {
    for (const [length, frames] of manifest.frameCounts) {
      expect(logMel(new Float32Array(length)).frames, `length ${length}`).toBe(frames);
    }
    expect(logMel(new Float32Array(320000)).frames).toBe(1000);
  });

  it('is mel-major: a tone lights one band across all frames', () => {
    const tone = new Float32Array(SAMPLE_RATE);
    for (let n = 0; n < tone.length; n++) tone[n] = Math.sin((2 * Math.PI * 1000 * n) / SAMPLE_RATE);
    const { data, frames } = logMel(tone);
    const energyOf = (m: number) => data.subarray(m * frames, (m + 1) * frames).reduce((s, v) => s + v, 0) / frames;
    let loudest = 0;
    for (let m = 1; m < MEL_BINS; m++) if (energyOf(m) > energyOf(loudest)) loudest = m;
    // 1 kHz sits near mel 1127 ln(1 + 1000/700) ~ 1000, i.e. band ~ 1000 / (mel(15 kHz) / 129) - 1.
    const expected = Math.round((1127 * Math.log(1 + 1000 / 700)) / ((1127 * Math.log(1 + 15000 / 700)) / 129) - 1);
    expect(Math.abs(loudest - expected)).toBeLessThanOrEqual(1);
  });

  it('handles sounds shorter than the reflect padding and rejects unusable input', () => {
    expect(logMel(new Float32Array([0.5, -0.5, 0.25])).frames).toBe(1);
    expect(() => logMel(new Float32Array(1))).toThrow(EngineError);
    expect(() => logMel(new Float32Array(1000), { fmin: 100, fmax: 50 })).toThrow(EngineError);
    expect(() => logMel(new Float32Array(1000), { fmax: 20000 })).toThrow(EngineError);
  });
});

describe('baselineClip', () => {
  it('zero-pads short sounds at the end to 10 s', () => {
    const clip = baselineClip(new Float32Array([1, 2, 3]));
    expect(clip.length).toBe(320000);
    expect(Array.from(clip.subarray(0, 4))).toEqual([1, 2, 3, 0]);
    expect(clip.subarray(3).every((v) => v === 0)).toBe(true);
  });

  it('keeps only the first 10 s of long sounds', () => {
    const sound = Float32Array.from({ length: 400000 }, (_, i) => i);
    const clip = baselineClip(sound);
    expect(clip.length).toBe(320000);
    expect(clip[319999]).toBe(319999);
  });
});

/** Element-wise equality without building 320,000-element arrays for the matcher. */
function sameSamples(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('windowsOf', () => {
  const ramp = (length: number) => Float32Array.from({ length }, (_, i) => (i % 1000) + 1);
  const expectedCount = (length: number, window = 320000, hop = 160000) => 1 + Math.ceil(Math.max(0, length - window) / hop);

  it('gives one baseline window for sounds up to 10 s, including an empty one', () => {
    for (const length of [0, 1, 118400, 320000]) {
      const sound = ramp(length);
      const windows = windowsOf(sound);
      expect(windows.length).toBe(1);
      expect(windows[0].offsetSec).toBe(0);
      expect(sameSamples(windows[0].samples, baselineClip(sound))).toBe(true);
    }
  });

  it('covers a long sound every 5 s with the count 1 + ceil((L - window) / hop)', () => {
    for (const length of [320001, 384000, 480000, 480001, 32000 * 61 + 17]) {
      const sound = ramp(length);
      const windows = windowsOf(sound);
      expect(windows.length).toBe(expectedCount(length));
      expect(sameSamples(windows[0].samples, baselineClip(sound))).toBe(true);
      windows.forEach((w, i) => {
        expect(w.offsetSec).toBe(i * 5);
        expect(w.samples.length).toBe(320000);
        const start = i * 160000;
        // Starts inside the sound, never in pure padding.
        expect(start).toBeLessThan(length);
        expect(w.samples[0]).toBe(sound[start]);
        const inside = Math.min(320000, length - start);
        expect(w.samples[inside - 1]).toBe(sound[start + inside - 1]);
        expect(w.samples.subarray(inside).every((v) => v === 0)).toBe(true);
      });
      // The last window reaches the end of the sound.
      const last = windows[windows.length - 1];
      expect(last.offsetSec * SAMPLE_RATE + 320000).toBeGreaterThanOrEqual(length);
    }
  });

  it('follows a custom window and hop', () => {
    const sound = ramp(32000 * 7);
    const windows = windowsOf(sound, { windowSec: 2, hopSec: 1.5 });
    expect(windows.length).toBe(expectedCount(sound.length, 64000, 48000));
    expect(windows.map((w) => w.offsetSec)).toEqual([0, 1.5, 3, 4.5, 6]);
    expect(windows.every((w) => w.samples.length === 64000)).toBe(true);
  });

  it('rejects a hop longer than the window or not positive', () => {
    expect(() => windowsOf(ramp(10), { windowSec: 1, hopSec: 2 })).toThrow(EngineError);
    expect(() => windowsOf(ramp(10), { hopSec: 0 })).toThrow(EngineError);
  });
});
