import { realpath, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isWithin } from './paths.ts';
import { openRegularFile } from './regular-file.ts';

/**
 * A file the renderer may load or download, already open: transports stream from `handle` and
 * never open `path` again, so what was checked is what is sent. Whoever receives it closes it.
 */
export interface MediaFile {
  handle: FileHandle;
  /** The real path of the opened file. */
  path: string;
  /** The name to offer a download under. */
  name: string;
  size: number;
  mime: string;
}

/** How a transport names a library-owned file: a sound or take by id, an export by its path in the exports folder. */
export interface MediaName {
  kind: 'sound' | 'take' | 'export';
  id: string;
}

const AUDIO_MIME: Record<string, string> = {
  wav: 'audio/wav', wave: 'audio/wav', bwf: 'audio/wav',
  aif: 'audio/aiff', aiff: 'audio/aiff', aifc: 'audio/aiff',
  flac: 'audio/flac', mp3: 'audio/mpeg', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg',
};

export function audioMime(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return AUDIO_MIME[ext] ?? 'application/octet-stream';
}

/**
 * Opens `path` only if the file it names now is a regular file whose real path lies inside one
 * of `folders` (themselves resolved to real paths); otherwise null. The check is made on the
 * opened descriptor: on Linux its real path is read back through /proc/self/fd, and on every
 * system the real path must still name the very inode that was opened, so a link swapped in
 * between the check and the read cannot point the read elsewhere.
 */
export async function openWithin(path: string, folders: readonly string[]): Promise<{ handle: FileHandle; path: string; size: number } | null> {
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(path);
  } catch {
    return null;
  }
  const { handle, size } = opened;
  try {
    // Without /proc (some sandboxes), the path's real path, held to the same inode below, serves as well.
    const real = process.platform === 'linux' ? await realpath(`/proc/self/fd/${handle.fd}`).catch(() => realpath(path)) : await realpath(path);
    const [now, held] = await Promise.all([stat(real, { bigint: true }), handle.stat({ bigint: true })]);
    const realFolders = await Promise.all(folders.map((f) => realpath(f).catch(() => null)));
    if (now.dev === held.dev && now.ino === held.ino && realFolders.some((f) => f !== null && isWithin(f, real))) {
      return { handle, path: real, size };
    }
  } catch {
    // Deleted or moved while being checked: not servable.
  }
  await handle.close();
  return null;
}

export type ByteRange = { status: 200; start: 0; end: number } | { status: 206; start: number; end: number } | { status: 416 };

/** The part of a `size`-byte file an HTTP Range header asks for (one range; anything else is the whole file). */
export function byteRange(size: number, header: string | null | undefined): ByteRange {
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(header ?? ''));
  if (!range || size === 0 || (!range[1] && !range[2])) return { status: 200, start: 0, end: size - 1 };
  const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
  const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start > end || start >= size) return { status: 416 };
  return { status: 206, start, end };
}

/** The headers both transports answer a media request with, for the part of the file being sent. */
export function mediaHeaders(file: MediaFile, range: ByteRange & { status: 200 | 206 }): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': file.mime,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'Content-Length': String(file.size === 0 ? 0 : range.end - range.start + 1),
    'X-Content-Type-Options': 'nosniff',
  };
  if (range.status === 206) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${file.size}`;
  return headers;
}
