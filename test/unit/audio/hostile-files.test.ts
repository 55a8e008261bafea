import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, readAudioInfo, writeWav } from '../../../src-main/engine/audio/decode.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { contentHash } from '../../../src-main/engine/library/content-hash.ts';
import { withTempDir } from '../../support/temp-dir.ts';
import { manyEmptyChunksWav } from '../../support/bad-files.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));

/** Issue 14, defect 4: files that held a decoder (or a thread of libuv's pool) for good or for minutes. */

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'expected a typed error').toBeInstanceOf(EngineError);
  return err as EngineError;
}

describe('a FIFO where a sound file was', () => {
  it('is refused at once by the decoder and the content hash instead of waiting for a writer forever', async () => {
    await withTempDir(async (dir) => {
      const fifo = join(dir, 'door.wav');
      execFileSync('mkfifo', [fifo]);
      try {
        for (const attempt of [decodeAudio, readAudioInfo, contentHash]) {
          const err = await failure(attempt(fifo));
          expect(err.kind).toBe('not-audio');
          expect(err.message).toBe(`${fifo}: this is a named pipe (FIFO), not a regular file, so it is not read as a sound`);
        }
      } finally {
        // Should a blocking open be waiting (the defect), a writer releases it so the run can end.
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // no reader waiting: nothing to release
        }
      }
    });
  });

  it('a character device named like a sound is refused the same way', async () => {
    const err = await failure(decodeAudio('/dev/zero'));
    expect(err.kind).toBe('not-audio');
  });
});

describe('a WAV of a million empty chunks', () => {
  it('with its audio after them is refused after a bounded walk, not read chunk by chunk', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'million-chunks.wav');
      await writeFile(path, manyEmptyChunksWav(1_000_000, 'before-data'));
      const err = await failure(decodeAudio(path));
      expect(err.kind).toBe('corrupt');
      expect(err.message).toMatch(/more than 4096 chunks/);
    });
  });

  it('after its audio decodes, and the walk stops once format and audio are found', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'million-trailing-chunks.wav');
      await writeFile(path, manyEmptyChunksWav(1_000_000, 'after-data'));
      const d = await decodeAudio(path);
      expect(d.channels[0].length).toBe(8000);
      expect(d.sampleRate).toBe(8000);
    });
  });
});

describe('headers that promise more than the audio holds (issue 14, defect 10)', () => {
  it('a truncated Opus reports the audio of its whole pages, never more than is there', async () => {
    await withTempDir(async (dir) => {
      const whole = await readFile(join(fixtures, 'two-tone-chirp.opus'));
      const full = await decodeAudio(join(fixtures, 'two-tone-chirp.opus'));
      for (const fraction of [0.9, 0.8, 0.5]) {
        const path = join(dir, `cut-${fraction}.opus`);
        await writeFile(path, whole.subarray(0, Math.floor(whole.length * fraction)));
        const d = await decodeAudio(path);
        const info = await readAudioInfo(path);
        expect(d.durationSec).toBeLessThan(fraction * full.durationSec);
        expect(d.durationSec).toBe(d.channels[0].length / 48000);
        expect(info.durationSec).toBe(d.durationSec);
        // What comes out is the file's own audio, sample for sample, not a decoder's guess at a cut page.
        let worst = 0;
        for (let i = 0; i < d.channels[0].length; i++) worst = Math.max(worst, Math.abs(d.channels[0][i] - full.channels[0][i]));
        expect(worst).toBe(0);
        expect(d.warnings.join(' ')).toMatch(/truncated/);
      }
    });
  });

  it('a FLAC whose header claims 8 channels over stereo audio is reported as the 2 it decodes to', async () => {
    await withTempDir(async (dir) => {
      const wav = join(dir, 'stereo.wav');
      const left = Float32Array.from({ length: 8000 }, (_, i) => Math.sin(i / 7) * 0.5);
      await writeWav(wav, { channels: [left, left.map((x) => -x)], sampleRate: 8000, bitDepth: 16 });
      const flac = join(dir, 'claims-8.flac');
      execFileSync('sox', [wav, flac]);
      const bytes = await readFile(flac);
      // STREAMINFO: channels - 1 sits in bits 3..1 of its 13th byte (file offset 20).
      bytes[20] = (bytes[20] & 0xf1) | (7 << 1);
      await writeFile(flac, bytes);
      const d = await decodeAudio(flac);
      expect(d.channels).toHaveLength(2);
      expect(d.channels[1][3]).toBeCloseTo(-d.channels[0][3], 4);
      expect(d.warnings).toContain('the header says 8 channels but the audio decodes as 2');
    });
  });
});
