import { describe, expect, it } from 'vitest';
import { silentTakeError, trimSilence } from '../../../src-main/engine/capture/trim.ts';
import { seededNoise as noise } from '../../support/audio-signals.ts';

const SR = 16000;


/** Room noise at about -70 dBFS with a 440 Hz tone at -12 dBFS between `from` and `to` seconds. */
function takeWithTone(totalSec: number, from: number, to: number): Float32Array {
  const x = noise(Math.round(totalSec * SR), 0.0005);
  for (let i = Math.round(from * SR); i < Math.round(to * SR); i++) x[i] += 0.25 * Math.sin((2 * Math.PI * 440 * i) / SR);
  return x;
}

describe('trimSilence', () => {
  it('keeps the sound plus the padding on both sides', () => {
    const x = takeWithTone(2, 0.6, 1.3);
    const t = trimSilence(x, SR, { padMs: 50 });
    expect(t.startSec).toBeCloseTo(0.55, 2);
    expect(t.endSec).toBeCloseTo(1.35, 2);
    expect(t.samples.length).toBe(Math.round((t.endSec - t.startSec) * SR));
    // The kept samples are the original ones, unshifted.
    const at = Math.round(t.startSec * SR);
    expect(Array.from(t.samples.subarray(1000, 1010))).toEqual(Array.from(x.subarray(at + 1000, at + 1010)));
  });

  it('never pads beyond the ends of the take', () => {
    const x = takeWithTone(1, 0, 1);
    const t = trimSilence(x, SR, { padMs: 200 });
    expect(t.startSec).toBe(0);
    expect(t.endSec).toBe(1);
    expect(t.samples.length).toBe(x.length);
  });

  it('returns an empty result for a silent take, with an error that says why', () => {
    const t = trimSilence(noise(SR, 0.0005), SR);
    expect(t.samples.length).toBe(0);
    const err = silentTakeError(-45);
    expect(err.kind).toBe('empty-file');
    expect(err.message).toMatch(/silent.*-45 dBFS/);
  });

  it('follows the threshold: a quiet voice passes at -60 dB and not at -30 dB', () => {
    const x = noise(SR, 0.0005);
    for (let i = 4000; i < 12000; i++) x[i] += 0.01 * Math.sin((2 * Math.PI * 300 * i) / SR); // ~ -43 dBFS RMS
    expect(trimSilence(x, SR, { thresholdDb: -30 }).samples.length).toBe(0);
    const t = trimSilence(x, SR, { thresholdDb: -60, padMs: 0 });
    expect(t.startSec).toBeCloseTo(0.25, 2);
    expect(t.endSec).toBeCloseTo(0.75, 2);
  });

  it('ignores clicks shorter than minSoundMs', () => {
    const x = takeWithTone(2, 1.0, 1.5);
    for (let i = 3200; i < 3280; i++) x[i] = 0.9; // a 5 ms click at 0.2 s
    expect(trimSilence(x, SR, { padMs: 0 }).startSec).toBeLessThan(0.25);
    const t = trimSilence(x, SR, { padMs: 0, minSoundMs: 30 });
    expect(t.startSec).toBeCloseTo(1.0, 2);
    expect(t.endSec).toBeCloseTo(1.5, 2);
  });
});
