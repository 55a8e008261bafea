import { EngineError } from '../errors.ts';
import { readAiffHeader } from './aiff.ts';
import { AudioFile, throwIfAborted } from './audio-file.ts';
import { decodeFlac, readFlacInfo } from './flac.ts';
import { decodeMp3, firstFrame, id3Length, readMp3Info } from './mp3.ts';
import { decodeOgg, readOggInfo } from './ogg.ts';
import { readPcmData, type PcmHeader } from './pcm.ts';
import { resample } from './resample.ts';
import type { AudioFormat, AudioInfo, DecodedAudio, DecodeOptions } from './types.ts';
import { readWavHeader } from './wav.ts';

export type { AudioFormat, AudioInfo, DecodedAudio, DecodeOptions, SoundMetadata } from './types.ts';
export { resample } from './resample.ts';
export { writeWav } from './wav-write.ts';
export { waveformPeaks } from './peaks.ts';

/** The file extensions a library scan considers; the format itself is always read from the bytes. */
export const AUDIO_EXTENSIONS: readonly string[] = ['wav', 'wave', 'bwf', 'aif', 'aiff', 'aifc', 'flac', 'mp3', 'ogg', 'oga', 'opus'];

/** The rate of the QVIM front end's input signal. */
export const MODEL_SAMPLE_RATE = 32000;

type Container = 'wav' | 'aiff' | 'flac' | 'ogg' | 'mp3';

/** Recognise the container from its first bytes; an ID3 tag may precede FLAC or MPEG audio. */
async function detect(file: AudioFile): Promise<{ container: Container; offset: number }> {
  if (file.size === 0) throw file.fail('empty-file', 'the file is empty (0 bytes)');
  const head = await file.read(0, 4096);
  const magic = head.toString('latin1', 0, 4);
  if (magic === 'RIFF') return { container: 'wav', offset: 0 };
  if (magic === 'FORM') return { container: 'aiff', offset: 0 };
  if (magic === 'fLaC') return { container: 'flac', offset: 0 };
  if (magic === 'OggS') return { container: 'ogg', offset: 0 };
  if (magic === 'RF64' || magic === 'BW64') throw file.fail('unsupported-format', 'RF64/BW64 (over-4 GB WAV) files are not supported yet');
  const tag = id3Length(head);
  if (tag > 0) {
    const after = await file.read(tag, 4096);
    if (after.toString('latin1', 0, 4) === 'fLaC') return { container: 'flac', offset: tag };
    if (firstFrame(after, 0, 4096) >= 0) return { container: 'mp3', offset: tag };
    throw file.fail(after.length ? 'not-audio' : 'truncated', 'the file has an ID3 tag but no MPEG or FLAC audio after it');
  }
  if (firstFrame(head, 0, 4) >= 0) return { container: 'mp3', offset: 0 };
  throw file.fail('not-audio', looksLikeText(head) ? 'this is a text file, not a sound file' : 'the file is not in a sound format Onomato knows (WAV, AIFF, FLAC, MP3, Ogg Vorbis, Opus)');
}

function looksLikeText(b: Buffer): boolean {
  let printable = 0;
  for (const c of b) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
  return printable / b.length > 0.95;
}

