import { fieldText, fourCC, type AudioFile } from './audio-file.ts';
import type { PcmHeader, PcmLayout } from './pcm.ts';
import type { SoundMetadata } from './types.ts';

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Codec names for the tags people actually meet, so the error can say what the file is. */
const KNOWN_CODECS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0006: 'A-law',
  0x0007: 'µ-law',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0050: 'MPEG audio',
  0x0055: 'MP3',
  0x0161: 'Windows Media Audio',
  0x2000: 'AC-3',
};

/** Metadata chunks larger than this are skipped rather than read into memory. */
const MAX_METADATA_BYTES = 4 << 20;

/** Chunk headers walked at most; real files have a handful (fmt, data, bext, iXML, LIST, cue, JUNK...). */
const MAX_CHUNKS = 4096;
const READ_AHEAD_BYTES = 64 << 10;

export async function readWavHeader(file: AudioFile): Promise<PcmHeader> {
  const head = await file.read(0, 12);
  if (head.length < 12) throw file.fail('truncated', 'the file ends inside the RIFF header');
  if (fourCC(head, 0) !== 'RIFF' || fourCC(head, 8) !== 'WAVE') throw file.fail('not-audio', 'this is not a RIFF WAVE file');
  const riffSize = head.readUInt32LE(4);
  // A RIFF size too small to hold any chunk is a writer's bug; walk the whole file instead.
  const walkEnd = riffSize > 12 ? Math.min(file.size, 8 + riffSize + (riffSize & 1)) : file.size;

  let fmt: Buffer | undefined;
  let data: { offset: number; size: number } | undefined;
  const metadata: SoundMetadata = {};
  const headers = new ChunkHeaders(file);
  let pos = 12;
  // Some writers put metadata after the data chunk, so walk every chunk header (never the audio
  // itself), through a read-ahead buffer and at most MAX_CHUNKS of them: a file of a million empty
  // chunks must cost a few block reads, not a million (it took 54 s for 8 MB).
  for (let walked = 0; pos + 8 <= walkEnd; walked++) {
    if (walked === MAX_CHUNKS) {
      if (fmt && data) break;
      throw file.fail('corrupt', `the WAV file has more than ${MAX_CHUNKS} chunks before its audio; no real recorder writes that`);
    }
    const ch = await headers.read(pos, 8);
    const id = fourCC(ch, 0);
    if (!/^[\x20-\x7e]{4}$/.test(id)) break;
    const size = ch.readUInt32LE(4);
    const body = pos + 8;
    if (id === 'data') {
      data = { offset: body, size };
    } else if (id === 'fmt ') {
      if (body + Math.min(size, 16) > file.size) throw file.fail('truncated', 'the file ends inside the WAV format (fmt) chunk');
      fmt = await file.read(body, Math.min(size, 64));
    } else if (size <= MAX_METADATA_BYTES && (id === 'bext' || id === 'iXML' || id === 'LIST')) {
      readMetadataChunk(id, await file.read(body, size), metadata);
    }
    pos = await nextChunk(headers, body, size);
  }

  if (!fmt) throw file.fail(data ? 'corrupt' : 'truncated', 'the WAV file has no format (fmt) chunk before its end');
  const { layout, bitDepth, sampleRate } = parseFmt(file, fmt);
  if (!data) throw file.fail('truncated', 'the WAV file has no data chunk: it ends after its header');
  if (data.size === 0) throw file.fail('empty-file', 'the WAV data chunk holds no audio');

  const frameBytes = layout.channels * layout.bytesPerSample;
  const present = Math.max(0, Math.min(data.size, file.size - data.offset));
  const frames = Math.floor(present / frameBytes);
  const claimed = Math.floor(data.size / frameBytes);
  const warnings: string[] = [];
  if (frames === 0) throw file.fail('truncated', `the header promises ${describeBytes(data.size)} of audio but the file ends before the first sample frame`);
  if (frames < claimed) {
    warnings.push(`the file is truncated: the header promises ${(claimed / sampleRate).toFixed(2)} s but only ${(frames / sampleRate).toFixed(2)} s are present`);
  }
  return { format: 'wav', sampleRate, layout, bitDepth, dataOffset: data.offset, frames, metadata, warnings };
}

/**
 * RIFF pads odd-sized chunks to even length, but some writers forget; trust the padding only
 * when a plausible chunk id follows it.
 */
