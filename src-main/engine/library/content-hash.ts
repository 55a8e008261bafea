import { createHash } from 'node:crypto';
import { openSoundFile } from '../audio/audio-file.ts';

/** Files up to this size are hashed whole; larger ones by samples of their bytes. */
const WHOLE_LIMIT = 1 << 20;
const SAMPLE = 64 * 1024;

/**
 * A fingerprint of a file's bytes that recognises a moved or renamed sound without decoding it.
 * Large files are hashed by their size plus 64 KiB from the start, middle and end: reading a
 * 2 GB recording whole to notice a rename would cost more than the rename saves, and two
 * different recordings of equal length that agree in all three places do not occur in practice
 * (the header alone carries the length and format, and the samples differ).
 */
export async function contentHash(path: string): Promise<string> {
  const { handle, size } = await openSoundFile(path);
  try {
    const hash = createHash('sha1');
    hash.update(`${size}:`);
    const spans = size <= WHOLE_LIMIT ? [[0, size]] : [[0, SAMPLE], [Math.floor(size / 2) - SAMPLE / 2, SAMPLE], [size - SAMPLE, SAMPLE]];
    for (const [offset, length] of spans) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      hash.update(buf.subarray(0, got));
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
