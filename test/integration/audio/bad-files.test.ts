import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, loadMono32k, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { twoToneChirp } from '../../support/audio-signals.ts';
import { fmtChunk, riffWave } from '../../support/riff.ts';
import { seededBytes } from '../../support/audio-signals.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));
let dir: string;

async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a typed error').toBeInstanceOf(EngineError);
  return err as EngineError;
}

/** A WAV header whose data chunk claims `dataSize` bytes, followed by `present` bytes of silence. */
function wavHeader(dataSize: number, present: number, o: { rate?: number; bits?: number } = {}): Buffer {
  const head = riffWave([fmtChunk({ tag: 1, channels: 1, rate: o.rate ?? 8000, bits: o.bits ?? 16 }), ['data', Buffer.alloc(0)]], { riffSize: Math.min(0xffffffff, dataSize + 36) });
  head.writeUInt32LE(dataSize, head.length - 4);
  return Buffer.concat([head, Buffer.alloc(present, o.bits === 8 ? 128 : 0)]);
}

/** Bad files: name -> what decodeAudio must say (kind), and whether some audio still comes out. */
const expectations: Record<string, { kind?: string; warning?: RegExp }> = {
  'empty.wav': { kind: 'empty-file' },
  'random-bytes.wav': { kind: 'not-audio' },
  'readme-named.flac': { kind: 'not-audio' },
  'claims-2GB-header-only.wav': { kind: 'truncated' },
  'claims-2GB-with-a-second.wav': { warning: /truncated/ },
  'zero-length-data.wav': { kind: 'empty-file' },
  'ima-adpcm.wav': { kind: 'unsupported-format' },
  'ends-inside-header.wav': { kind: 'truncated' },
  'half-missing.wav': { warning: /truncated/ },
  'half-missing.flac': { warning: /truncated/ },
  'flac-cut-in-metadata.flac': { kind: 'truncated' },
  'half-missing.ogg': { warning: /truncated/ },
  'ogg-cut-in-headers.ogg': { kind: 'truncated' },
  'garbage-after-magic.flac': { kind: 'truncated' },
  'garbage-after-magic.ogg': { kind: 'corrupt' },
  'half-missing.opus': { warning: /truncated/ },
  'a-folder.wav': { kind: 'not-audio' },
};


beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onomato-bad-'));
  const put = (name: string, bytes: Buffer | string): Promise<void> => writeFile(join(dir, name), bytes);
  const cut = async (from: string, name: string, fraction: number): Promise<void> => {
    const b = await readFile(from);
    await put(name, b.subarray(0, Math.floor(b.length * fraction)));
  };
  await put('empty.wav', Buffer.alloc(0));
  await put('random-bytes.wav', seededBytes(50_000, 3));
  await put('readme-named.flac', 'This folder holds the door sounds from the March session.\nAsk Sam before deleting.\n'.repeat(20));
  await put('claims-2GB-header-only.wav', wavHeader(2 ** 31, 0));
  await put('claims-2GB-with-a-second.wav', wavHeader(2 ** 31, 16000));
  await put('zero-length-data.wav', wavHeader(0, 0));
  await put('ends-inside-header.wav', wavHeader(16000, 16000).subarray(0, 30));
  await mkdir(join(dir, 'a-folder.wav'));

  const good = join(dir, 'good.wav');
  await writeWav(good, { channels: twoToneChirp(44100, 2), sampleRate: 44100, bitDepth: 16 });
  execFileSync('sox', [good, '-e', 'ima-adpcm', join(dir, 'ima-adpcm.wav')]);
  execFileSync('sox', [good, join(dir, 'good.flac')]);
  execFileSync('sox', [good, join(dir, 'good.ogg')]);
  await cut(good, 'half-missing.wav', 0.5);
  await cut(join(dir, 'good.flac'), 'half-missing.flac', 0.5);
  await cut(join(dir, 'good.flac'), 'flac-cut-in-metadata.flac', 0.001);
  await cut(join(dir, 'good.ogg'), 'half-missing.ogg', 0.5);
  await cut(join(fixtures, 'two-tone-chirp.opus'), 'half-missing.opus', 0.5);
  const ogg = await readFile(join(dir, 'good.ogg'));
  await put('ogg-cut-in-headers.ogg', ogg.subarray(0, 60));
  await put('garbage-after-magic.flac', Buffer.concat([Buffer.from('fLaC'), seededBytes(20_000, 1)]));
  // A real first page (so it is recognised as Vorbis), then noise where the audio should be.
  await put('garbage-after-magic.ogg', Buffer.concat([ogg.subarray(0, 58), seededBytes(40_000, 2)]));
  await rm(good);
  await rm(join(dir, 'good.flac'));
  await rm(join(dir, 'good.ogg'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
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
