import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { fourCC, framesWanted, throwIfAborted, type AudioFile } from './audio-file.ts';
import { vorbisComments } from './vorbis-comments.ts';
import { SampleCollector, withDecoder } from './wasm-decoders.ts';
import type { DecodeOptions, SoundMetadata } from './types.ts';

export interface OggInfo {
  codec: 'ogg-vorbis' | 'opus';
  /** Rate of the decoded audio (Opus always decodes at 48 kHz). */
  sampleRate: number;
  channels: number;
  /** Samples in the whole stream from the last page's granule position; 0 if unknown. */
  totalSamples: number;
  /** False when the stream lacks its end-of-stream page: the file was cut short. */
  complete: boolean;
  /**
   * Where the last whole page ends. A page cut off by a truncation is not decoded: its checksum
   * cannot hold, and the decoder turned it into garbage audio that made a cut file "longer".
   */
  dataEnd: number;
  metadata: SoundMetadata;
}

const OPUS_RATE = 48000;
const HEAD_BYTES = 1 << 16;
const TAIL_BYTES = 1 << 16;

interface Page {
  flags: number;
  granule: bigint;
  serial: number;
  segments: number[];
  bodyOffset: number;
  end: number;
}

function pageAt(b: Buffer, p: number): Page | undefined {
  if (p + 27 > b.length || fourCC(b, p) !== 'OggS' || b[p + 4] !== 0) return undefined;
  const n = b[p + 26];
  if (p + 27 + n > b.length) return undefined;
  const segments = Array.from(b.subarray(p + 27, p + 27 + n));
  const bodyOffset = p + 27 + n;
  return {
    flags: b[p + 5],
    granule: b.readBigInt64LE(p + 6),
    serial: b.readUInt32LE(p + 14),
    segments,
    bodyOffset,
    end: bodyOffset + segments.reduce((a, s) => a + s, 0),
  };
}

/** The first two packets of the first logical stream (identification and comment headers). */
function headerPackets(b: Buffer): { packets: Buffer[]; serial: number } | undefined {
  const first = pageAt(b, 0);
  if (!first) return undefined;
  const packets: Buffer[] = [];
  let current: Buffer[] = [];
  for (let page: Page | undefined = first; page && packets.length < 2; page = pageAt(b, page.end)) {
    if (page.serial !== first.serial) continue;
    let q = page.bodyOffset;
    for (const seg of page.segments) {
      current.push(b.subarray(q, Math.min(q + seg, b.length)));
      q += seg;
      if (seg < 255) {
        packets.push(Buffer.concat(current));
        current = [];
        if (packets.length === 2) break;
      }
    }
  }
  return { packets, serial: first.serial };
}

