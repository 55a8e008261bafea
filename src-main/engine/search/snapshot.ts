import { open, rename, rm } from 'node:fs/promises';
import { EngineError } from '../errors.ts';
import { SoundIndex, type IndexRows, type Precision, type SoundIndexOptions } from './sound-index.ts';

/**
 * A search index saved beside the library database, so a million sounds are searchable as soon
 * as the file is read instead of after re-quantising every vector from SQLite.
 *
 * Layout: 8-byte magic, uint32 format version, uint32 header length, the header (JSON: whose
 * index this is and how big), then the rows' arrays exactly as the index keeps them (vectors,
 * scales, sound ids, offsets, window numbers, window links), each starting on an 8-byte boundary.
 * The file is read straight into the index's memory with a few large asynchronous reads.
 *
 * A snapshot is only a cache: the header names the library (its random id), the model version
 * and the library's change stamp when it was taken, and the reader refuses anything that does
 * not match, is truncated or fails the index's own consistency check. Its int8 vectors only pick
 * candidates; the scores shown come from the database's float32 vectors.
 */

export const SNAPSHOT_FORMAT = 1;
const MAGIC = Buffer.from('ONOINDEX', 'latin1');
const PREFIX = MAGIC.length + 8;
/** Large reads and writes, each a fraction of a second: the thread stays free between them. */
const CHUNK = 64 * 2 ** 20;

export interface SnapshotIdentity {
  libraryId: string;
  modelId: string;
  /** The library's change stamp the rows are current with. */
  stamp: number;
}

interface Header extends SnapshotIdentity {
  dimension: number;
  precision: Precision;
  rowBytes: number;
  count: number;
}

type Section = Exclude<keyof IndexRows, 'count'>;
const SECTIONS: readonly Section[] = ['vectors', 'scale', 'sound', 'offset', 'window', 'next'];

/** Writes the index to `path` atomically (a temporary file renamed over it), so a crash never leaves half a snapshot. */
export async function writeSnapshot(path: string, index: SoundIndex, identity: SnapshotIdentity): Promise<void> {
  const rows = index.rows();
  const header: Header = { ...identity, dimension: index.dimension, precision: index.precision, rowBytes: index.bytesPerRow, count: rows.count };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix);
  prefix.writeUInt32LE(SNAPSHOT_FORMAT, MAGIC.length);
  prefix.writeUInt32LE(json.length, MAGIC.length + 4);
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w');
  try {
    let at = 0;
    const put = async (bytes: Uint8Array) => {
      for (let o = 0; o < bytes.length; o += CHUNK) {
        const part = bytes.subarray(o, Math.min(bytes.length, o + CHUNK));
        await file.write(part, 0, part.length, at);
        at += part.length;
      }
    };
    await put(prefix);
    await put(json);
    for (const name of SECTIONS) {
      await put(new Uint8Array(align8(at) - at));
      await put(asBytes(rows[name]));
    }
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw err;
  }
  await file.close();
  await rename(temporary, path);
}

/**
 * Reads a snapshot into a new index when it is one of `expected`'s library and model version,
 * of this format, and whole. Returns the index and the stamp it is current with (the caller
 * applies the library's later changes), or why it was refused: a snapshot is never trusted
 * blindly.
 */
export async function readSnapshot(
  path: string, expected: Omit<SnapshotIdentity, 'stamp'> & { maxStamp: number },
  options: SoundIndexOptions & { pause: () => Promise<void> | undefined },
): Promise<{ index: SoundIndex; stamp: number } | { refused: string }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    return { refused: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no snapshot yet' : `it cannot be read (${(err as Error).message})` };
  }
  try {
    const size = (await file.stat()).size;
    const prefix = Buffer.alloc(PREFIX);
    if (size < PREFIX || (await file.read(prefix, 0, PREFIX, 0)).bytesRead < PREFIX || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
      return { refused: 'it is not an Onomato index snapshot' };
    }
    const format = prefix.readUInt32LE(MAGIC.length);
    if (format !== SNAPSHOT_FORMAT) return { refused: `it has format ${format}, this version reads ${SNAPSHOT_FORMAT}` };
    const headerLength = prefix.readUInt32LE(MAGIC.length + 4);
    if (headerLength > 65536 || PREFIX + headerLength > size) return { refused: 'it is truncated' };
    const json = Buffer.alloc(headerLength);
    await file.read(json, 0, headerLength, PREFIX);
    let header: Header;
    try {
      header = JSON.parse(json.toString('utf8')) as Header;
    } catch {
      return { refused: 'its header is damaged' };
    }
    if (header.libraryId !== expected.libraryId) return { refused: 'it belongs to another library' };
    if (header.modelId !== expected.modelId) return { refused: `it holds model version "${header.modelId}"` };
    if (!Number.isInteger(header.stamp) || header.stamp < 0 || header.stamp > expected.maxStamp) {
      return { refused: 'it is newer than the library (the database was replaced by an older copy)' };
    }
    if (!Number.isInteger(header.count) || header.count < 0) return { refused: 'its header is damaged' };
    const index = new SoundIndex(header.dimension, { ...options, precision: header.precision });
    if (index.bytesPerRow !== header.rowBytes) return { refused: 'it was written with a different row layout' };
    if (expectedSize(PREFIX + headerLength, header) !== size) return { refused: 'it is truncated or has extra bytes' };
    const rows = index.restoreRows(header.count);
    let at = PREFIX + headerLength;
    for (const name of SECTIONS) {
      at = align8(at);
      const target = asBytes(rows[name]);
      for (let o = 0; o < target.length; o += CHUNK) {
        const length = Math.min(CHUNK, target.length - o);
        const { bytesRead } = await file.read(target, o, length, at + o);
        if (bytesRead !== length) return { refused: 'it is truncated' };
      }
      at += target.length;
    }
    try {
      await index.adoptRows(options.pause);
    } catch (err) {
      return { refused: EngineError.from(err).message };
    }
    return { index, stamp: header.stamp };
  } finally {
    await file.close();
  }
}

function expectedSize(start: number, h: Header): number {
  const bytes: Record<Section, number> = { vectors: h.count * h.rowBytes, scale: 4 * h.count, sound: 4 * h.count, offset: 4 * h.count, window: 2 * h.count, next: 4 * h.count };
  let at = start;
  for (const name of SECTIONS) at = align8(at) + bytes[name];
  return at;
}

function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
