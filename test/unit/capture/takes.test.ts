import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../../../src-main/engine/audio/decode.ts';
import { saveTakeWav } from '../../../src-main/engine/capture/takes.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-takes-');

describe('saveTakeWav', () => {
  it('writes a float WAV named by time that reads back sample-exactly, with the device in its description', async () => {
    const samples = new Float32Array(4410).map((_, i) => 0.7 * Math.sin(i / 7) + 1e-7 * i);
    const takes = join(dir, 'takes');
    const saved = await saveTakeWav(takes, samples, 44100, { device: 'Blue Yeti', trimmedFromSec: 0.25, recordedAt: new Date('2025-03-04T05:06:07.890Z') });
    expect(basename(saved.path)).toBe(`take-2025-03-04T05-06-07.890Z-${saved.id}.wav`);
    expect(saved.id).toMatch(/^[0-9a-f]{6}$/);
    expect(saved.durationSec).toBe(0.1);
    const wav = await decodeAudio(saved.path);
    expect(wav.sampleRate).toBe(44100);
    expect(wav.bitDepth).toBe(32);
    expect(wav.channels).toHaveLength(1);
    expect(wav.channels[0]).toEqual(samples);
    expect(wav.metadata.description).toBe('Onomato take, recorded from "Blue Yeti", trimmed from 0.250 s');
    // Atomic write: nothing but the take is left in the folder.
    expect(readdirSync(takes)).toEqual([basename(saved.path)]);
  });

  it('gives two takes of the same millisecond different names', async () => {
    const at = new Date();
    const a = await saveTakeWav(dir, new Float32Array([0.1]), 8000, { recordedAt: at });
    const b = await saveTakeWav(dir, new Float32Array([0.1]), 8000, { recordedAt: at });
    expect(a.path).not.toBe(b.path);
  });

  it('refuses an empty take with a sentence', async () => {
    await expect(saveTakeWav(dir, new Float32Array(0), 48000)).rejects.toMatchObject({ kind: 'empty-file', message: 'the take holds no audio to save' });
  });
});