export async function readOggInfo(file: AudioFile): Promise<OggInfo> {
  const head = await file.read(0, HEAD_BYTES);
  const headers = headerPackets(head);
  const id = headers?.packets[0];
  if (!headers || !id) throw file.fail('corrupt', 'the Ogg file has no readable first page');
  let codec: OggInfo['codec'];
  let sampleRate: number;
  let channels: number;
  let preSkip = 0;
  if (id.length >= 16 && id[0] === 1 && id.toString('latin1', 1, 7) === 'vorbis') {
    codec = 'ogg-vorbis';
    channels = id[11];
    sampleRate = id.readUInt32LE(12);
  } else if (id.length >= 19 && id.toString('latin1', 0, 8) === 'OpusHead') {
    codec = 'opus';
    channels = id[9];
    preSkip = id.readUInt16LE(10);
    sampleRate = OPUS_RATE;
  } else if (id.length >= 5 && id.toString('latin1', 1, 5) === 'FLAC') {
    throw file.fail('unsupported-format', 'FLAC inside an Ogg container is not supported; re-save it as a plain .flac file');
  } else {
    throw file.fail('unsupported-format', 'the Ogg file holds neither Vorbis nor Opus audio');
  }
  if (channels === 0 || sampleRate === 0) throw file.fail('corrupt', 'the Ogg stream header gives 0 channels or a 0 Hz sample rate');
  const tags = headers.packets[1];
  const metadata =
    codec === 'opus'
      ? tags && tags.toString('latin1', 0, 8) === 'OpusTags' ? vorbisComments(tags, 8) : {}
      : tags && tags[0] === 3 ? vorbisComments(tags, 7) : {};

  // The stream length is the granule position of its last page: read only the file's tail.
  const tailStart = Math.max(0, file.size - TAIL_BYTES);
  const tail = await file.read(tailStart, TAIL_BYTES);
  // Only whole pages count: a page the end of the file cuts off promises audio that is not there.
  let granule = -1n;
  let complete = false;
  let dataEnd = -1;
  for (let p = tail.lastIndexOf('OggS'); p >= 0; p = p > 0 ? tail.lastIndexOf('OggS', p - 1) : -1) {
    const page = pageAt(tail, p);
    if (!page || page.end > tail.length) continue;
    if (dataEnd < 0) dataEnd = tailStart + page.end;
    if (page.serial !== headers.serial || page.granule < 0n) continue;
    granule = page.granule;
    complete = (page.flags & 4) !== 0;
    break;
  }
  // No whole page in the tail (one page larger than the tail, or noise): leave the end to the decoder.
  if (dataEnd < 0) dataEnd = file.size;
  const totalSamples = granule > 0n ? Math.max(0, Number(granule) - preSkip) : 0;
  return { codec, sampleRate, channels, totalSamples, complete, dataEnd, metadata };
}

const READ_BYTES = 1 << 18;

/**
 * Why nothing decoded: if the bytes are well-formed Ogg pages up to the end of the file (or up to a
 * page the end cuts off), the file was cut short; anything else in between is damage.
 */
async function cutOrDamaged(file: AudioFile): Promise<'truncated' | 'corrupt'> {
  const b = await file.read(0, 1 << 20);
  let p = 0;
  for (let page = pageAt(b, 0); page; page = pageAt(b, p)) p = page.end;
  const rest = b.subarray(p);
  const cutPage = rest.length < 27 ? 'OggS'.startsWith(rest.toString('latin1', 0, 4)) : fourCC(rest, 0) === 'OggS';
  return p >= b.length || cutPage ? 'truncated' : 'corrupt';
}

export async function decodeOgg(file: AudioFile, info: OggInfo, opts: DecodeOptions): Promise<{ channels: Float32Array[]; warnings: string[] }> {
  const wanted = framesWanted(Number.POSITIVE_INFINITY, info.sampleRate, opts.maxSeconds);
  const out = new SampleCollector(info.channels, wanted, info.totalSamples);
  const warnings: string[] = [];
  const decodeAll = async (decoder: OggVorbisDecoder | OggOpusDecoder): Promise<void> => {
    let pos = 0;
    while (pos < info.dataEnd && out.frames < wanted) {
      throwIfAborted(opts.signal, file.path);
      const chunk = await file.read(pos, Math.min(READ_BYTES, info.dataEnd - pos));
      pos += chunk.length;
      const r = await decoder.decode(chunk);
      out.add(r.channelData);
      if (r.errors.length) warnings.push(...r.errors.map((e) => `decoder: ${e.message}`));
    }
    // flush() also resets the decoder for the next file, so it runs even after an early stop.
    out.add((await decoder.flush()).channelData);
  };
  if (info.codec === 'opus') await withDecoder('opus', () => new OggOpusDecoder(), 'none', decodeAll);
  else await withDecoder('vorbis', () => new OggVorbisDecoder(), 'none', decodeAll);
  if (out.frames === 0) {
    const kind = await cutOrDamaged(file);
    throw file.fail(kind, kind === 'truncated' ? 'the Ogg file ends before its first whole page of audio' : 'the Ogg file is damaged: no audio packet in it could be decoded');
  }
  if (!info.complete) warnings.push('the file is truncated: the Ogg stream has no end-of-stream page');
  return { channels: out.take(), warnings: [...new Set(warnings)] };
}
