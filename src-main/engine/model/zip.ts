import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createInflateRaw, inflateRawSync } from 'node:zlib';
import { EngineError } from '../errors.ts';

/**
 * The project's one ZIP reader. It reads PyTorch checkpoints (torch.save writes every entry stored,
 * but a user who re-zipped one may hand us deflated entries) and unpacks downloaded datasets (deflated,
 * thousands of WAVs, and past 4 GiB a ZIP64 archive). Only the central directory is read into memory;
 * a dataset's entries stream through zlib to disk, so a multi-gigabyte archive costs a few megabytes.
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  crc32: number;
  /** Unix mode in the high 16 bits when the archive was made on Unix (symbolic links are refused). */
  externalAttributes: number;
  madeBy: number;
}

/** Where the archive's bytes come from: memory (a checkpoint) or an open file (a dataset download). */
interface ByteSource {
  readonly length: number;
  read(at: number, length: number): Uint8Array;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record is at most 22 bytes plus a 64 KiB comment from the end of the file. */
const TAIL = 22 + 0xffff + 20;

export class ZipArchive {
  readonly entries: Map<string, ZipEntry>;
  private readonly source: ByteSource;
  private readonly file: string;

  constructor(bytes: Uint8Array, file: string);
  constructor(source: ByteSource, file: string);
  constructor(bytesOrSource: Uint8Array | ByteSource, file: string) {
    this.source = bytesOrSource instanceof Uint8Array ? memorySource(bytesOrSource) : bytesOrSource;
    this.file = file;
    this.entries = this.readCentralDirectory();
  }

  /** The archive's size in bytes, for the compression-ratio limit. */
  get byteLength(): number {
    return this.source.length;
  }

  /** Reads a ZIP file's directory without loading the file; `close` releases it. */
  static openFile(path: string): ZipArchive & { close(): void } {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw EngineError.from(cause, path);
    }
    try {
      const length = fstatSync(fd).size;
      const source: ByteSource = {
        length,
        read(at, n) {
          const buffer = new Uint8Array(Math.max(0, Math.min(n, length - at)));
          let done = 0;
          while (done < buffer.length) {
            const got = readSync(fd, buffer, done, buffer.length - done, at + done);
            if (got === 0) break;
            done += got;
          }
          return buffer.subarray(0, done);
        },
      };
      const archive = new ZipArchive(source, path);
      return Object.assign(archive, { close: () => closeSync(fd) });
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** One entry's contents in memory (checkpoint tensors); datasets go through `unpackZip` instead. */
  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw this.fail(`the archive has no entry "${name}"`);
    const start = this.dataStart(entry);
    const raw = this.source.read(start, entry.compressedSize);
    if (raw.length < entry.compressedSize) throw this.fail(`the entry "${name}" runs past the end of the file (the file looks truncated)`);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      try {
        return new Uint8Array(inflateRawSync(raw));
      } catch (cause) {
        throw new EngineError('model', `the entry "${name}" is not valid deflate data`, { file: this.file, cause });
      }
    }
    throw this.unsupportedMethod(entry);
  }

  /** Offset of an entry's (compressed) data: after its local header, whose name and extra lengths may differ from the directory's. */
  dataStart(entry: ZipEntry): number {
    const at = entry.localHeaderOffset;
    const header = this.source.read(at, 30);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (header.length < 30 || view.getUint32(0, true) !== LOCAL) {
      throw this.fail(`the entry "${entry.name}" points outside the file or at a damaged header (the file looks truncated)`);
    }
    const start = at + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    if (start + entry.compressedSize > this.source.length) throw this.fail(`the entry "${entry.name}" runs past the end of the file (the file looks truncated)`);
    return start;
  }

