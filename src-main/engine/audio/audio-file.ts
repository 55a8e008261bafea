import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from '../regular-file.ts';
import { EngineError, type ErrorKind } from '../errors.ts';

/**
 * A sound file opened for random access: parsers read headers and then only the byte
 * ranges they need, so a one-hour recording costs only what is actually decoded.
 */
export class AudioFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<AudioFile> {
    const { handle, size } = await openSoundFile(path);
    return new AudioFile(path, handle, size);
  }

  /** Up to `length` bytes at `offset`; shorter only at the end of the file. */
  async read(offset: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - offset));
    const buf = Buffer.allocUnsafe(wanted);
    let got = 0;
    while (got < wanted) {
      const { bytesRead } = await this.handle.read(buf, got, wanted - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === wanted ? buf : buf.subarray(0, got);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  fail(kind: ErrorKind, sentence: string, cause?: unknown): EngineError {
    return new EngineError(kind, sentence, { file: this.path, cause });
  }
}

/**
 * A sound file's descriptor, opened without blocking and only if it is a regular file
 * (regular-file.ts): a FIFO swapped in after a scan listed the path would otherwise wait for a
 * writer for ever on a thread of libuv's pool. What is refused is 'not-audio' here.
 */
export async function openSoundFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  try {
    return await openRegularFile(path);
  } catch (err) {
    if (err instanceof EngineError && err.kind === 'invalid-argument') {
      throw new EngineError('not-audio', `this ${err.message.slice(path.length + 2)}, so it is not read as a sound`, { file: path });
    }
    throw err;
  }
}

export function throwIfAborted(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'decoding was cancelled', { file: path });
}

/** Float32 samples held at once; beyond this a decode would exhaust memory rather than fail cleanly. */
export const MAX_DECODED_SAMPLES = 2 ** 28;

export function checkDecodeSize(file: AudioFile, frames: number, channels: number): void {
  if (frames * channels > MAX_DECODED_SAMPLES) {
    const gb = ((frames * channels * 4) / 2 ** 30).toFixed(1);
    throw file.fail('too-large', `decoding it whole would need ${gb} GB of memory; decode a shorter part (maxSeconds)`);
  }
}

/** Frames to decode when the caller wants at most `maxSeconds`. */
export function framesWanted(totalFrames: number, sampleRate: number, maxSeconds: number | undefined): number {
  if (maxSeconds === undefined || !Number.isFinite(maxSeconds)) return totalFrames;
  return Math.min(totalFrames, Math.max(0, Math.ceil(maxSeconds * sampleRate)));
}

export function fourCC(buf: Buffer, offset: number): string {
  return buf.toString('latin1', offset, offset + 4);
}

/** Text fields in RIFF/AIFF/BWF are NUL-padded and often Latin-1; strip the padding. */
export function fieldText(buf: Buffer, start: number, end: number): string | undefined {
  const slice = buf.subarray(start, Math.min(end, buf.length));
  const nul = slice.indexOf(0);
  const raw = slice.subarray(0, nul === -1 ? slice.length : nul);
  const text = (isUtf8(raw) ? raw.toString('utf8') : raw.toString('latin1')).trim();
  return text.length > 0 ? text : undefined;
}

function isUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}
