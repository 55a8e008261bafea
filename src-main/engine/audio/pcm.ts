/** How interleaved samples are stored in a WAV or AIFF data chunk. */
export interface PcmLayout {
  channels: number;
  /** Bytes per sample in the container (a 24-bit sample in a 32-bit slot counts 4). */
  bytesPerSample: number;
  float: boolean;
  bigEndian: boolean;
  /** WAV stores 8-bit samples unsigned, AIFF signed. */
  unsigned8: boolean;
}

/**
 * De-interleave `frames` frames from `bytes` into `out` starting at frame `at`.
 * One loop per layout keeps the hot path free of per-sample branching.
 */
export function pcmToFloat(bytes: Buffer, layout: PcmLayout, out: Float32Array[], at: number, frames: number): void {
  const { channels: nch, bytesPerSample: bps, float, bigEndian } = layout;
  const stride = nch * bps;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let c = 0; c < nch; c++) {
    const dst = out[c];
    let p = c * bps;
    const end = at + frames;
    if (float && bps === 4) {
      for (let i = at; i < end; i++, p += stride) dst[i] = view.getFloat32(p, !bigEndian);
    } else if (float && bps === 8) {
      for (let i = at; i < end; i++, p += stride) dst[i] = view.getFloat64(p, !bigEndian);
    } else if (bps === 1) {
      if (layout.unsigned8) for (let i = at; i < end; i++, p += stride) dst[i] = (bytes[p] - 128) / 128;
      else for (let i = at; i < end; i++, p += stride) dst[i] = ((bytes[p] << 24) >> 24) / 128;
    } else if (bps === 2) {
      if (bigEndian) for (let i = at; i < end; i++, p += stride) dst[i] = (((bytes[p] << 24) >> 16) | bytes[p + 1]) / 32768;
      else for (let i = at; i < end; i++, p += stride) dst[i] = (((bytes[p + 1] << 24) >> 16) | bytes[p]) / 32768;
    } else if (bps === 3) {
      if (bigEndian)
        for (let i = at; i < end; i++, p += stride) dst[i] = (((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8)) >> 8) / 8388608;
      else
        for (let i = at; i < end; i++, p += stride) dst[i] = (((bytes[p + 2] << 24) | (bytes[p + 1] << 16) | (bytes[p] << 8)) >> 8) / 8388608;
    } else {
      for (let i = at; i < end; i++, p += stride) dst[i] = view.getInt32(p, !bigEndian) / 2147483648;
    }
  }
}

import { checkDecodeSize, framesWanted, throwIfAborted, type AudioFile } from './audio-file.ts';
import type { DecodeOptions, SoundMetadata } from './types.ts';

/** What a WAV or AIFF header says, checked against the real file size. */
export interface PcmHeader {
  format: 'wav' | 'aiff';
  sampleRate: number;
  layout: PcmLayout;
  /** Meaningful bits per sample (a 24-bit sample in a 32-bit slot reports 24). */
  bitDepth: number;
  dataOffset: number;
  /** Whole frames actually present in the file. */
  frames: number;
  metadata: SoundMetadata;
  /** Set when the header promises more audio than the file holds. */
  warnings: string[];
}

const READ_CHUNK_BYTES = 1 << 20;

export async function readPcmData(file: AudioFile, header: PcmHeader, opts: DecodeOptions): Promise<Float32Array[]> {
  const frames = framesWanted(header.frames, header.sampleRate, opts.maxSeconds);
  const { layout } = header;
  checkDecodeSize(file, frames, layout.channels);
  const out = Array.from({ length: layout.channels }, () => new Float32Array(frames));
  const frameBytes = layout.channels * layout.bytesPerSample;
  const framesPerRead = Math.max(1, Math.floor(READ_CHUNK_BYTES / frameBytes));
  for (let done = 0; done < frames; ) {
    throwIfAborted(opts.signal, file.path);
    const n = Math.min(framesPerRead, frames - done);
    const bytes = await file.read(header.dataOffset + done * frameBytes, n * frameBytes);
    const got = Math.floor(bytes.length / frameBytes);
    pcmToFloat(bytes, layout, out, done, got);
    if (got < n) throw file.fail('truncated', 'the file shrank while it was being read');
    done += n;
  }
  return out;
}
