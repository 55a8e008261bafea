import { inflateRawSync } from 'node:zlib';
import { EngineError } from '../errors.ts';

/**
 * Just enough of ZIP to read a PyTorch checkpoint: torch.save writes every entry stored (uncompressed,
 * 64-byte aligned), but a user who re-zipped a checkpoint may hand us deflated entries, so those are
 * inflated too. The whole file is in memory: checkpoints are tens of megabytes, and torch reads
 * them the same way.
 */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipArchive {
  readonly entries: Map<string, ZipEntry>;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly file: string;

  constructor(bytes: Uint8Array, file: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.file = file;
    this.entries = this.readCentralDirectory();
  }

  read(name: string): Uint8Array {
    const entry = this.entries.get(name);
    if (!entry) throw this.fail(`the archive has no entry "${name}"`);
    const at = entry.localHeaderOffset;
    if (at + 30 > this.bytes.length || this.view.getUint32(at, true) !== LOCAL) {
      throw this.fail(`the entry "${name}" points outside the file or at a damaged header (the file looks truncated)`);
    }
    const start = at + 30 + this.view.getUint16(at + 26, true) + this.view.getUint16(at + 28, true);
    const end = start + entry.compressedSize;
    if (end > this.bytes.length) throw this.fail(`the entry "${name}" runs past the end of the file (the file looks truncated)`);
    const raw = this.bytes.subarray(start, end);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      try {
        return new Uint8Array(inflateRawSync(raw));
      } catch (cause) {
        throw new EngineError('model', `the entry "${name}" is not valid deflate data`, { file: this.file, cause });
      }
    }
    throw this.fail(`the entry "${name}" uses ZIP compression method ${entry.method}, which Onomato cannot read`);
  }

  private readCentralDirectory(): Map<string, ZipEntry> {
    const { bytes, view } = this;
    const eocd = this.findEndRecord();
    let count = view.getUint16(eocd + 10, true);
    let size = view.getUint32(eocd + 12, true);
    let offset = view.getUint32(eocd + 16, true);
    // ZIP64: the classic record holds 0xFFFF/0xFFFFFFFF and the real numbers sit in the ZIP64 record.
    const locator = eocd - 20;
    if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
      const at = this.u64(locator + 8);
      if (at + 56 > bytes.length || view.getUint32(at, true) !== ZIP64_EOCD) throw this.fail('the ZIP64 directory record is damaged');
      count = this.u64(at + 32);
      size = this.u64(at + 40);
      offset = this.u64(at + 48);
    }
    if (offset + size > bytes.length) throw this.fail('the ZIP directory lies past the end of the file (the file looks truncated)');

    const entries = new Map<string, ZipEntry>();
    let p = offset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw this.fail('the ZIP directory is damaged');
      const method = view.getUint16(p + 10, true);
      let compressedSize = view.getUint32(p + 20, true);
      let uncompressedSize = view.getUint32(p + 24, true);
      const nameLength = view.getUint16(p + 28, true);
      const extraLength = view.getUint16(p + 30, true);
      const commentLength = view.getUint16(p + 32, true);
      let localHeaderOffset = view.getUint32(p + 42, true);
      if (p + 46 + nameLength + extraLength > bytes.length) throw this.fail('the ZIP directory is damaged');
      const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
      // ZIP64 extended information: present only for the fields that overflowed, in this order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (uncompressedSize === 0xffffffff) { uncompressedSize = this.u64(q); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = this.u64(q); q += 8; }
          if (localHeaderOffset === 0xffffffff) { localHeaderOffset = this.u64(q); q += 8; }
        }
        e += 4 + len;
      }
      entries.set(name, { name, method, compressedSize, size: uncompressedSize, localHeaderOffset });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }

  private findEndRecord(): number {
    const { bytes, view } = this;
    if (bytes.length < 22) throw this.fail('the file is too short to be a ZIP archive');
    const lowest = Math.max(0, bytes.length - 22 - 0xffff);
    for (let p = bytes.length - 22; p >= lowest; p--) {
      if (view.getUint32(p, true) === EOCD) return p;
    }
    const looksZip = view.getUint32(0, true) === LOCAL;
    throw this.fail(looksZip ? 'the ZIP archive is truncated (no end-of-directory record)' : 'not a ZIP archive');
  }

  private u64(at: number): number {
    if (at + 8 > this.bytes.length) throw this.fail('the ZIP archive is truncated');
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail('a ZIP64 size is out of range');
    return Number(value);
  }

  private fail(message: string): EngineError {
    return new EngineError('model', message, { file: this.file });
  }
}
