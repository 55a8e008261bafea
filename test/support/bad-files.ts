import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeWav } from '../../src-main/engine/audio/wav-write.ts';
import type { ErrorKind } from '../../src-main/engine/errors.ts';
import { twoToneChirp } from './audio-signals.ts';
import { chunks, floatWav, fmtChunk, riffWave } from './riff.ts';
import { seededBytes } from './audio-signals.ts';

/**
 * The bad-file corpus: files a real library or an attacker hands Onomato, each with the one
 * right answer. Generated on the fly (seeded, so the same bytes every run); the decoder tests
 * (test/integration/audio/bad-files.test.ts) and the hostile indexing suite (test/integration/hostile/)
 * both build it from here.
 */
export interface BadFileExpectation {
  /** The named error decoding must give; absent when some audio must still come out. */
  kind?: ErrorKind;
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
  await put('random-bytes.wav', seededBytes(50_000, 3));
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
  await put('garbage-after-magic.flac', Buffer.concat([Buffer.from('fLaC'), seededBytes(20_000, 1)]));
  // A real first page (so it is recognised as Vorbis), then noise where the audio should be.
  await put('garbage-after-magic.ogg', Buffer.concat([ogg.subarray(0, 58), seededBytes(40_000, 2)]));
  for (const s of ['.source.wav', '.source.flac', '.source.ogg']) await rm(join(dir, s));
  return Object.keys(CLASSIC_BAD_FILES).map((n) => join(dir, n));
}

/** What the indexer must make of one file of the hostile corpus. */
export interface HostileCase {
  /** Path relative to the corpus folder (a Buffer for a name that is not UTF-8). */
  name: string | Buffer;
  /** indexed: searchable (a repaired file carries `warning` in its notes); failed: refused with `kind`;
   *  skipped: never listed as a sound; unreadable: listed as unreadable with `reason`. */
  outcome: 'indexed' | 'failed' | 'skipped' | 'unreadable';
  kind?: ErrorKind;
  warning?: RegExp;
  reason?: RegExp;
  channels?: number;
  /** The issue 14 defect this case failed on before it was fixed; absent for cases that held. */
  fixed?: string;
}

/**
 * The hostile corpus beyond the classic 17: what a corrupt render, a careless script or an
 * attacker puts in a sound folder. Writes the files into `dir` and returns each with its outcome.
 */
