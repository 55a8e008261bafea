import { fieldText, fourCC, type AudioFile } from './audio-file.ts';
import type { PcmHeader, PcmLayout } from './pcm.ts';
import type { SoundMetadata } from './types.ts';
import { assign } from './wav.ts';

const MAX_METADATA_BYTES = 1 << 20;

/** AIFC compression types that are plain PCM or float in disguise. */
function aifcLayout(compression: string, bits: number): Omit<PcmLayout, 'channels'> | undefined {
  const bytesPerSample = Math.ceil(bits / 8);
  switch (compression) {
    case 'NONE':
    case 'twos':
      return { bytesPerSample, float: false, bigEndian: true, unsigned8: false };
    case 'sowt':
      return { bytesPerSample, float: false, bigEndian: false, unsigned8: false };
    case 'raw ':
      return bits === 8 ? { bytesPerSample: 1, float: false, bigEndian: true, unsigned8: true } : undefined;
    case 'fl32':
    case 'FL32':
      return { bytesPerSample: 4, float: true, bigEndian: true, unsigned8: false };
    case 'fl64':
    case 'FL64':
      return { bytesPerSample: 8, float: true, bigEndian: true, unsigned8: false };
    default:
      return undefined;
  }
}

export async function readAiffHeader(file: AudioFile): Promise<PcmHeader> {
  const head = await file.read(0, 12);
  if (head.length < 12) throw file.fail('truncated', 'the file ends inside the AIFF header');
  const kind = fourCC(head, 8);
  if (fourCC(head, 0) !== 'FORM' || (kind !== 'AIFF' && kind !== 'AIFC')) throw file.fail('not-audio', 'this is not an AIFF file');

  let comm: Buffer | undefined;
  let ssnd: { offset: number; size: number } | undefined;
  const metadata: SoundMetadata = {};
  for (let pos = 12; pos + 8 <= file.size; ) {
    const ch = await file.read(pos, 8);
    const id = fourCC(ch, 0);
    if (!/^[\x20-\x7e]{4}$/.test(id)) break;
    const size = ch.readUInt32BE(4);
    const body = pos + 8;
    if (id === 'COMM') comm = await file.read(body, Math.min(size, 512));
    else if (id === 'SSND') ssnd = { offset: body, size };
    else if (size <= MAX_METADATA_BYTES && (id === 'NAME' || id === 'AUTH' || id === 'ANNO')) {
      const text = fieldText(await file.read(body, size), 0, size);
      assign(metadata, id === 'NAME' ? 'title' : id === 'AUTH' ? 'artist' : 'comment', text);
    }
    pos = body + size + (size & 1);
  }
  if (!comm || comm.length < 18) throw file.fail(ssnd ? 'corrupt' : 'truncated', 'the AIFF file has no complete COMM (format) chunk');
  const channels = comm.readUInt16BE(0);
  const claimedFrames = comm.readUInt32BE(2);
  const bits = comm.readUInt16BE(6);
  const sampleRate = Math.round(readExtended(comm, 8));
  const compression = kind === 'AIFC' && comm.length >= 22 ? fourCC(comm, 18) : 'NONE';
  if (channels === 0) throw file.fail('corrupt', 'the AIFF header says the sound has 0 channels');
  if (!(sampleRate >= 1000 && sampleRate <= 1_536_000)) throw file.fail('corrupt', `the AIFF header gives an impossible sample rate (${sampleRate} Hz)`);
  const layout = aifcLayout(compression, bits);
  if (!layout) throw file.fail('unsupported-format', `the AIFC file is compressed as '${compression.trim()}'; only uncompressed and floating-point AIFF are supported`);
  if (!layout.float && (bits < 1 || bits > 32)) throw file.fail('corrupt', `the AIFF header gives an impossible sample size (${bits} bits)`);
  if (claimedFrames === 0) throw file.fail('empty-file', 'the AIFF file holds no audio (0 sample frames)');
  if (!ssnd) throw file.fail('truncated', 'the AIFF file has no sound data (SSND) chunk');

  // SSND starts with an 8-byte offset/blockSize header; the offset skips alignment padding.
  const lead = await file.read(ssnd.offset, 8);
  if (lead.length < 8) throw file.fail('truncated', 'the file ends inside the AIFF sound data header');
  const dataOffset = ssnd.offset + 8 + lead.readUInt32BE(0);
  const frameBytes = channels * layout.bytesPerSample;
  const present = Math.max(0, Math.min(file.size, ssnd.offset + ssnd.size) - dataOffset);
  const frames = Math.min(claimedFrames, Math.floor(present / frameBytes));
  if (frames === 0) throw file.fail('truncated', 'the AIFF file ends before its first sample frame');
  const warnings =
    frames < claimedFrames
      ? [`the file is truncated: the header promises ${(claimedFrames / sampleRate).toFixed(2)} s but only ${(frames / sampleRate).toFixed(2)} s are present`]
      : [];
  const bitDepth = layout.float ? layout.bytesPerSample * 8 : bits;
  return { format: 'aiff', sampleRate, layout: { channels, ...layout }, bitDepth, dataOffset, frames, metadata, warnings };
}

/** The 80-bit IEEE 754 extended float AIFF uses for its sample rate. */
export function readExtended(buf: Buffer, offset: number): number {
  const exp = buf.readUInt16BE(offset) & 0x7fff;
  const sign = buf[offset] & 0x80 ? -1 : 1;
  const hi = buf.readUInt32BE(offset + 2);
  const lo = buf.readUInt32BE(offset + 6);
  if (exp === 0 && hi === 0 && lo === 0) return 0;
  return sign * (hi * 2 ** (exp - 16383 - 31) + lo * 2 ** (exp - 16383 - 63));
}