async function nextChunk(headers: ChunkHeaders, body: number, size: number): Promise<number> {
  const unpadded = body + size;
  if ((size & 1) === 0) return unpadded;
  const probe = await headers.read(unpadded, 5);
  const padOk = probe.length >= 5 && /^[\x20-\x7e]{4}$/.test(probe.toString('latin1', 1, 5));
  const rawOk = probe.length >= 4 && /^[\x20-\x7e]{4}$/.test(probe.toString('latin1', 0, 4));
  return rawOk && !padOk ? unpadded : unpadded + 1;
}

/** Chunk headers through a 64 KiB read-ahead: small chunks are read once a block, big ones are jumped over. */
class ChunkHeaders {
  private start = 0;
  private block: Buffer = Buffer.alloc(0);

  constructor(private readonly file: AudioFile) {}

  async read(pos: number, length: number): Promise<Buffer> {
    if (pos < this.start || pos + length > this.start + this.block.length) {
      this.start = pos;
      this.block = await this.file.read(pos, Math.max(length, READ_AHEAD_BYTES));
    }
    return this.block.subarray(pos - this.start, pos - this.start + length);
  }
}

function parseFmt(file: AudioFile, fmt: Buffer): { layout: PcmLayout; bitDepth: number; sampleRate: number } {
  if (fmt.length < 16) throw file.fail('corrupt', 'the WAV format chunk is too short');
  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const containerBits = fmt.readUInt16LE(14);
  let bitDepth = containerBits;
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) throw file.fail('corrupt', 'the WAVE_FORMAT_EXTENSIBLE header is too short');
    const valid = fmt.readUInt16LE(18);
    if (valid > 0 && valid <= containerBits) bitDepth = valid;
    tag = fmt.readUInt16LE(24);
  }
  if (channels === 0) throw file.fail('corrupt', 'the WAV header says the sound has 0 channels');
  if (sampleRate < 1000 || sampleRate > 1_536_000) throw file.fail('corrupt', `the WAV header gives an impossible sample rate (${sampleRate} Hz)`);
  const float = tag === WAVE_FORMAT_IEEE_FLOAT;
  if (tag !== WAVE_FORMAT_PCM && !float) {
    const name = KNOWN_CODECS[tag] ?? `codec 0x${tag.toString(16).padStart(4, '0')}`;
    throw file.fail('unsupported-format', `the WAV file is encoded as ${name}; only PCM and floating-point WAV are supported`);
  }
  const okBits = float ? [32, 64] : [8, 16, 24, 32];
  if (!okBits.includes(containerBits)) {
    throw file.fail('unsupported-format', `${containerBits}-bit ${float ? 'floating-point' : 'PCM'} WAV is not supported`);
  }
  const bytesPerSample = containerBits / 8;
  if (blockAlign !== 0 && blockAlign !== channels * bytesPerSample) {
    throw file.fail('corrupt', `the WAV header is inconsistent (block align ${blockAlign} for ${channels} × ${containerBits}-bit)`);
  }
  return { layout: { channels, bytesPerSample, float, bigEndian: false, unsigned8: true }, bitDepth, sampleRate };
}

function readMetadataChunk(id: string, body: Buffer, metadata: SoundMetadata): void {
  if (id === 'bext') {
    // EBU Tech 3285: Description[256] Originator[32] OriginatorReference[32] OriginationDate[10] ...
    assign(metadata, 'description', fieldText(body, 0, 256));
    assign(metadata, 'originator', fieldText(body, 256, 288));
    assign(metadata, 'originationDate', fieldText(body, 320, 330));
  } else if (id === 'iXML') {
    assign(metadata, 'ixml', fieldText(body, 0, body.length));
  } else if (body.length >= 4 && fourCC(body, 0) === 'INFO') {
    for (let p = 4; p + 8 <= body.length; ) {
      const sub = fourCC(body, p);
      const size = body.readUInt32LE(p + 4);
      const text = fieldText(body, p + 8, p + 8 + size);
      if (sub === 'INAM') assign(metadata, 'title', text);
      else if (sub === 'IART') assign(metadata, 'artist', text);
      else if (sub === 'ICMT') assign(metadata, 'comment', text);
      p += 8 + size + (size & 1);
    }
  }
}

export function assign(metadata: SoundMetadata, key: keyof SoundMetadata, value: string | undefined): void {
  if (value !== undefined && metadata[key] === undefined) metadata[key] = value;
}

function describeBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MB`;
  return `${n} bytes`;
}