/** Open, run, close; anything a parser or WASM decoder throws that is not ours becomes 'corrupt'. */
async function withFile<T>(path: string, fn: (file: AudioFile) => Promise<T>): Promise<T> {
  const file = await AudioFile.open(path);
  try {
    return await fn(file);
  } catch (err) {
    if (err instanceof EngineError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw file.fail('corrupt', `the file is damaged and could not be decoded (${why})`, err);
  } finally {
    await file.close();
  }
}

function pcmInfo(h: PcmHeader): AudioInfo {
  return { format: h.format, sampleRate: h.sampleRate, channels: h.layout.channels, bitDepth: h.bitDepth, durationSec: h.frames / h.sampleRate, metadata: h.metadata };
}

/** Format, rate, channels and length from headers alone (compressed files are not decoded). */
export function readAudioInfo(path: string): Promise<AudioInfo> {
  return withFile(path, async (file) => {
    const { container, offset } = await detect(file);
    switch (container) {
      case 'wav':
        return pcmInfo(await readWavHeader(file));
      case 'aiff':
        return pcmInfo(await readAiffHeader(file));
      case 'flac': {
        const i = await readFlacInfo(file, offset);
        return { format: 'flac', sampleRate: i.sampleRate, channels: i.channels, bitDepth: i.bitsPerSample, durationSec: i.totalSamples / i.sampleRate, metadata: i.metadata };
      }
      case 'ogg': {
        const i = await readOggInfo(file);
        return { format: i.codec, sampleRate: i.sampleRate, channels: i.channels, bitDepth: null, durationSec: i.totalSamples / i.sampleRate, metadata: i.metadata };
      }
      case 'mp3': {
        const i = await readMp3Info(file);
        return { format: 'mp3', sampleRate: i.sampleRate, channels: i.channels, bitDepth: null, durationSec: i.totalSamples / i.sampleRate, metadata: i.metadata };
      }
    }
  });
}

/**
 * Decode a sound file to float channels in [-1, 1]. With maxSeconds only the start is read and
 * decoded; durationSec still describes the whole file. A file cut short decodes to what is there,
 * with a warning; one with no decodable audio throws 'truncated'.
 */
export function decodeAudio(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  return withFile(path, async (file) => {
    throwIfAborted(opts.signal, path);
    const { container, offset } = await detect(file);
    if (container === 'wav' || container === 'aiff') {
      const h = container === 'wav' ? await readWavHeader(file) : await readAiffHeader(file);
      const channels = await readPcmData(file, h, opts);
      return { ...pcmInfo(h), channels, warnings: [...h.warnings, ...silenceNonFinite(channels)] };
    }
    let format: AudioFormat;
    let sampleRate: number;
    let bitDepth: number | null = null;
    let totalSamples: number;
    let decoded: { channels: Float32Array[]; warnings: string[] };
    let metadata;
    let headerChannels: number;
    if (container === 'flac') {
      const i = await readFlacInfo(file, offset);
      decoded = await decodeFlac(file, i, opts);
      ({ sampleRate, totalSamples, metadata } = i);
      headerChannels = i.channels;
      format = 'flac';
      bitDepth = i.bitsPerSample;
    } else if (container === 'ogg') {
      const i = await readOggInfo(file);
      decoded = await decodeOgg(file, i, opts);
      ({ sampleRate, totalSamples, metadata } = i);
      headerChannels = i.channels;
      format = i.codec;
    } else {
      const i = await readMp3Info(file);
      decoded = await decodeMp3(file, i, opts);
      ({ sampleRate, totalSamples, metadata } = i);
      headerChannels = i.channels;
      format = 'mp3';
    }
    const frames = decoded.channels[0]?.length ?? 0;
    const complete = opts.maxSeconds === undefined || frames < Math.ceil(opts.maxSeconds * sampleRate);
    // Decoding to the end measures the length exactly; a cut-off decode trusts the header.
    const durationSec = (complete ? frames : Math.max(totalSamples, frames)) / sampleRate;
    const warnings = [...decoded.warnings, ...silenceNonFinite(decoded.channels)];
    // What was decoded is what is reported: a header claiming 8 channels over stereo audio stays stereo.
    if (decoded.channels.length !== headerChannels) warnings.push(`the header says ${headerChannels} channels but the audio decodes as ${decoded.channels.length}`);
    return { format, sampleRate, channels: decoded.channels, bitDepth, durationSec, metadata, warnings };
  });
}

/**
 * A float WAV can hold NaN or infinity (a crashed plug-in, a bad render), and a 64-bit float
 * beyond float32's range becomes infinity here. One such sample poisons every vector computed
 * from its window, so each is set to silence where it stands, counted, and the count returned
 * as a warning: the rest of the sound stays usable and the note says what was changed.
 */
function silenceNonFinite(channels: Float32Array[]): string[] {
  let bad = 0;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      // x - x is 0 for every finite x and NaN for NaN and ±Infinity: one test for both.
      if (ch[i] - ch[i] !== 0) {
        ch[i] = 0;
        bad++;
      }
    }
  }
  if (bad === 0) return [];
  return [`${bad} sample${bad === 1 ? ' was' : 's were'} not a number (NaN) or infinite and ${bad === 1 ? 'was' : 'were'} set to silence`];
}

/** Mean of the channels: the mono signal the QVIM front end expects. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0].slice();
  const n = channels[0].length;
  const out = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) out[i] += ch[i];
  const scale = 1 / channels.length;
  for (let i = 0; i < n; i++) out[i] *= scale;
  return out;
}

/** The QVIM input signal: mono, 32 kHz. Everything that embeds a sound gets its samples here. */
export async function loadMono32k(path: string, opts: DecodeOptions = {}): Promise<{ samples: Float32Array; decoded: Omit<DecodedAudio, 'channels'> }> {
  const { channels, ...decoded } = await decodeAudio(path, opts);
  const mono = downmix(channels);
  const samples = resample(mono, decoded.sampleRate, MODEL_SAMPLE_RATE);
  // maxSeconds counts at the source rate; rounding up there can leave one extra output sample.
  const limit = opts.maxSeconds === undefined ? samples.length : Math.ceil(opts.maxSeconds * MODEL_SAMPLE_RATE);
  return { samples: samples.length > limit ? samples.slice(0, limit) : samples, decoded };
}
