import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fft, ifft } from '../../../src-main/engine/features/any-length-fft.ts';
import { constantQMagnitude, twoDftFeature } from '../../../src-main/engine/evaluation/two-dft.ts';

const dir = new URL('../../fixtures/evaluation/', import.meta.url);
const f32 = (name: string): Float32Array => {
  const b = readFileSync(new URL(name, dir));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const info = JSON.parse(readFileSync(new URL('twodft.json', dir), 'utf8')) as {
  signalLength: number;
  signals: number;
  bins: number;
  frames: number;
  frequencies: number[];
  featureSum: number[];
  featureNorm: number[];
  cosine: number[][];
};
const signals = f32('twodft-signals.f32');
const signal = (i: number): Float32Array => signals.subarray(i * info.signalLength, (i + 1) * info.signalLength);

function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let peak = 0;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    peak = Math.max(peak, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / peak;
}

describe('FFT of any length', () => {
  for (const n of [1, 2, 8, 63, 1142, 40000]) {
    it(`matches a direct DFT at n = ${n}`, () => {
      const re = new Float64Array(n).map((_, i) => Math.sin(i * 0.37) + (i % 7) / 7 + 0.25);
      const im = new Float64Array(n).map((_, i) => Math.cos(i * 0.11) * 0.5);
      const xr = Float64Array.from(re);
      const xi = Float64Array.from(im);
      fft(xr, xi);
      for (const k of new Set([0, Math.min(1, n - 1), Math.floor(n / 3), n - 1])) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < n; t++) {
          const a = (-2 * Math.PI * ((k * t) % n)) / n;
          sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
          si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
        }
        expect(Math.abs(xr[k] - sr)).toBeLessThan(1e-9 * n);
        expect(Math.abs(xi[k] - si)).toBeLessThan(1e-9 * n);
      }
      ifft(xr, xi);
      expect(maxRelError(xr, re)).toBeLessThan(1e-12);
    });
  }
});

describe('2DFT baseline feature against the Python reference of the challenge code', () => {
  it('the constant-Q magnitude matches bin for bin', () => {
    const { bins, frames, magnitude } = constantQMagnitude(signal(0));
    expect([bins, frames]).toEqual([info.bins, info.frames]);
    expect(maxRelError(magnitude, f32('twodft-cqt0.f32'))).toBeLessThan(1e-5);
  });

  it('the 2DFT feature matches value for value', () => {
    const feature = twoDftFeature(signal(0));
    expect(feature.length).toBe(info.bins * info.frames);
    expect(maxRelError(feature, f32('twodft-feature0.f32'))).toBeLessThan(1e-5);
  });

  it('features of all test signals have the reference sums, norms and cosines', () => {
    const feats = [0, 1, 2].map((i) => twoDftFeature(signal(i)));
    const norm = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    feats.forEach((f, i) => {
      expect(f.reduce((s, x) => s + x, 0) / info.featureSum[i]).toBeCloseTo(1, 9);
      expect(norm(f) / info.featureNorm[i]).toBeCloseTo(1, 9);
    });
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const dot = feats[a].reduce((s, x, i) => s + x * feats[b][i], 0);
        expect(dot / (norm(feats[a]) * norm(feats[b]))).toBeCloseTo(info.cosine[a][b], 9);
      }
    }
  });
});
