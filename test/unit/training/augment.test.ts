import { describe, expect, it } from 'vitest';
import { augmentedCopies, pitchShift, timeStretch } from '../../../src-main/engine/training/augment.ts';

const SR = 32000;
const sine = (hz: number, seconds: number) => Float32Array.from({ length: seconds * SR }, (_, i) => Math.sin((2 * Math.PI * hz * i) / SR));

/** Frequency from zero crossings in the middle of the signal (edges have window ramps). */
function frequency(x: Float32Array): number {
  const from = Math.floor(x.length / 4);
  const to = Math.floor((3 * x.length) / 4);
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if (x[i - 1] < 0 && x[i] >= 0) crossings++;
  return (crossings * SR) / (to - from);
}

describe('waveform augmentation', () => {
  it('stretches time without moving the pitch', () => {
    const y = timeStretch(sine(440, 1), 1.25);
    expect(y.length).toBe(40000);
    expect(frequency(y)).toBeGreaterThan(430);
    expect(frequency(y)).toBeLessThan(450);
  });

  it('shifts pitch by semitones and keeps the duration', () => {
    const y = pitchShift(sine(440, 1), 12);
    expect(Math.abs(y.length - SR)).toBeLessThan(SR * 0.01);
    expect(frequency(y)).toBeGreaterThan(860);
    expect(frequency(y)).toBeLessThan(900);
  });

  it('gives the same copies for the same seed and different ones for another', () => {
    const x = sine(300, 2);
    const a = augmentedCopies(x, 2, 5);
    const b = augmentedCopies(x, 2, 5);
    const c = augmentedCopies(x, 2, 6);
    expect(Array.from(a[1])).toEqual(Array.from(b[1]));
    expect(a[0].length === c[0].length && a[0].every((v, i) => v === c[0][i])).toBe(false);
  });
});
