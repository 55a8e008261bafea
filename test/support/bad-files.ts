import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWav } from '../../src-main/engine/audio/wav-write.ts';
import type { EngineErrorKind } from '../../src-main/engine/errors.ts';
import { twoToneChirp } from './audio-signals.ts';
import { chunks, fmtChunk, riffWave } from './riff.ts';

/**
 * The bad-file corpus: files a real library or an attacker hands Onomato, each with the one
 * right answer. Generated on the fly (seeded, so the same bytes every run); the decoder tests
 * (test/integration/audio/bad-files.test.ts) and the hostile indexing suite (test/integration/hostile/)
 * both build it from here.
 */
export interface BadFileExpectation {
  /** The named error decoding must give; absent when some audio must still come out. */
  kind?: EngineErrorKind;
  /** What the warning of a file that decodes in part must say. */
  warning?: RegExp;
}

const fixtures = fileURLToPath(new URL('../fixtures/audio/', import.meta.url));

/** The 17 bad files of the decoder tests: name -> what decodeAudio must say. */
export const CLASSIC_BAD_FILES: Record<string, BadFileExpectation> = {
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
  // Its only audio pages are cut: what a decoder makes of a cut page is partly invented, so none is kept.
  'half-missing.ogg': { kind: 'truncated' },
  'ogg-cut-in-headers.ogg': { kind: 'truncated' },
  'garbage-after-magic.flac': { kind: 'truncated' },
  'garbage-after-magic.ogg': { kind: 'corrupt' },
  'half-missing.opus': { warning: /truncated/ },
  'a-folder.wav': { kind: 'not-audio' },
};

/** Seeded noise bytes: random-looking, but the same on every run, so each case has one right answer. */
export function noise(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A WAV header whose data chunk claims `dataSize` bytes, followed by `present` bytes of silence. */
export function wavHeader(dataSize: number, present: number, o: { rate?: number; bits?: number } = {}): Buffer {
  const head = riffWave([fmtChunk({ tag: 1, channels: 1, rate: o.rate ?? 8000, bits: o.bits ?? 16 }), ['data', Buffer.alloc(0)]], { riffSize: Math.min(0xffffffff, dataSize + 36) });
  head.writeUInt32LE(dataSize, head.length - 4);
  return Buffer.concat([head, Buffer.alloc(present, o.bits === 8 ? 128 : 0)]);
}

/**
 * An 8 kHz 16-bit WAV of one second with `count` empty JUNK chunks (8 bytes each) before or
 * after its audio: 8 MB for a million, which once took 54 s to walk header by header.
 */
export function manyEmptyChunksWav(count: number, where: 'before-data' | 'after-data'): Buffer {
  const junk = Buffer.alloc(count * 8);
  for (let i = 0; i < count; i++) junk.write('JUNK', i * 8, 'latin1');
  const fmt = chunks([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 })], false);
  const data = chunks([['data', Buffer.alloc(16000)]], false);
  const body = where === 'before-data' ? Buffer.concat([fmt, junk, data]) : Buffer.concat([fmt, data, junk]);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** Writes the 17 classic bad files into `dir` (needs sox for the ADPCM, FLAC and Vorbis sources). */
export async function writeClassicBadFiles(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const put = (name: string, bytes: Buffer | string): Promise<void> => writeFile(join(dir, name), bytes);
  const cut = async (from: string, name: string, fraction: number): Promise<void> => {
    const b = await readFile(from);
    await put(name, b.subarray(0, Math.floor(b.length * fraction)));
  };
  await put('empty.wav', Buffer.alloc(0));
  await put('random-bytes.wav', noise(50_000, 3));
  await put('readme-named.flac', 'This folder holds the door sounds from the March session.\nAsk Sam before deleting.\n'.repeat(20));
  await put('claims-2GB-header-only.wav', wavHeader(2 ** 31, 0));
  await put('claims-2GB-with-a-second.wav', wavHeader(2 ** 31, 16000));
  await put('zero-length-data.wav', wavHeader(0, 0));
  await put('ends-inside-header.wav', wavHeader(16000, 16000).subarray(0, 30));
  await mkdir(join(dir, 'a-folder.wav'));

  // The sources are made under hidden names, so they are never part of the corpus.
  const good = join(dir, '.source.wav');
  await writeWav(good, { channels: twoToneChirp(44100, 2), sampleRate: 44100, bitDepth: 16 });
  execFileSync('sox', [good, '-e', 'ima-adpcm', join(dir, 'ima-adpcm.wav')]);
  execFileSync('sox', [good, '-t', 'flac', join(dir, '.source.flac')]);
  execFileSync('sox', [good, '-t', 'ogg', join(dir, '.source.ogg')]);
  await cut(good, 'half-missing.wav', 0.5);
  await cut(join(dir, '.source.flac'), 'half-missing.flac', 0.5);
  await cut(join(dir, '.source.flac'), 'flac-cut-in-metadata.flac', 0.001);
  await cut(join(dir, '.source.ogg'), 'half-missing.ogg', 0.5);
  await cut(join(fixtures, 'two-tone-chirp.opus'), 'half-missing.opus', 0.5);
  const ogg = await readFile(join(dir, '.source.ogg'));
  await put('ogg-cut-in-headers.ogg', ogg.subarray(0, 60));
  await put('garbage-after-magic.flac', Buffer.concat([Buffer.from('fLaC'), noise(20_000, 1)]));
  // A real first page (so it is recognised as Vorbis), then noise where the audio should be.
  await put('garbage-after-magic.ogg', Buffer.concat([ogg.subarray(0, 58), noise(40_000, 2)]));
  for (const s of ['.source.wav', '.source.flac', '.source.ogg']) await rm(join(dir, s));
  return Object.keys(CLASSIC_BAD_FILES).map((n) => join(dir, n));
}
