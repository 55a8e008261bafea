/** The container/codec families Onomato decodes, named by what the bytes are, not the extension. */
export type AudioFormat = 'wav' | 'aiff' | 'flac' | 'mp3' | 'ogg-vorbis' | 'opus';

/** Descriptive text a sound designer (or their library vendor) put into the file. */
export interface SoundMetadata {
  description?: string;
  originator?: string;
  originationDate?: string;
  ixml?: string;
  title?: string;
  artist?: string;
  comment?: string;
}

/** What a header-only read can tell about a file. */
export interface AudioInfo {
  format: AudioFormat;
  sampleRate: number;
  channels: number;
  /** Bits per stored sample for PCM/FLAC; null for lossy codecs. */
  bitDepth: number | null;
  /** Length of the whole file in seconds. */
  durationSec: number;
  metadata: SoundMetadata;
}

export interface DecodedAudio {
  format: AudioFormat;
  sampleRate: number;
  channels: Float32Array[];
  bitDepth: number | null;
  /** Length of the whole file, even when maxSeconds stopped decoding early. */
  durationSec: number;
  metadata: SoundMetadata;
  /** Problems that did not stop decoding (e.g. a truncated tail); empty when the file is sound. */
  warnings: string[];
}

export interface DecodeOptions {
  /** Decode only the start of the file; the rest is never read. */
  maxSeconds?: number;
  signal?: AbortSignal;
}
