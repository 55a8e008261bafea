import { describe, expect, it } from 'vitest';
import { AUDIO_EXTENSIONS, downmix } from '../../../src-main/engine/audio/decode.ts';
import { waveformPeaks } from '../../../src-main/engine/audio/peaks.ts';

describe('downmix', () => {
  it('averages the channels and copies a mono signal', () => {
    const mono = new Float32Array([0.5, -0.25]);
    const out = downmix([mono]);
    expect(out).toEqual(mono);
    expect(out).not.toBe(mono);
    expect(Array.from(downmix([new Float32Array([1, 0.5, 0]), new Float32Array([0, -0.5, 0.25]), new Float32Array([0.5, 0, 0.5])]))).toEqual([0.5, 0, 0.25]);
    expect(downmix([]).length).toBe(0);
  });
});

describe('waveformPeaks', () => {
  it('gives the largest magnitude in each bucket', () => {
    const x = new Float32Array(1000);
    x[5] = -0.9;
    x[510] = 0.4;
    x[999] = 0.1;
    const p = waveformPeaks(x, 4);
    expect(Array.from(p).map((v) => Math.round(v * 100) / 100)).toEqual([0.9, 0, 0.4, 0.1]);
  });

  it('still covers every sample of a sound shorter than the thumbnail', () => {
    const p = waveformPeaks(new Float32Array([0.5, -1, 0.25]), 6);
    expect(Array.from(p)).toEqual([0.5, 0.5, 1, 1, 0.25, 0.25]);
    expect(waveformPeaks(new Float32Array(0), 3)).toEqual(new Float32Array(3));
  });
});

it('scans the extensions of every format decodeAudio reads', () => {
  expect([...AUDIO_EXTENSIONS].sort()).toEqual(['aif', 'aifc', 'aiff', 'bwf', 'flac', 'mp3', 'oga', 'ogg', 'opus', 'wav', 'wave']);
});