export async function writeHostileFiles(dir: string): Promise<HostileCase[]> {
  await mkdir(dir, { recursive: true });
  const put = (name: string, bytes: Buffer | string): Promise<void> => writeFile(join(dir, name), bytes);
  const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.4 * Math.sin((2 * Math.PI * 440 * i) / 16000));
  const withBad = (values: number[], every: number): Float32Array => tone.map((x, i) => (i % every === 0 ? values[(i / every) % values.length] : x));
  await put('one-nan.wav', floatWav(withBad([Number.NaN], 16000), 16000, 32));
  await put('nan-and-inf-throughout.wav', floatWav(withBad([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], 97), 16000, 32));
  await put('all-nan.wav', floatWav(new Float32Array(16000).fill(Number.NaN), 16000, 32));
  await put('beyond-float32.wav', floatWav(Float64Array.from(tone, (x, i) => (i === 500 ? 1e300 : x)), 16000, 64));
  await put('at-float32-max.wav', floatWav(Float32Array.from(tone, (_, i) => (i % 2 ? 3e38 : -3e38)), 16000, 32));
  await put('million-empty-chunks.wav', manyEmptyChunksWav(1_000_000, 'before-data'));
  await put('million-trailing-chunks.wav', manyEmptyChunksWav(1_000_000, 'after-data'));
  await put('65535-channels-no-frame.wav', riffWave([fmtChunk({ tag: 1, channels: 65535, rate: 8000, bits: 16, blockAlign: 0 }), ['data', Buffer.alloc(1000)]]));
  await put('one-sample.wav', riffWave([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), ['data', Buffer.from([1, 2])]]));
  const streamed = riffWave([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), ['data', Buffer.alloc(16000)]]);
  streamed.writeUInt32LE(0xffffffff, 4);
  streamed.writeUInt32LE(0xffffffff, 40);
  await put('streamed-size-unknown.wav', streamed);
  await put('zero-rate.wav', riffWave([fmtChunk({ tag: 1, channels: 1, rate: 0, bits: 16 }), ['data', Buffer.alloc(1000)]]));
  await put('id3-and-nothing.mp3', Buffer.concat([Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x10', 'latin1'), Buffer.alloc(16)]));
  await put('empty.mp3', Buffer.alloc(0));

  // Codec files from sox: a FLAC whose header claims 8 channels, cut Opus and Vorbis.
  const source = join(dir, '.source.wav');
  await writeWav(source, { channels: twoToneChirp(44100, 2).concat(twoToneChirp(44100, 2)).slice(0, 2), sampleRate: 44100, bitDepth: 16 });
  execFileSync('sox', [source, '-t', 'flac', join(dir, 'claims-8-channels.flac')]);
  const flac = await readFile(join(dir, 'claims-8-channels.flac'));
  flac[20] = (flac[20] & 0xf1) | (7 << 1);
  await put('claims-8-channels.flac', flac);
  execFileSync('sox', [source, '-t', 'ogg', join(dir, '.source.ogg')]);
  const ogg = await readFile(join(dir, '.source.ogg'));
  await put('vorbis-cut-at-70-percent.ogg', ogg.subarray(0, Math.floor(ogg.length * 0.7)));
  const opus = await readFile(join(fixtures, 'two-tone-chirp.opus'));
  await put('opus-cut-at-90-percent.opus', opus.subarray(0, Math.floor(opus.length * 0.9)));
  await rm(source);
  await rm(join(dir, '.source.ogg'));

  // Names and file kinds.
  await writeWav(join(dir, 'звук шагов.wav'), { channels: [tone], sampleRate: 16000, bitDepth: 16 });
  await writeWav(join(dir, 'line\nbreak and\ttab.wav'), { channels: [tone], sampleRate: 16000, bitDepth: 16 });
  await writeFile(Buffer.concat([Buffer.from(`${dir}/latin1-`), Buffer.from([0xe9, 0xff]), Buffer.from('.wav')]), streamed);
  execFileSync('mkfifo', [join(dir, 'a-fifo.wav')]);
  await symlink('/dev/zero', join(dir, 'dev-zero.wav'));
  await symlink('/etc/passwd', join(dir, 'passwd.wav'));
  await symlink(dir, join(dir, 'loop'));
  await symlink(join(dir, 'no-such-file.wav'), join(dir, 'dangling.wav'));
  let deep = dir;
  for (let i = 0; i < 120; i++) deep = join(deep, 'd');
  await mkdir(deep, { recursive: true });
  await writeWav(join(deep, 'deep.wav'), { channels: [tone], sampleRate: 16000, bitDepth: 16 });

  return [
    { name: 'one-nan.wav', outcome: 'indexed', warning: /^1 sample was not a number \(NaN\) or infinite and was set to silence$/, fixed: 'defect 1' },
    { name: 'nan-and-inf-throughout.wav', outcome: 'indexed', warning: /^165 samples were not a number \(NaN\) or infinite and were set to silence$/, fixed: 'defect 1' },
    { name: 'all-nan.wav', outcome: 'indexed', warning: /^16000 samples were not a number/, fixed: 'defect 1' },
    { name: 'beyond-float32.wav', outcome: 'indexed', warning: /^1 sample was not a number/, fixed: 'defect 1' },
    // Finite but at the edge of float32: the analysis stays finite, so it is indexed as it is.
    { name: 'at-float32-max.wav', outcome: 'indexed' },
    { name: 'million-empty-chunks.wav', outcome: 'failed', kind: 'corrupt', fixed: 'defect 4' },
    { name: 'million-trailing-chunks.wav', outcome: 'indexed', fixed: 'defect 4' },
    { name: '65535-channels-no-frame.wav', outcome: 'failed', kind: 'truncated' },
    { name: 'one-sample.wav', outcome: 'indexed' },
    { name: 'streamed-size-unknown.wav', outcome: 'indexed', warning: /truncated/ },
    { name: 'zero-rate.wav', outcome: 'failed', kind: 'corrupt' },
    { name: 'id3-and-nothing.mp3', outcome: 'failed', kind: 'truncated' },
    { name: 'empty.mp3', outcome: 'failed', kind: 'empty-file' },
    { name: 'claims-8-channels.flac', outcome: 'indexed', channels: 2, warning: /the header says 8 channels but the audio decodes as 2/, fixed: 'defect 10' },
    { name: 'vorbis-cut-at-70-percent.ogg', outcome: 'indexed', warning: /truncated/ },
    { name: 'opus-cut-at-90-percent.opus', outcome: 'indexed', warning: /truncated/, fixed: 'defect 10' },
    { name: 'звук шагов.wav', outcome: 'indexed' },
    { name: 'line\nbreak and\ttab.wav', outcome: 'indexed' },
    { name: Buffer.from([...Buffer.from('latin1-'), 0xe9, 0xff, ...Buffer.from('.wav')]), outcome: 'unreadable', reason: /its name is not valid UTF-8 text .*rename it$/, fixed: 'defect 10' },
    { name: 'a-fifo.wav', outcome: 'skipped' },
    { name: 'dev-zero.wav', outcome: 'skipped' },
    { name: 'passwd.wav', outcome: 'failed', kind: 'not-audio' },
    { name: 'loop', outcome: 'skipped' },
    { name: 'dangling.wav', outcome: 'unreadable', reason: /does not exist/ },
    { name: join(...Array.from({ length: 120 }, () => 'd'), 'deep.wav'), outcome: 'indexed' },
  ];
}

/**
 * A FLAC whose audio is `headers` valid frame headers back to back and nothing else: a "sync
 * storm" that made the frame splitter look for each frame's end past every later header, with a
 * checksum from the start each time (120 KB took 27 s, growing with the square of the size).
 * `flac` is any real FLAC, whose metadata is kept.
 */
export function syncStormFlac(flac: Buffer, headers: number): Buffer {
  const crc8 = (bytes: number[]): number => {
    let crc = 0;
    for (const x of bytes) {
      crc ^= x;
      for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  };
  // Sync, 4096-sample blocks at 44.1 kHz, mono 16-bit, frame number 0, CRC-8.
  const head = [0xff, 0xf8, 0xc9, 0x08, 0x00];
  const frame = Buffer.from([...head, crc8(head)]);
  let p = 4;
  for (let last = false; !last; ) {
    last = (flac[p] & 0x80) !== 0;
    p += 4 + flac.readUIntBE(p + 1, 3);
  }
  return Buffer.concat([flac.subarray(0, p), Buffer.alloc(frame.length * headers).fill(frame)]);
}