  unsupportedMethod(entry: ZipEntry): EngineError {
    return this.fail(`the entry "${entry.name}" uses ZIP compression method ${entry.method}, which Onomato cannot read (only stored and deflate)`);
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const { source } = this;
    const { at: eocd, bytes: tail, base } = this.findEndRecord();
    const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    const local = eocd - base;
    let count = tv.getUint16(local + 10, true);
    let size = tv.getUint32(local + 12, true);
    let offset = tv.getUint32(local + 16, true);
    // ZIP64: the classic record holds 0xFFFF/0xFFFFFFFF and the real numbers sit in the ZIP64 record,
    // found through the locator just before the classic record.
    if (local >= 20 && tv.getUint32(local - 20, true) === ZIP64_LOCATOR) {
      const at = u64(tv, local - 20 + 8, () => this.fail('a ZIP64 offset is out of range'));
      const record = source.read(at, 56);
      const rv = new DataView(record.buffer, record.byteOffset, record.byteLength);
      if (record.length < 56 || rv.getUint32(0, true) !== ZIP64_EOCD) throw this.fail('the ZIP64 directory record is damaged');
      const bad = () => this.fail('a ZIP64 size is out of range');
      count = u64(rv, 32, bad);
      size = u64(rv, 40, bad);
      offset = u64(rv, 48, bad);
    }
    if (offset + size > source.length) throw this.fail('the ZIP directory lies past the end of the file (the file looks truncated)');

    const directory = source.read(offset, size);
    const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
    const decoder = new TextDecoder();
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > directory.length || view.getUint32(p, true) !== CENTRAL) throw this.fail('the ZIP directory is damaged');
      const madeBy = view.getUint16(p + 4, true);
      const flags = view.getUint16(p + 8, true);
      const method = view.getUint16(p + 10, true);
      const crc = view.getUint32(p + 16, true);
      let compressedSize = view.getUint32(p + 20, true);
      let uncompressedSize = view.getUint32(p + 24, true);
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      const externalAttributes = view.getUint32(p + 38, true);
      let localHeaderOffset = view.getUint32(p + 42, true);
      if (p + 46 + nameLength + extraLength > directory.length) throw this.fail('the ZIP directory is damaged');
      const name = decoder.decode(directory.subarray(p + 46, p + 46 + nameLength));
      // ZIP64 extended information: present only for the fields that overflowed, in this order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          const bad = () => this.fail(`the ZIP64 sizes of "${name}" are damaged`);
          let q = e + 4;
          const end = Math.min(e + 4 + len, extraEnd);
          const next = (): number => {
            if (q + 8 > end) throw bad();
            const v = u64(view, q, bad);
            q += 8;
            return v;
          };
          if (uncompressedSize === 0xffffffff) uncompressedSize = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        e += 4 + len;
      }
      entries.set(name, { name, method, flags, compressedSize, size: uncompressedSize, localHeaderOffset, crc32: crc, externalAttributes, madeBy });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  private findEndRecord(): { at: number; bytes: Uint8Array; base: number } {
    const { source } = this;
    if (source.length < 22) throw this.fail('the file is too short to be a ZIP archive');
    const base = Math.max(0, source.length - TAIL);
    const bytes = source.read(base, source.length - base);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let p = bytes.length - 22; p >= 0; p--) {
      if (view.getUint32(p, true) === EOCD) return { at: base + p, bytes, base };
    }
    const head = source.read(0, 4);
    const looksZip = head.length === 4 && new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) === LOCAL;
    throw this.fail(looksZip ? 'the ZIP archive is truncated (no end-of-directory record)' : 'not a ZIP archive');
  }

  private fail(message: string): EngineError {
    return new EngineError('model', message, { file: this.file });
  }
}

function memorySource(bytes: Uint8Array): ByteSource {
  return { length: bytes.length, read: (at, n) => bytes.subarray(Math.min(at, bytes.length), Math.min(at + n, bytes.length)) };
}

function u64(view: DataView, at: number, fail: () => EngineError): number {
  if (at + 8 > view.byteLength) throw fail();
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw fail();
  return Number(value);
}

// ---------------------------------------------------------------------------------------------------
// Unpacking a downloaded archive

export interface UnpackLimits {
  /** Refuse an archive whose entries add up to more than this many bytes unpacked. */
  maxUnpackedBytes: number;
  /** Refuse an archive that would unpack to more than this many times its own size. */
  maxRatio: number;
}

/** Generous for sound files (WAV deflates by 1.1-3x), far below what a zip bomb needs (deflate reaches 1,032x). */
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { maxUnpackedBytes: 16 * 2 ** 30, maxRatio: 100 };

export interface UnpackOptions {
  limits?: UnpackLimits;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/**
 * A relative path made only of plain names, or the reason it is refused. ZIP names use `/`; a
 * backslash, a drive letter, a leading `/` or a `..` segment would let an archive write outside
 * the folder it is unpacked into.
 */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'has an empty name';
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (name.includes('\\')) return 'has a backslash in its name (a Windows path that could climb out of the folder)';
  if (name.startsWith('/')) return 'has an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter';
  if (name.split('/').some((part) => part === '..')) return 'climbs out of the folder with ".."';
  return undefined;
}

/**
 * Unpacks `zipPath` into `destDir`, which must not exist yet. Everything is checked before a byte is
 * written (names, sizes, the ratio limit), then written into a temporary folder beside `destDir` that
 * is renamed into place only when every entry has unpacked and matched its CRC-32, so a failed,
 * cancelled or killed unpack never leaves a folder that looks complete. Returns the files written.
 */
