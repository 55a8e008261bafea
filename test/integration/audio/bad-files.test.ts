import { execFileSync } from 'node:child_process';
import { mkdir, open, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, loadMono32k, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { twoToneChirp } from '../../support/audio-signals.ts';
import { CLASSIC_BAD_FILES, wavHeader, writeClassicBadFiles } from '../../support/bad-files.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-bad-');

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a typed error').toBeInstanceOf(EngineError);
  return err as EngineError;
}

const expectations = CLASSIC_BAD_FILES;

beforeAll(async () => {
  await writeClassicBadFiles(dir);
});

describe('a folder of bad files', () => {
  it('holds exactly the cases listed', async () => {
    expect((await readdir(dir)).sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.entries(expectations))('%s', async (name, want) => {
    const path = join(dir, name);
    if (want.kind) {
      const err = await failure(decodeAudio(path));
      expect(err.kind).toBe(want.kind);
      expect(err.message).toContain(path);
      // The sentence after the path is meant for people: words, not codes.
      expect(err.message.slice(path.length + 2)).toMatch(/^[a-zA-Z].{10,}/);
      const infoErr = await readAudioInfo(path).then(() => undefined, (e: unknown) => e);
      if (infoErr !== undefined) {
        expect(infoErr).toBeInstanceOf(EngineError);
        expect((infoErr as EngineError).message).toContain(path);
      }
    } else {
      const d = await decodeAudio(path);
      expect(d.channels[0].length).toBeGreaterThan(0);
      expect(d.warnings.join(' ')).toMatch(want.warning as RegExp);
    }
  });

  it('decodes the audio that is there before a truncation', async () => {
    const d = await decodeAudio(join(dir, 'half-missing.flac'));
    const seconds = d.channels[0].length / d.sampleRate;
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(1.2);
    const wav = await decodeAudio(join(dir, 'half-missing.wav'));
    expect(wav.durationSec).toBeCloseTo(1, 1);
  });

  it('names what a missing file is', async () => {
    const path = join(dir, 'gone.wav');
    const err = await failure(decodeAudio(path));
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain(path);
  });
});

describe('very long files', () => {
  it('reads the first minutes of a one-hour WAV quickly and knows its full length', async () => {
    const path = join(dir, '..', `${dir.split('/').pop()}-hour.wav`);
    // 8 kHz 8-bit mono: 28.8 MB, written in pieces to keep memory flat.
    const fh = await open(path, 'w');
    await fh.write(wavHeader(8000 * 3600, 0, { bits: 8 }));
    const minute = Buffer.alloc(8000 * 60);
    for (let i = 0; i < minute.length; i++) minute[i] = 128 + Math.round(100 * Math.sin((2 * Math.PI * 50 * i) / 8000));
    for (let m = 0; m < 60; m++) await fh.write(minute);
    await fh.close();
    try {
      const started = performance.now();
      const info = await readAudioInfo(path);
      expect(info.durationSec).toBe(3600);
      const d = await decodeAudio(path, { maxSeconds: 600 });
      expect(d.channels[0].length).toBe(8000 * 600);
      expect(d.durationSec).toBe(3600);
      const { samples } = await loadMono32k(path, { maxSeconds: 10 });
      expect(samples.length).toBe(320_000);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await rm(path);
    }
  });

  it("refuses to decode a 4 GB file whole ('too-large') but reads its start", async () => {
    const path = join(dir, '..', `${dir.split('/').pop()}-sparse.wav`);
    const size = 0xfffffff0;
    await writeFile(path, wavHeader(size - 44, 0, { bits: 8 }));
    await truncate(path, size); // sparse: no disk is used
    try {
      const err = await failure(decodeAudio(path));
      expect(err.kind).toBe('too-large');
      expect(err.message).toContain(path);
      expect((await decodeAudio(path, { maxSeconds: 1 })).channels[0].length).toBe(8000);
      expect((await readAudioInfo(path)).durationSec).toBeCloseTo((size - 44) / 8000, 3);
    } finally {
      await rm(path);
    }
  });
});

describe('writeWav on a full disk', () => {
  it("fails with 'disk-full' and leaves no partial file", async (ctx) => {
    const mnt = join(dir, '..', `${dir.split('/').pop()}-full`);
    await mkdir(mnt);
    try {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      } catch {
        ctx.skip(); // needs root to mount a tiny file system
      }
      const path = join(mnt, 'take.wav');
      const err = await failure(writeWav(path, { channels: twoToneChirp(48000, 1), sampleRate: 48000, bitDepth: 24 }));
      expect(err.kind).toBe('disk-full');
      expect(err.message).toContain(path);
      expect(await readdir(mnt)).toEqual([]);
    } finally {
      try {
        execFileSync('umount', [mnt], { stdio: 'ignore' });
      } catch {
        // was never mounted
      }
      await rm(mnt, { recursive: true, force: true });
    }
  });
});
