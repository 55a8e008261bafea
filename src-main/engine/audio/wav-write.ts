import { writeFileAtomic } from '../atomic-write.ts';
import { EngineError } from '../errors.ts';

export interface WavToWrite {
  channels: Float32Array[];
  sampleRate: number;
  bitDepth: 16 | 24 | 32;
  /** Write 32-bit IEEE float instead of integer PCM (bitDepth must then be 32). */
  float?: boolean;
  /** Stored in a BWF bext chunk, where DAWs and SFX managers show it. */
  description?: string;
  originator?: string;
}

const BEXT_SIZE = 602;

/**
 * Write a WAV file atomically: the bytes go to a temporary file next to the target, are synced
 * to disk and only then renamed over it, so a crash or a full disk never leaves half a file.
 */
export async function writeWav(path: string, audio: WavToWrite): Promise<void> {
  await writeFileAtomic(path, encodeWav(path, audio));
}

function encodeWav(path: string, audio: WavToWrite): Buffer {
  const { channels, sampleRate, bitDepth } = audio;
  const float = audio.float === true;
  const bad = (why: string): EngineError => new EngineError('invalid-argument', why, { file: path });
  if (channels.length === 0 || channels.length > 65535) throw bad(`a WAV file needs 1 to 65535 channels, not ${channels.length}`);
  if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw bad(`the sample rate must be a positive whole number of Hz, not ${sampleRate}`);
  if (![16, 24, 32].includes(bitDepth) || (float && bitDepth !== 32)) throw bad(`cannot write ${float ? 'floating-point' : 'PCM'} WAV at ${bitDepth} bits`);
  const frames = channels[0].length;
  if (channels.some((c) => c.length !== frames)) throw bad('all channels must have the same length');
  const bytesPerSample = bitDepth / 8;
  const dataSize = frames * channels.length * bytesPerSample;
  const hasBext = audio.description !== undefined || audio.originator !== undefined;
  const headerSize = 12 + 24 + (hasBext ? 8 + BEXT_SIZE : 0) + 8;
  if (headerSize + dataSize > 0xffffffff) throw new EngineError('too-large', 'the sound is too long for a WAV file (over 4 GB)', { file: path });

  const b = Buffer.alloc(headerSize + dataSize);
  let p = 0;
  const id = (s: string): void => void (p = b.write(s, p, 'latin1') + p);
  id('RIFF');
  p = b.writeUInt32LE(headerSize + dataSize - 8, p);
  id('WAVE');
  id('fmt ');
  p = b.writeUInt32LE(16, p);
  p = b.writeUInt16LE(float ? 3 : 1, p);
  p = b.writeUInt16LE(channels.length, p);
  p = b.writeUInt32LE(sampleRate, p);
  p = b.writeUInt32LE(sampleRate * channels.length * bytesPerSample, p);
  p = b.writeUInt16LE(channels.length * bytesPerSample, p);
  p = b.writeUInt16LE(bitDepth, p);
  if (hasBext) {
    id('bext');
    p = b.writeUInt32LE(BEXT_SIZE, p);
    writeField(b, p, 256, audio.description);
    writeField(b, p + 256, 32, audio.originator);
    const now = new Date().toISOString();
    b.write(now.slice(0, 10), p + 320, 'latin1');
    b.write(now.slice(11, 19), p + 330, 'latin1');
    b.writeUInt16LE(1, p + 346); // BWF version 1: no loudness fields
    p += BEXT_SIZE;
  }
  id('data');
  p = b.writeUInt32LE(dataSize, p);
  writeSamples(b, p, channels, bitDepth, float);
  return b;
}

/** NUL-padded field; UTF-8 cut at a character boundary so it never ends in half a character. */
function writeField(b: Buffer, at: number, size: number, text: string | undefined): void {
  if (!text) return;
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > size) {
    let cut = size;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  bytes.copy(b, at);
}

function writeSamples(b: Buffer, at: number, channels: Float32Array[], bitDepth: number, float: boolean): void {
  const nch = channels.length;
  const frames = channels[0].length;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stride = nch * (bitDepth / 8);
  // Full-scale is 2^(bits-1), matching the reader, so integer samples survive a round trip exactly.
  const scale = 2 ** (bitDepth - 1);
  const max = scale - 1;
  for (let c = 0; c < nch; c++) {
    const src = channels[c];
    let p = at + c * (bitDepth / 8);
    if (float) {
      for (let i = 0; i < frames; i++, p += stride) view.setFloat32(p, src[i], true);
      continue;
    }
    for (let i = 0; i < frames; i++, p += stride) {
      const v = Math.max(-scale, Math.min(max, Math.round(src[i] * scale)));
      if (bitDepth === 16) view.setInt16(p, v, true);
      else if (bitDepth === 32) view.setInt32(p, v, true);
      else {
        b[p] = v & 0xff;
        b[p + 1] = (v >> 8) & 0xff;
        b[p + 2] = (v >> 16) & 0xff;
      }
    }
  }
}
