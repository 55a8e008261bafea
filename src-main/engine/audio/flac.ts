import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { framesWanted, throwIfAborted, type AudioFile } from './audio-file.ts';
import { vorbisComments } from './vorbis-comments.ts';
import { SampleCollector, withDecoder } from './wasm-decoders.ts';
import type { DecodeOptions, SoundMetadata } from './types.ts';

export interface FlacStreamInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 when the encoder did not know the length (streamed FLAC). */
  totalSamples: number;
  minFrameSize: number;
  audioOffset: number;
  metadata: SoundMetadata;
}

/** Parse the fLaC metadata blocks (STREAMINFO, VORBIS_COMMENT); the audio is not touched. */
export async function readFlacInfo(file: AudioFile, start: number): Promise<FlacStreamInfo> {
  let pos = start + 4;
  let info: Omit<FlacStreamInfo, 'audioOffset' | 'metadata'> | undefined;
  let metadata: SoundMetadata = {};
  for (let last = false; !last; ) {
    const h = await file.read(pos, 4);
    if (h.length < 4) throw file.fail('truncated', 'the FLAC file ends inside its metadata');
    last = (h[0] & 0x80) !== 0;
    const type = h[0] & 0x7f;
    const size = h.readUIntBE(1, 3);
    if (type === 0) {
      const b = await file.read(pos + 4, 34);
      if (b.length < 34) throw file.fail('truncated', 'the FLAC file ends inside its STREAMINFO block');
      const sampleRate = (b[10] << 12) | (b[11] << 4) | (b[12] >> 4);
      info = {
        sampleRate,
        channels: ((b[12] >> 1) & 7) + 1,
        bitsPerSample: (((b[12] & 1) << 4) | (b[13] >> 4)) + 1,
        totalSamples: (b[13] & 0x0f) * 2 ** 32 + b.readUInt32BE(14),
        minFrameSize: b.readUIntBE(4, 3),
      };
      if (sampleRate === 0) throw file.fail('corrupt', 'the FLAC STREAMINFO gives a sample rate of 0 Hz');
    } else if (type === 4 && size < 1 << 20) {
      metadata = vorbisComments(await file.read(pos + 4, size), 0);
    } else if (type === 127) {
      throw file.fail('corrupt', 'the FLAC metadata is damaged');
    }
    pos += 4 + size;
  }
  if (!info) throw file.fail('corrupt', 'the FLAC file has no STREAMINFO block');
  if (pos >= file.size) throw file.fail('truncated', 'the FLAC file ends after its metadata, before any audio');
  return { ...info, audioOffset: pos, metadata };
}

const CRC8 = new Uint8Array(256);
const CRC16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c8 = i;
  let c16 = i << 8;
  for (let b = 0; b < 8; b++) {
    c8 = c8 & 0x80 ? ((c8 << 1) ^ 0x07) & 0xff : (c8 << 1) & 0xff;
    c16 = c16 & 0x8000 ? ((c16 << 1) ^ 0x8005) & 0xffff : (c16 << 1) & 0xffff;
  }
  CRC8[i] = c8;
  CRC16[i] = c16;
}

interface FrameHeader {
  blockSize: number;
  /** Frame number (fixed block size) or first sample number (variable block size). */
  number: number;
  variable: boolean;
}

/** The frame header at `p` if one is there (sync, sane fields, CRC-8), else undefined. */
function frameHeaderAt(b: Uint8Array, p: number): FrameHeader | undefined {
  if (p + 6 > b.length || b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) return undefined;
  const bsCode = b[p + 2] >> 4;
  const srCode = b[p + 2] & 0x0f;
  const chCode = b[p + 3] >> 4;
  if (bsCode === 0 || srCode === 15 || chCode > 10 || ((b[p + 3] >> 1) & 7) === 3 || b[p + 3] & 1) return undefined;
  let q = p + 4;
  // The frame/sample number is UTF-8-like coded: the leading ones of its first byte count the bytes.
  const lead = b[q];
  const extra = lead < 0x80 ? 0 : lead >= 0xfe ? 6 : lead >= 0xfc ? 5 : lead >= 0xf8 ? 4 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : -1;
  if (extra < 0 || q + extra >= b.length) return undefined;
  let number = extra === 0 ? lead : lead & (0x3f >> extra);
  for (let i = 1; i <= extra; i++) number = number * 64 + (b[q + i] & 0x3f);
  q += 1 + extra;
  let blockSize: number;
  if (bsCode === 1) blockSize = 192;
  else if (bsCode <= 5) blockSize = 576 << (bsCode - 2);
  else if (bsCode === 6) blockSize = (b[q++] ?? 0) + 1;
  else if (bsCode === 7) blockSize = ((b[q++] ?? 0) << 8) + (b[q++] ?? 0) + 1;
  else blockSize = 256 << (bsCode - 8);
  if (srCode === 12) q += 1;
  else if (srCode === 13 || srCode === 14) q += 2;
  if (q >= b.length) return undefined;
  let crc = 0;
  for (let i = p; i < q; i++) crc = CRC8[crc ^ b[i]];
  return crc === b[q] ? { blockSize, number, variable: (b[p + 1] & 1) === 1 } : undefined;
}

