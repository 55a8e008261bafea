import { describe, expect, it } from 'vitest';
import { LEVELS_PER_SECOND, TakeBuffer, WAVEFORM_PAIRS_PER_LEVEL, type TakeLevel } from '../../../src-main/engine/capture/take-buffer.ts';

/** Feeds interleaved stereo in uneven chunk sizes, as a driver would. */
function record(left: Float32Array, right: Float32Array, opts: { sampleRate: number; maxFrames: number; channel: number }) {
  const levels: TakeLevel[] = [];
  const buf = new TakeBuffer({ ...opts, channelCount: 2, onLevel: (l) => levels.push(l) });
  const sizes = [1, 7, 480, 1023, 256, 3];
  let at = 0;
  for (let k = 0; at < left.length; k++) {
    const n = Math.min(sizes[k % sizes.length], left.length - at);
    const chunk = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      chunk[2 * i] = left[at + i];
      chunk[2 * i + 1] = right[at + i];
    }
    buf.push(chunk);
    at += n;
  }
  buf.flush();
  return { buf, levels };
}

describe('TakeBuffer', () => {
  const sr = 48000;
  const n = sr * 2;
  const left = new Float32Array(n).map((_, i) => 0.1 * Math.sin(i / 10));
  // Right: silent for 1 s, then a 0.5-amplitude tone.
  const right = new Float32Array(n).map((_, i) => (i < sr ? 0 : 0.5 * Math.sin((2 * Math.PI * 1000 * i) / sr)));

  it('keeps only the chosen channel, sample for sample', () => {
    const { buf } = record(left, right, { sampleRate: sr, maxFrames: n, channel: 1 });
    expect(Buffer.from(buf.samples().buffer).equals(Buffer.from(right.buffer))).toBe(true);
  });

  it('reports levels 30 times per second of audio with min/max pairs of the new audio', () => {
    const { buf, levels } = record(left, right, { sampleRate: sr, maxFrames: n, channel: 1 });
    expect(levels.length).toBe(2 * LEVELS_PER_SECOND);
    const block = buf.binFrames * WAVEFORM_PAIRS_PER_LEVEL;
    levels.forEach((l, k) => {
      expect(l.elapsedSec).toBeCloseTo(((k + 1) * block) / sr, 9);
      expect(l.waveform.length).toBe(2 * WAVEFORM_PAIRS_PER_LEVEL);
      const slice = right.subarray(k * block, (k + 1) * block);
      expect(l.peak).toBe(Math.max(...slice.map(Math.abs)));
      for (let p = 0; p < WAVEFORM_PAIRS_PER_LEVEL; p++) {
        const bin = slice.subarray(p * buf.binFrames, (p + 1) * buf.binFrames);
        expect(l.waveform[2 * p]).toBe(Math.min(...bin));
        expect(l.waveform[2 * p + 1]).toBe(Math.max(...bin));
      }
    });
    const before = levels.filter((l) => l.elapsedSec <= 1);
    const after = levels.filter((l) => l.elapsedSec > 1.04);
    expect(Math.max(...before.map((l) => l.peak))).toBe(0);
    expect(before[0].peakDb).toBe(-120);
    for (const l of after) {
      expect(l.peak).toBeGreaterThan(0.49);
      expect(l.rms).toBeCloseTo(0.5 / Math.SQRT2, 2);
      expect(l.rmsDb).toBeCloseTo(20 * Math.log10(0.5 / Math.SQRT2), 1);
    }
  });

  it('stops at its maximum length and reports the last partial level', () => {
    const maxFrames = Math.round(sr * 0.25) + 17;
    const { buf, levels } = record(left, right, { sampleRate: sr, maxFrames, channel: 0 });
    expect(buf.full).toBe(true);
    expect(Buffer.from(buf.samples().buffer).equals(Buffer.from(left.buffer, 0, maxFrames * 4))).toBe(true);
    expect(levels.at(-1)!.elapsedSec).toBe(maxFrames / sr);
    expect(levels.length).toBe(Math.ceil(maxFrames / (buf.binFrames * WAVEFORM_PAIRS_PER_LEVEL)));
  });
});
