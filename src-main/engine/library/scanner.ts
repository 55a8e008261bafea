import { opendir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { EngineError } from '../errors.ts';

export interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface FolderScan {
  files: FoundFile[];
  /** Non-audio, hidden and system files passed over. */
  skipped: number;
  /** Sub-folders or files that could not be read (permissions, races with deletion). */
  unreadable: { path: string; reason: string }[];
}

/** Names operating systems and archivers leave in sound folders; never sounds. */
const SYSTEM_NAMES = new Set(['thumbs.db', 'desktop.ini', '.ds_store', '__macosx', '$recycle.bin', 'system volume information', '.trashes', '.spotlight-v100', '.fseventsd']);

/** Hidden (dot) files, AppleDouble `._x` files and OS bookkeeping files and folders. */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_NAMES.has(name.toLowerCase());
}

/** Whether a file name has one of the audio extensions (lower-case, with the dot). */
export function hasAudioExtension(name: string, extensions: ReadonlySet<string>): boolean {
  return extensions.has(extname(name).toLowerCase());
}

/**
 * Walks a folder recursively and lists the audio files in it with their size and modification
 * time (what the incremental index compares). Symbolic links to folders are not followed, so a
 * link loop cannot trap the scan; links to files are listed under the link's path. Folders in
 * `skip` (Onomato's own data folder, whose takes and renders must never become library sounds)
 * are passed over wherever they lie.
 */
export async function scanFolder(root: string, extensions: ReadonlySet<string>, signal?: AbortSignal, skip: readonly string[] = []): Promise<FolderScan> {
  try {
    const s = await stat(root);
    if (!s.isDirectory()) throw new EngineError('invalid-argument', 'this is not a folder', { file: root });
  } catch (err) {
    throw EngineError.from(err, root);
  }
  const out: FolderScan = { files: [], skipped: 0, unreadable: [] };
  const stack = [root];
  while (stack.length > 0) {
    if (signal?.aborted) throw new EngineError('cancelled', 'the scan was cancelled');
    const dir = stack.pop()!;
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch (err) {
      out.unreadable.push({ path: dir, reason: unreadable(err, dir) });
      continue;
    }
    for await (const entry of handle) {
      const path = join(dir, entry.name);
      if (isIgnoredName(entry.name)) {
        out.skipped++;
        continue;
      }
      if (entry.isDirectory()) {
        if (skip.includes(path)) out.skipped++;
        else stack.push(path);
        continue;
      }
      if (!(entry.isFile() || entry.isSymbolicLink()) || !hasAudioExtension(entry.name, extensions)) {
        out.skipped++;
        continue;
      }
      try {
        const s = await stat(path);
        if (!s.isFile()) { out.skipped++; continue; }
        out.files.push({ path, size: s.size, mtimeMs: Math.round(s.mtimeMs) });
      } catch (err) {
        out.unreadable.push({ path, reason: unreadable(err, path) });
      }
    }
  }
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

/**
 * Why a listed entry could not be read. On Linux a name is any bytes; one that is not valid UTF-8
 * comes out of the listing with U+FFFD in it, and that path then "does not exist": say what is
 * really wrong, and what to do.
 */
function unreadable(err: unknown, path: string): string {
  const e = EngineError.from(err, path);
  if (e.kind === 'not-found' && path.includes('\uFFFD')) {
    return `${path}: its name is not valid UTF-8 text (each \uFFFD stands for bytes that are not), so it cannot be opened; rename it`;
  }
  return e.message;
}