function footerOk(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8) return false;
  let crc = 0;
  for (let i = start; i < end - 2; i++) crc = ((crc << 8) & 0xffff) ^ CRC16[(crc >> 8) ^ b[i]];
  return crc === ((b[end - 2] << 8) | b[end - 1]);
}

/**
 * Where the frame starting at `p` ends, or -1. A following header that carries the next frame
 * number is trusted at once (libFLAC checks the CRC-16 while decoding); any other candidate must
 * make the span pass the CRC-16, which is how we resynchronise after damage.
 */
function frameEnd(b: Uint8Array, p: number, h: FrameHeader, minSize: number, atEof: boolean): number {
  const next = h.variable ? h.number + h.blockSize : h.number + 1;
  for (let q = p + Math.max(minSize, 8); q + 1 < b.length; q++) {
    if (b[q] !== 0xff || (b[q + 1] & 0xfe) !== 0xf8) continue;
    const n = frameHeaderAt(b, q);
    if (n && ((n.number === next && n.variable === h.variable) || footerOk(b, p, q))) return q;
  }
  return atEof && footerOk(b, p, b.length) ? b.length : -1;
}

const READ_BYTES = 1 << 20;
/** Longest a FLAC frame can be in practice; beyond this a frame without a valid end is damage. */
const MAX_FRAME_BYTES = 1 << 20;

/**
 * Split the stream into frames ourselves (header CRC-8 + footer CRC-16) and hand whole frames to
 * libFLAC: that keeps the last frame (codec-parser drops it), lets us stop at maxSeconds, and
 * tells truncation from corruption.
 */
export async function decodeFlac(file: AudioFile, info: FlacStreamInfo, opts: DecodeOptions): Promise<{ channels: Float32Array[]; warnings: string[] }> {
  const total = info.totalSamples > 0 ? info.totalSamples : Number.POSITIVE_INFINITY;
  const wanted = framesWanted(total, info.sampleRate, opts.maxSeconds);
  const warnings: string[] = [];
  const out = new SampleCollector(info.channels, wanted, info.totalSamples);
  await withDecoder('flac', () => new FLACDecoder(), 'reset', async (decoder) => {
    let buf: Uint8Array = new Uint8Array(0);
    let filePos = info.audioOffset;
    let skipped = 0;
    let damaged = 0;
    while (out.frames < wanted) {
      throwIfAborted(opts.signal, file.path);
      const chunk = await file.read(filePos, READ_BYTES);
      filePos += chunk.length;
      const eof = filePos >= file.size;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const frames: Uint8Array[] = [];
      let p = 0;
      let samples = 0;
      while (p < buf.length && out.frames + samples < wanted) {
        const h = frameHeaderAt(buf, p);
        if (!h) {
          p++;
          skipped++;
          continue;
        }
        const end = frameEnd(buf, p, h, info.minFrameSize, eof);
        if (end < 0) {
          if (!eof && buf.length - p < MAX_FRAME_BYTES) break;
          if (eof) {
            warnings.push(`the file is truncated: its last FLAC frame is incomplete`);
            p = buf.length;
            break;
          }
          p++;
          skipped++;
          continue;
        }
        frames.push(buf.subarray(p, end));
        samples += h.blockSize;
        p = end;
      }
      if (frames.length) {
        const r = await decoder.decodeFrames(frames);
        out.add(r.channelData);
        if (r.errors.length) damaged += r.errors.length;
      }
      buf = buf.subarray(p);
      if (eof) break;
    }
    if (skipped > 0) warnings.push(`${skipped} damaged bytes were skipped`);
    if (damaged > 0) warnings.push(`${damaged} damaged FLAC frames could not be decoded`);
  });
  if (out.frames === 0) throw file.fail('truncated', 'the FLAC file holds no complete audio frame');
  if (info.totalSamples > 0 && out.frames < wanted) {
    warnings.push(`the file is truncated: the header promises ${(info.totalSamples / info.sampleRate).toFixed(2)} s but only ${(out.frames / info.sampleRate).toFixed(2)} s decode`);
  }
  const channels = out.take();
  // libFLAC's float output divides by 2^(bits-1) - 1; WAV, AIFF and the writer use 2^(bits-1).
  // Recover the integers and rescale so a FLAC and its WAV decode to identical samples.
  const decoderScale = 2 ** (info.bitsPerSample - 1) - 1;
  const ours = 1 / 2 ** (info.bitsPerSample - 1);
  for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] = Math.round(ch[i] * decoderScale) * ours;
  return { channels, warnings };
}
