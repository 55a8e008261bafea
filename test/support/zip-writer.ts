import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Writes ZIP archives for tests: stored or deflated entries, optionally in ZIP64 form (sizes and
 * offsets in the extra field, a ZIP64 end record), and deliberately bad ones (names that climb out,
 * symbolic links, a size header that lies) that real tools refuse to make.
 */
export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** The uncompressed size written in the headers, when a test wants it to lie. */
  statedSize?: number;
  symlink?: boolean;
}

export function writeZip(files: ZipInput[], opts: { zip64?: boolean } = {}): Uint8Array {
  const zip64 = opts.zip64 ?? false;
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const body = f.deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const size = f.statedSize ?? f.data.length;
    const crc = crc32(f.data);
    const method = f.deflate ? 8 : 0;
    // ZIP64 extra: uncompressed size, compressed size, local header offset (all 8 bytes).
    const extra = (withOffset: boolean) => {
      if (!zip64) return new Uint8Array(0);
      const e = new DataView(new ArrayBuffer(4 + 16 + (withOffset ? 8 : 0)));
      e.setUint16(0, 0x0001, true);
      e.setUint16(2, 16 + (withOffset ? 8 : 0), true);
      e.setBigUint64(4, BigInt(size), true);
      e.setBigUint64(12, BigInt(body.length), true);
      if (withOffset) e.setBigUint64(20, BigInt(offset), true);
      return new Uint8Array(e.buffer);
    };
    const localExtra = extra(false);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, zip64 ? 45 : 20, true);
    local.setUint16(8, method, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, zip64 ? 0xffffffff : body.length, true);
    local.setUint32(22, zip64 ? 0xffffffff : size, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, localExtra.length, true);
    chunks.push(new Uint8Array(local.buffer), name, localExtra, body);

    const centralExtra = extra(true);
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint16(4, (3 << 8) | (zip64 ? 45 : 20), true); // made by Unix
    entry.setUint16(6, zip64 ? 45 : 20, true);
    entry.setUint16(10, method, true);
    entry.setUint32(16, crc, true);
    entry.setUint32(20, zip64 ? 0xffffffff : body.length, true);
    entry.setUint32(24, zip64 ? 0xffffffff : size, true);
    entry.setUint16(28, name.length, true);
    entry.setUint16(30, centralExtra.length, true);
    const mode = f.symlink ? 0o120777 : f.name.endsWith('/') ? 0o40755 : 0o100644;
    entry.setUint32(38, (mode << 16) >>> 0, true);
    entry.setUint32(42, zip64 ? 0xffffffff : offset, true);
    central.push(new Uint8Array(entry.buffer), name, centralExtra);
    offset += 30 + name.length + localExtra.length + body.length;
  }
  const centralSize = central.reduce((a, c) => a + c.length, 0);
  const tail: Uint8Array[] = [];
  if (zip64) {
    const record = new DataView(new ArrayBuffer(56));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setUint16(12, 45, true);
    record.setUint16(14, 45, true);
    record.setBigUint64(24, BigInt(files.length), true);
    record.setBigUint64(32, BigInt(files.length), true);
    record.setBigUint64(40, BigInt(centralSize), true);
    record.setBigUint64(48, BigInt(offset), true);
    const locator = new DataView(new ArrayBuffer(20));
    locator.setUint32(0, 0x07064b50, true);
    locator.setBigUint64(8, BigInt(offset + centralSize), true);
    locator.setUint32(16, 1, true);
    tail.push(new Uint8Array(record.buffer), new Uint8Array(locator.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, zip64 ? 0xffff : files.length, true);
  end.setUint16(10, zip64 ? 0xffff : files.length, true);
  end.setUint32(12, zip64 ? 0xffffffff : centralSize, true);
  end.setUint32(16, zip64 ? 0xffffffff : offset, true);
  tail.push(new Uint8Array(end.buffer));
  return concat([...chunks, ...central, ...tail]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every file under `dir`, deflated, named `<prefix><relative path>` with `/` separators. */
export function zipFolder(dir: string, prefix = '', opts: { zip64?: boolean } = {}): Uint8Array {
  const files: ZipInput[] = [];
  const walk = (at: string, rel: string) => {
    for (const e of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(at, e.name), `${rel}${e.name}/`);
      else files.push({ name: `${prefix}${rel}${e.name}`, data: readFileSync(join(at, e.name)), deflate: true });
    }
  };
  walk(dir, '');
  return writeZip(files, opts);
}