export async function unpackZip(zipPath: string, destDir: string, opts: UnpackOptions = {}): Promise<number> {
  const limits = opts.limits ?? DEFAULT_UNPACK_LIMITS;
  const dest = resolve(destDir);
  if (await exists(dest)) throw new EngineError('invalid-argument', 'the folder to unpack into already exists', { file: dest });
  const zip = ZipArchive.openFile(zipPath);
  const fail = (message: string, kind: 'corrupt' | 'too-large' | 'unsupported-format' = 'corrupt') => new EngineError(kind, message, { file: zipPath });
  const temp = `${dest}.unpacking-${process.pid}`;
  try {
    const entries = [...zip.entries.values()];
    let total = 0;
    for (const entry of entries) {
      const unsafe = unsafeEntryName(entry.name);
      if (unsafe) throw fail(`the entry "${entry.name}" ${unsafe}; the archive is refused and nothing was unpacked`);
      const unixMode = entry.madeBy >> 8 === 3 ? entry.externalAttributes >>> 16 : 0;
      if ((unixMode & 0o170000) === 0o120000) throw fail(`the entry "${entry.name}" is a symbolic link, which Onomato does not unpack; nothing was unpacked`);
      if (entry.flags & 1) throw fail(`the entry "${entry.name}" is encrypted, which Onomato cannot unpack`, 'unsupported-format');
      if (entry.method !== 0 && entry.method !== 8) throw zip.unsupportedMethod(entry);
      total += entry.size;
    }
    if (total > limits.maxUnpackedBytes) {
      throw fail(`the archive would unpack to ${formatBytes(total)}, more than the ${formatBytes(limits.maxUnpackedBytes)} allowed; it is refused as a possible zip bomb and nothing was unpacked`, 'too-large');
    }
    const packed = Math.max(1, zip.byteLength);
    if (total > 1024 * 1024 && total / packed > limits.maxRatio) {
      throw fail(`the archive would unpack to ${Math.round(total / packed)} times its own size (more than ${limits.maxRatio}x); it is refused as a possible zip bomb and nothing was unpacked`, 'too-large');
    }

    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { recursive: true });
    let done = 0;
    let files = 0;
    for (const entry of entries) {
      opts.signal?.throwIfAborted();
      const target = join(temp, ...entry.name.split('/').filter((p) => p !== '' && p !== '.'));
      if (target !== temp && !target.startsWith(temp + sep)) throw fail(`the entry "${entry.name}" would land outside the folder`);
      if (entry.name.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      const start = zip.dataStart(entry);
      const check = new EntryCheck(entry, zipPath, (n) => {
        done += n;
        opts.onProgress?.(done, total);
      });
      // createReadStream cannot read zero bytes (its `end` is inclusive), so an empty entry reads from nothing.
      const raw = entry.compressedSize === 0 ? Readable.from([]) : createReadStream(zipPath, { start, end: start + entry.compressedSize - 1 });
      const stages = entry.method === 8 ? [raw, createInflateRaw(), check] : [raw, check];
      try {
        await pipeline([...stages, createWriteStream(target)], { signal: opts.signal });
      } catch (cause) {
        if (cause instanceof EngineError) throw cause;
        if (opts.signal?.aborted) throw new EngineError('cancelled', 'the unpacking was cancelled; nothing was kept', { file: zipPath });
        const text = (cause as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (cause as Error).message;
        throw fail(`the entry "${entry.name}" could not be unpacked (${text})`);
      }
      files++;
    }
    await rename(temp, dest);
    return files;
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  } finally {
    zip.close();
  }
}

/** Counts and checksums an entry as it streams, and stops it the moment it outgrows its stated size. */
class EntryCheck extends Transform {
  private written = 0;
  private crc = 0;

  constructor(private readonly entry: ZipEntry, private readonly file: string, private readonly onBytes: (n: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.written += chunk.length;
    if (this.written > this.entry.size) {
      callback(new EngineError('too-large', `the entry "${this.entry.name}" unpacks to more than the ${this.entry.size} bytes its header states; the archive is refused as a possible zip bomb`, { file: this.file }));
      return;
    }
    this.crc = crc32(chunk, this.crc);
    this.onBytes(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.written !== this.entry.size) {
      callback(new EngineError('corrupt', `the entry "${this.entry.name}" unpacks to ${this.written} bytes where its header states ${this.entry.size} (the archive is damaged)`, { file: this.file }));
    } else if (this.crc >>> 0 !== this.entry.crc32 >>> 0) {
      callback(new EngineError('corrupt', `the entry "${this.entry.name}" fails its CRC-32 check (the archive is damaged)`, { file: this.file }));
    } else {
      callback();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
