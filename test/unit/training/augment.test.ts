import { describe, expect, it } from 'vitest';
import { augmentedCopies, DEFAULT_AUGMENT, pitchShift, timeStretch } from '../../../src-main/engine/training/augment.ts';

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

  it('spans what separates imitators: tempo 0.67-1.5 and partial takes change the length, band limits cut the top', () => {
    expect(DEFAULT_AUGMENT.semitones).toBe(6);
    expect(DEFAULT_AUGMENT.stretch).toEqual([0.67, 1.5]);
    const x = Float32Array.from({ length: 2 * SR }, (_, i) => Math.sin((2 * Math.PI * 300 * i) / SR) + 0.5 * Math.sin((2 * Math.PI * 14000 * i) / SR));
    const copies = augmentedCopies(x, 12, 9);
    const lengths = copies.map((c) => c.length / x.length);
    const shift = DEFAULT_AUGMENT.shiftSec / 2;
    for (const r of lengths) {
      expect(r).toBeGreaterThan(0.5 * 0.67 * 0.85 - shift);
      expect(r).toBeLessThan(1.5 * 1.15 + shift);
    }
    expect(Math.min(...lengths)).toBeLessThan(0.8);
    expect(Math.max(...lengths)).toBeGreaterThan(1.2);
    // A 4 kHz low-pass corner: 14 kHz must lose most of its energy against 300 Hz.
    const energyAt = (y: Float32Array, hz: number) => {
      let re = 0;
      let im = 0;
      for (let i = 0; i < y.length; i++) {
        re += y[i] * Math.cos((2 * Math.PI * hz * i) / SR);
        im += y[i] * Math.sin((2 * Math.PI * hz * i) / SR);
      }
      return re * re + im * im;
    };
    for (const c of copies.slice(0, 4)) expect(c.every(Number.isFinite)).toBe(true);
    const clean = energyAt(x, 14000) / energyAt(x, 300);
    const y = augmentedCopies(Float32Array.from({ length: 2 * SR }, (_, i) => Math.sin((2 * Math.PI * 300 * i) / SR) + 0.5 * Math.sin((2 * Math.PI * 14000 * i) / SR)), 1, 3, { ...DEFAULT_AUGMENT, semitones: 0, stretch: [1, 1], frameCorruption: 0, partial: 0, room: 0, shiftSec: 0, lowPassHz: [4000, 4000] })[0];
    expect(energyAt(y, 14000) / energyAt(y, 300)).toBeLessThan(clean / 4);
  });
});
