import { execFileSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, loadMono32k, readAudioInfo } from '../../../src-main/engine/audio/decode.ts';
import { resample } from '../../../src-main/engine/audio/resample.ts';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { bestCorrelation, maxAbsDiff, snrDb, twoToneChirp } from '../../support/audio-signals.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/audio/', import.meta.url));
const dir = suiteTempDir('onomato-formats-');
const RATE = 44100;
const source = twoToneChirp(RATE, 2);
/** What a 24-bit file stores of the source. */
const stored = source.map((c) => c.map((v) => Math.round(v * 8388608) / 8388608));

const sox = (...args: string[]): void => void execFileSync('sox', args, { stdio: 'ignore' });

beforeAll(async () => {
  await writeWav(join(dir, 'source.wav'), { channels: source, sampleRate: RATE, bitDepth: 24 });
  sox(join(dir, 'source.wav'), '--comment', 'TITLE=Two tones', '--add-comment', 'ARTIST=Onomato tests', join(dir, 'source-24.flac'));
  sox(join(dir, 'source.wav'), '-b', '16', join(dir, 'source-16.flac'));
  sox(join(dir, 'source.wav'), '-C', '6', join(dir, 'source.ogg'));
  sox(join(dir, 'source.wav'), join(dir, 'source.aiff'));
  sox(join(dir, 'source.wav'), '-e', 'floating-point', join(dir, 'source.aifc'));
});

describe('lossless formats decode to exactly the stored samples', () => {
  it.each([
    ['source-24.flac', 'flac', 24],
    ['source.aiff', 'aiff', 24],
    ['source.aifc', 'aiff', 32],
  ])('%s', async (name, format, bits) => {
    const path = join(dir, name);
    const d = await decodeAudio(path);
    expect(d).toMatchObject({ format, sampleRate: RATE, bitDepth: bits, durationSec: 2, warnings: [] });
    for (let c = 0; c < 2; c++) expect(maxAbsDiff(d.channels[c], stored[c])).toBe(0);
    expect(await readAudioInfo(path)).toMatchObject({ format, sampleRate: RATE, channels: 2, bitDepth: bits, durationSec: 2 });
  });

  it('reads FLAC Vorbis comments', async () => {
    expect((await readAudioInfo(join(dir, 'source-24.flac'))).metadata).toEqual({ title: 'Two tones', artist: 'Onomato tests' });
  });

  it('16-bit FLAC is the source within 16-bit resolution', async () => {
    const d = await decodeAudio(join(dir, 'source-16.flac'));
    expect(d.bitDepth).toBe(16);
    for (let c = 0; c < 2; c++) expect(snrDb(source[c], d.channels[c])).toBeGreaterThan(85);
  });
});

describe('lossy formats decode in time with the source', () => {
  it('Ogg Vorbis (made by sox)', async () => {
    const path = join(dir, 'source.ogg');
    const d = await decodeAudio(path);
    expect(d).toMatchObject({ format: 'ogg-vorbis', sampleRate: RATE, bitDepth: null, durationSec: 2, warnings: [] });
    for (let c = 0; c < 2; c++) {
      expect(bestCorrelation(source[c], d.channels[c], 50)).toMatchObject({ lag: 0 });
      expect(snrDb(source[c], d.channels[c])).toBeGreaterThan(20);
    }
    expect(await readAudioInfo(path)).toMatchObject({ format: 'ogg-vorbis', channels: 2, durationSec: 2 });
  });

  it.each([
    ['two-tone-chirp.mp3', 'mp3', 44100],
    ['two-tone-chirp.opus', 'opus', 48000],
  ])('%s (committed fixture)', async (name, format, rate) => {
    const path = join(fixtures, name);
    const want = twoToneChirp(rate, 1);
    const d = await decodeAudio(path);
    expect(d).toMatchObject({ format, sampleRate: rate, durationSec: 1, warnings: [] });
    for (let c = 0; c < 2; c++) {
      const { r, lag } = bestCorrelation(want[c], d.channels[c], 50);
      expect(lag).toBe(0);
      expect(r).toBeGreaterThan(0.99);
    }
    expect(await readAudioInfo(path)).toMatchObject({ format, sampleRate: rate, channels: 2, durationSec: 1 });
  });

  it('tells Opus from Vorbis by content, not by the .oga/.ogg name', async () => {
    const path = join(dir, 'actually-opus.ogg');
    await copyFile(join(fixtures, 'two-tone-chirp.opus'), path);
    expect((await readAudioInfo(path)).format).toBe('opus');
    const oga = join(dir, 'vorbis.oga');
    await copyFile(join(dir, 'source.ogg'), oga);
    expect((await decodeAudio(oga)).format).toBe('ogg-vorbis');
  });

  it('skips an ID3v2 tag before MP3 audio and reads its title and artist', async () => {
    const frame = (id: string, text: string): Buffer => {
      const body = Buffer.concat([Buffer.from([3]), Buffer.from(text, 'utf8')]);
      const h = Buffer.alloc(10);
      h.write(id, 0, 'latin1');
      h.writeUInt32BE(body.length, 4);
      return Buffer.concat([h, body]);
    };
    const frames = Buffer.concat([frame('TIT2', 'Zap — laser'), frame('TPE1', 'Sound Team'), Buffer.alloc(64)]);
    const n = frames.length;
    const header = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, (n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
    const path = join(dir, 'tagged.mp3');
    await writeFile(path, Buffer.concat([header, frames, await readFile(join(fixtures, 'two-tone-chirp.mp3'))]));
    const d = await decodeAudio(path);
    expect(d.metadata).toEqual({ title: 'Zap — laser', artist: 'Sound Team' });
    expect(d.channels[0].length).toBe(44100);
  });
});

describe('maxSeconds', () => {
  it.each(['source-24.flac', 'source.ogg', 'source.aiff'])('%s stops early but reports the whole duration', async (name) => {
    const d = await decodeAudio(join(dir, name), { maxSeconds: 0.5 });
    expect(d.channels[0].length).toBe(RATE / 2);
    expect(d.durationSec).toBe(2);
    expect(maxAbsDiff(d.channels[0], (await decodeAudio(join(dir, name))).channels[0].subarray(0, RATE / 2))).toBe(0);
  });

  it('applies to MP3 and Opus too', async () => {
    expect((await decodeAudio(join(fixtures, 'two-tone-chirp.mp3'), { maxSeconds: 0.25 })).channels[1].length).toBe(11025);
    expect((await decodeAudio(join(fixtures, 'two-tone-chirp.opus'), { maxSeconds: 0.25 })).channels[1].length).toBe(12000);
  });
});

describe('loadMono32k', () => {
  it('is the downmixed source resampled to 32 kHz', async () => {
    const { samples, decoded } = await loadMono32k(join(dir, 'source-24.flac'));
    expect(decoded).toMatchObject({ format: 'flac', sampleRate: RATE, durationSec: 2 });
    expect('channels' in decoded).toBe(false);
    const mono = stored[0].map((v, i) => (v + stored[1][i]) / 2);
    expect(maxAbsDiff(samples, resample(mono, RATE, 32000))).toBe(0);
    expect(samples.length).toBe(64000);
  });

  it('returns exactly maxSeconds at 32 kHz', async () => {
    const { samples } = await loadMono32k(join(fixtures, 'two-tone-chirp.opus'), { maxSeconds: 0.3 });
    expect(samples.length).toBe(9600);
  });
});
