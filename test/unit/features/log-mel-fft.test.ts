import { describe, expect, it } from 'vitest';
import { FFT_SIZE, SPECTRUM_BINS, fftScratch, powerSpectrum } from '../../../src-main/engine/features/log-mel-fft.ts';

/** |DFT|^2 straight from the definition, in float64. */
function directPower(x: Float64Array, nonZero: number): Float64Array {
  const out = new Float64Array(SPECTRUM_BINS);
  for (let k = 0; k < SPECTRUM_BINS; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < nonZero; n++) {
      const angle = (2 * Math.PI * ((k * n) % FFT_SIZE)) / FFT_SIZE;
      re += x[n] * Math.cos(angle);
      im -= x[n] * Math.sin(angle);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('powerSpectrum', () => {
  it.each([800, 1024, 2])('matches the direct DFT with %i non-zero samples', (nonZero) => {
    let state = nonZero;
    const frame = new Float64Array(FFT_SIZE);
    for (let n = 0; n < nonZero; n++) {
      state = (state * 48271) % 2147483647;
      frame[n] = state / 2147483647 - 0.5;
    }
    // Garbage past nonZero must be ignored, as the window's zero padding.
    frame.fill(7, nonZero);
    const power = new Float64Array(SPECTRUM_BINS);
    const scratch = fftScratch();
    powerSpectrum(frame, nonZero, power, scratch);
    const expected = directPower(frame, nonZero);
    const peak = Math.max(...expected);
    for (let k = 0; k < SPECTRUM_BINS; k++) expect(Math.abs(power[k] - expected[k])).toBeLessThan(1e-9 * peak);
    // Scratch reuse: a second call on the same buffers gives the same answer.
    const again = new Float64Array(SPECTRUM_BINS);
    powerSpectrum(frame, nonZero, again, scratch);
    expect(Array.from(again)).toEqual(Array.from(power));
  });

  it('puts a pure bin-centred tone in its bin only', () => {
    const frame = new Float64Array(FFT_SIZE);
    for (let n = 0; n < FFT_SIZE; n++) frame[n] = Math.cos((2 * Math.PI * 37 * n) / FFT_SIZE);
    const power = new Float64Array(SPECTRUM_BINS);
    powerSpectrum(frame, FFT_SIZE, power, fftScratch());
    expect(power[37]).toBeCloseTo((FFT_SIZE / 2) ** 2, 6);
    for (let k = 0; k < SPECTRUM_BINS; k++) if (k !== 37) expect(power[k]).toBeLessThan(1e-12);
  });
});
