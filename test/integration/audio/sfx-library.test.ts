import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, loadMono32k, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { sfxManifestPaths, smallSfxLibrary } from '../../support/sfx.ts';

let lib: string;
let files: string[];

beforeAll(async () => {
  lib = await smallSfxLibrary();
  files = sfxManifestPaths(lib);
});

describe('the small real SFX library', () => {
  it('decodes every clip, and header-only durations agree with the decoded length', async () => {
    expect(files.length).toBeGreaterThan(900);
    const problems: string[] = [];
    const formats = new Set<string>();
    for (const rel of files) {
      const path = join(lib, rel);
      try {
        const info = await readAudioInfo(path);
        const d = await decodeAudio(path);
        formats.add(d.format);
        const decodedSec = d.channels[0].length / d.sampleRate;
        // Ogg and MP3 lengths come from granule positions / frame counts; allow one codec frame.
        const tolerance = d.format === 'wav' || d.format === 'aiff' || d.format === 'flac' ? 0 : 0.03;
        if (Math.abs(info.durationSec - decodedSec) > tolerance) problems.push(`${rel}: header ${info.durationSec} s, decoded ${decodedSec} s`);
        if (info.sampleRate !== d.sampleRate || info.channels !== d.channels.length) problems.push(`${rel}: info and decode disagree`);
        if (d.channels.some((c) => c.some((v) => !Number.isFinite(v)))) problems.push(`${rel}: non-finite samples`);
        if (d.warnings.length) problems.push(`${rel}: ${d.warnings.join('; ')}`);
      } catch (err) {
        problems.push(`${rel}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...formats].sort()).toEqual(['flac', 'ogg-vorbis', 'wav']);
  });

  it('decodes a clip the same whatever was decoded before it (shared decoder instances stay clean)', async () => {
    const sample = files.filter((_, i) => i % 7 === 0).map((rel) => join(lib, rel));
    const checksum = (channels: Float32Array[]): string => channels.map((c) => `${c.length}:${c.reduce((a, v, i) => a + v * ((i % 97) + 1), 0)}`).join('|');
    const forward = new Map<string, string>();
    for (const p of sample) forward.set(p, checksum((await decodeAudio(p)).channels));
    // Reverse order, with an early-stopped decode of another clip in between each.
    for (const [i, p] of [...sample].reverse().entries()) {
      await decodeAudio(sample[(i * 5) % sample.length], { maxSeconds: 0.05 });
      expect(checksum((await decodeAudio(p)).channels), p).toBe(forward.get(p));
    }
  });

  it('gives the QVIM input (mono 32 kHz, first 10 s) for a sample of clips', async () => {
    for (const rel of files.filter((_, i) => i % 25 === 0)) {
      const { samples, decoded } = await loadMono32k(join(lib, rel), { maxSeconds: 10 });
      expect(decoded.warnings, rel).toEqual([]);
      expect(samples.length).toBeLessThanOrEqual(320_000);
      expect(Math.abs(samples.length / 32000 - Math.min(10, decoded.durationSec))).toBeLessThan(1e-3);
    }
  });
});
