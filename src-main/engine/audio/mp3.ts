import { MPEGDecoder } from 'mpg123-decoder';
import { framesWanted, throwIfAborted, type AudioFile } from './audio-file.ts';
import { SampleCollector, withDecoder } from './wasm-decoders.ts';
import type { DecodeOptions, SoundMetadata } from './types.ts';

interface FrameHeader {
  sampleRate: number;
  channels: number;
  bytes: number;
  samples: number;
  mpeg1: boolean;
}

const BITRATES = {
  v1l1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  v1l2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  v1l3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2l1: [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  v2l23: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES = [44100, 48000, 32000];

export function mpegFrameAt(b: Uint8Array, p: number): FrameHeader | undefined {
  if (p + 4 > b.length || b[p] !== 0xff || (b[p + 1] & 0xe0) !== 0xe0) return undefined;
  const version = (b[p + 1] >> 3) & 3; // 0 = 2.5, 2 = 2, 3 = 1
  const layer = (b[p + 1] >> 1) & 3; // 1 = III, 2 = II, 3 = I
  const brIndex = b[p + 2] >> 4;
  const srIndex = (b[p + 2] >> 2) & 3;
  if (version === 1 || layer === 0 || brIndex === 0 || brIndex === 15 || srIndex === 3) return undefined;
  const mpeg1 = version === 3;
  const sampleRate = RATES[srIndex] / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const table = mpeg1 ? (layer === 3 ? BITRATES.v1l1 : layer === 2 ? BITRATES.v1l2 : BITRATES.v1l3) : layer === 3 ? BITRATES.v2l1 : BITRATES.v2l23;
  const bitrate = table[brIndex] * 1000;
  const pad = (b[p + 2] >> 1) & 1;
  const bytes = layer === 3 ? (Math.floor((12 * bitrate) / sampleRate) + pad) * 4 : Math.floor(((layer === 1 && !mpeg1 ? 72 : 144) * bitrate) / sampleRate) + pad;
  const samples = layer === 3 ? 384 : layer === 1 && !mpeg1 ? 576 : 1152;
  return { sampleRate, channels: b[p + 3] >> 6 === 3 ? 1 : 2, bytes, samples, mpeg1 };
}

export interface Mp3Info {
  sampleRate: number;
  channels: number;
  audioOffset: number;
  totalSamples: number;
  metadata: SoundMetadata;
}

/** Length of a leading ID3v2 tag (0 if none). */
export function id3Length(b: Buffer): number {
  if (b.length < 10 || b.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + size + (b[5] & 0x10 ? 10 : 0);
}

/** First offset at or after `from` where two consecutive MPEG frame headers agree (one at EOF). */
export function firstFrame(b: Uint8Array, from: number, limit: number): number {
  for (let p = from; p < Math.min(b.length, limit); p++) {
    const h = mpegFrameAt(b, p);
    if (!h) continue;
    const next = mpegFrameAt(b, p + h.bytes);
    if (next ? next.sampleRate === h.sampleRate : p + h.bytes === b.length) return p;
  }
  return -1;
}

const HEAD_BYTES = 1 << 16;
const SCAN_BYTES = 1 << 20;

export async function readMp3Info(file: AudioFile): Promise<Mp3Info> {
  const start = await file.read(0, 10);
  const tagLen = id3Length(start);
  const metadata = tagLen > 0 ? id3Metadata(await file.read(0, Math.min(tagLen, 1 << 20))) : {};
  const head = await file.read(tagLen, HEAD_BYTES);
  const first = firstFrame(head, 0, 4096);
  if (first < 0) throw file.fail('corrupt', 'no MPEG audio frame was found near the start of the file');
  const h = mpegFrameAt(head, first) as FrameHeader;
  const audioOffset = tagLen + first;
  const totalSamples = xingSamples(head, first, h) ?? (await scanFrames(file, audioOffset));
  return { sampleRate: h.sampleRate, channels: h.channels, audioOffset, totalSamples, metadata };
}

/** Sample count from a Xing/Info (with LAME gapless trim) or VBRI header in the first frame. */
function xingSamples(b: Buffer, p: number, h: FrameHeader): number | undefined {
  const side = h.mpeg1 ? (h.channels === 1 ? 17 : 32) : h.channels === 1 ? 9 : 17;
  const x = p + 4 + side;
  const tag = b.toString('latin1', x, x + 4);
  if ((tag === 'Xing' || tag === 'Info') && x + 12 <= b.length) {
    const flags = b.readUInt32BE(x + 4);
    if (!(flags & 1)) return undefined;
    const frames = b.readUInt32BE(x + 8);
    const lame = x + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
    let trim = 0;
    if (lame + 24 <= b.length && /^(LAME|Lavc|Lavf)/.test(b.toString('latin1', lame, lame + 4))) {
      const d = b.readUIntBE(lame + 21, 3);
      trim = (d >> 12) + (d & 0xfff);
    }
    return Math.max(0, frames * h.samples - trim);
  }
  const v = p + 36;
  if (b.toString('latin1', v, v + 4) === 'VBRI' && v + 18 <= b.length) return b.readUInt32BE(v + 14) * h.samples;
  return undefined;
}

/** Constant-bit-rate files carry no frame count: walk the frame headers (never the audio). */
async function scanFrames(file: AudioFile, from: number): Promise<number> {
  let samples = 0;
  let pos = from;
  while (pos < file.size) {
    const b = await file.read(pos, SCAN_BYTES);
    let p = 0;
    while (p + 4 <= b.length) {
      const h = mpegFrameAt(b, p);
      if (!h) {
        p++;
        continue;
      }
      if (p + h.bytes > b.length && pos + b.length < file.size) break;
      samples += h.samples;
      p += h.bytes;
    }
    if (p === 0) break;
    pos += p;
  }
  return samples;
}

function id3Metadata(b: Buffer): SoundMetadata {
  const metadata: SoundMetadata = {};
  const major = b[3];
  if (major !== 3 && major !== 4) return metadata;
  for (let p = 10; p + 10 <= b.length; ) {
    const id = b.toString('latin1', p, p + 4);
    if (!/^[A-Z0-9]{4}$/.test(id)) break;
    const size = major === 4 ? ((b[p + 4] & 0x7f) << 21) | ((b[p + 5] & 0x7f) << 14) | ((b[p + 6] & 0x7f) << 7) | (b[p + 7] & 0x7f) : b.readUInt32BE(p + 4);
    const body = b.subarray(p + 10, Math.min(b.length, p + 10 + size));
    const key = id === 'TIT2' ? 'title' : id === 'TPE1' ? 'artist' : id === 'COMM' ? 'comment' : undefined;
    if (key && body.length > 1 && metadata[key] === undefined) {
      const text = id3Text(body[0], body.subarray(id === 'COMM' ? 4 : 1));
      // COMM holds "short description\0text".
      const value = id === 'COMM' ? text.split('\0').slice(1).join('') || text : text;
      if (value.replace(/\0/g, '').trim()) metadata[key] = value.replace(/\0/g, '').trim();
    }
    p += 10 + size;
  }
  return metadata;
}

function id3Text(encoding: number, b: Buffer): string {
  if (encoding === 3) return b.toString('utf8');
  if (encoding === 1 || encoding === 2) return new TextDecoder(encoding === 2 ? 'utf-16be' : 'utf-16').decode(b);
  return b.toString('latin1');
}

const READ_BYTES = 1 << 18;

export async function decodeMp3(file: AudioFile, info: Mp3Info, opts: DecodeOptions): Promise<{ channels: Float32Array[]; warnings: string[] }> {
  const wanted = framesWanted(info.totalSamples || Number.POSITIVE_INFINITY, info.sampleRate, opts.maxSeconds);
  const out = new SampleCollector(info.channels, wanted, info.totalSamples);
  let errors = 0;
  await withDecoder('mp3', () => new MPEGDecoder(), 'reset', async (decoder) => {
    for (let pos = info.audioOffset; pos < file.size && out.frames < wanted; ) {
      throwIfAborted(opts.signal, file.path);
      const chunk = await file.read(pos, READ_BYTES);
      pos += chunk.length;
      const r = decoder.decode(chunk);
      out.add(r.channelData);
      errors += r.errors.length;
    }
  });
  if (out.frames === 0) throw file.fail('corrupt', 'no MPEG audio frame in the file could be decoded');
  const warnings = errors > 0 ? [`${errors} damaged MPEG frames were skipped`] : [];
  if (info.totalSamples > 0 && out.frames < wanted - info.sampleRate * 0.05) {
    warnings.push(`the file is truncated: the header promises ${(info.totalSamples / info.sampleRate).toFixed(2)} s but only ${(out.frames / info.sampleRate).toFixed(2)} s decode`);
  }
  return { channels: out.take(), warnings };
}
