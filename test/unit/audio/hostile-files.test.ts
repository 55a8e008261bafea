import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { contentHash } from '../../../src-main/engine/library/content-hash.ts';
import { withTempDir } from '../../support/audio-signals.ts';
import { manyEmptyChunksWav } from '../../support/bad-files.ts';

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
          expect(err.message).toBe(`${fifo}: this is not a regular file (a pipe, device or socket), so it is not read`);
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
