import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { EngineError, type ErrorKind } from './errors.ts';

// Opening a FIFO for reading blocks until a writer appears, and holds one of libuv's four
// pool threads while it waits; O_NONBLOCK makes the open return at once so fstat can refuse it.
// Windows has no FIFOs in the file system and no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function whatItIs(s: Stats): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens a file for reading only if it is a regular file: a pipe, a device (/dev/zero), a socket
 * or a folder is refused by what the opened descriptor is, not by what the path looked like a
 * moment before. `kind` is the error kind a refusal carries (a sound file that is a pipe is
 * 'not-audio'). The caller owns the handle.
 */
export async function openRegularFile(path: string, kind: ErrorKind = 'invalid-argument'): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new EngineError(kind, 'is a folder, not a regular file', { file: path, cause: e });
    throw EngineError.from(e, path);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new EngineError(kind, `is ${whatItIs(stats)}, not a regular file`, { file: path });
    return { handle, size: stats.size };
  } catch (e) {
    await handle.close();
    throw EngineError.from(e, path);
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(bytes < 1 << 20 ? 2 : 0)} MiB`;
}

/**
 * Reads a whole regular file of at most `maxBytes`. The bound holds even if the file grows
 * while it is read: no more than `maxBytes + 1` bytes are ever asked for.
 */
export async function readRegularFile(path: string, maxBytes: number, what = 'file'): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path);
  try {
    const tooLarge = () => new EngineError('too-large', `this ${what} is larger than the ${mib(maxBytes)} Onomato reads for it`, { file: path });
    if (size > maxBytes) throw tooLarge();
    const buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > maxBytes) throw tooLarge();
    return buf.subarray(0, got);
  } catch (e) {
    throw EngineError.from(e, path);
  } finally {
    await handle.close();
  }
}
