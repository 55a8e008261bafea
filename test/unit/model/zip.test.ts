import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { unpackZip, unsafeEntryName, ZipArchive } from '../../../src-main/engine/model/zip.ts';
import { writeZip, type ZipInput } from '../../support/zip-writer.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-zip-');

/** Bytes with some structure, so deflate has something to do but does not collapse them. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = (x & 0x3f) + (i % 64);
  }
  return out;
}

const files: ZipInput[] = [
  { name: 'Vim_Sketch_Dataset/', data: new Uint8Array(0) },
  { name: 'Vim_Sketch_Dataset/reference_file_names.csv', data: new TextEncoder().encode('001_a.wav\n002_b.wav\n'), deflate: true },
  { name: 'Vim_Sketch_Dataset/references/001_a.wav', data: noise(70_000, 1), deflate: true },
  { name: 'Vim_Sketch_Dataset/references/002_b.wav', data: noise(5_000, 2) },
  { name: 'Vim_Sketch_Dataset/empty.txt', data: new Uint8Array(0) },
];

let n = 0;
function place(bytes: Uint8Array): string {
  const path = join(dir, `archive-${n++}.zip`);
  writeFileSync(path, bytes);
  return path;
}

async function refusal(zip: string, dest: string, opts?: Parameters<typeof unpackZip>[2]): Promise<EngineError> {
  try {
    await unpackZip(zip, dest, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    // A refused or failed unpack leaves neither the folder nor its temporary sibling.
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.unpacking-'))).toEqual([]);
    return e as EngineError;
  }
  throw new Error('expected the unpack to be refused');
}

describe('ZIP reader', () => {
  it.each([false, true])('reads stored and deflated entries, in memory and from a file (zip64: %s)', (zip64) => {
    const bytes = writeZip(files, { zip64 });
    const inMemory = new ZipArchive(bytes, 'x.zip');
    const onDisk = ZipArchive.openFile(place(bytes));
    try {
      for (const f of files.filter((e) => !e.name.endsWith('/'))) {
        expect(Buffer.from(inMemory.read(f.name)).equals(Buffer.from(f.data)), f.name).toBe(true);
        expect(Buffer.from(onDisk.read(f.name)).equals(Buffer.from(f.data)), f.name).toBe(true);
        expect(onDisk.entries.get(f.name)!.size).toBe(f.data.length);
      }
    } finally {
      onDisk.close();
    }
  });

  it('unpacks into a new folder with progress, identical bytes, and ZIP64 records honoured', async () => {
    for (const zip64 of [false, true]) {
      const dest = join(dir, `out-${zip64}`);
      const progress: number[] = [];
      const count = await unpackZip(place(writeZip(files, { zip64 })), dest, { onProgress: (done, total) => progress.push(done / total) });
      expect(count).toBe(4);
      for (const f of files.filter((e) => !e.name.endsWith('/'))) expect(readFileSync(join(dest, f.name)).equals(Buffer.from(f.data)), f.name).toBe(true);
      expect(progress.at(-1)).toBe(1);
      expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
    }
  });

  it('unpacks what Info-ZIP writes, including its forced ZIP64 form', async () => {
    const src = join(dir, 'info-zip-src');
    mkdirSync(join(src, 'qvim-dev', 'Items', 'Dog'), { recursive: true });
    const wav = noise(120_000, 7);
    writeFileSync(join(src, 'qvim-dev', 'Items', 'Dog', 'bark 1.wav'), wav);
    writeFileSync(join(src, 'qvim-dev', 'DEV Dataset.csv'), 'title\nLabel,Class,Items\n');
    for (const [flags, name] of [[['-r', '-q'], 'plain.zip'], [['-r', '-q', '-fz'], 'zip64.zip']] as const) {
      const made = spawnSync('zip', [...flags, join(dir, name), 'qvim-dev'], { cwd: src });
      expect(made.status, made.stderr?.toString()).toBe(0);
      const dest = join(dir, `info-${name}`);
      await unpackZip(join(dir, name), dest);
      expect(readFileSync(join(dest, 'qvim-dev', 'Items', 'Dog', 'bark 1.wav')).equals(Buffer.from(wav))).toBe(true);
      expect(readFileSync(join(dest, 'qvim-dev', 'DEV Dataset.csv'), 'utf8')).toBe('title\nLabel,Class,Items\n');
    }
  });

  it.each([
    ['../outside.wav', /climbs out of the folder/],
    ['data/../../outside.wav', /climbs out of the folder/],
    ['/etc/onomato.wav', /absolute path/],
    ['C:/Windows/onomato.wav', /drive letter/],
    ['data\\..\\..\\outside.wav', /backslash/],
  ])('refuses the whole archive when an entry is named %s, and writes nothing', async (name, cause) => {
    const zip = place(writeZip([{ name: 'ok.wav', data: noise(100, 3) }, { name, data: noise(100, 4) }]));
    const error = await refusal(zip, join(dir, 'climb'));
    expect(error.message).toContain(zip);
    expect(error.message).toContain(`"${name}"`);
    expect(error.message).toMatch(cause);
    expect(existsSync(join(dir, 'outside.wav'))).toBe(false);
  });

  it('keeps names that only look odd', () => {
    expect(unsafeEntryName('a/..b/c..wav')).toBeUndefined();
    expect(unsafeEntryName('Queries/Dog/bark (1).wav')).toBeUndefined();
  });

  it('refuses symbolic links', async () => {
    const zip = place(writeZip([{ name: 'link.wav', data: new TextEncoder().encode('/etc/passwd'), symlink: true }]));
    expect((await refusal(zip, join(dir, 'link'))).message).toMatch(/"link\.wav" is a symbolic link/);
  });

  it('refuses a zip bomb by its stated size, by its ratio, and when an entry outgrows its header', async () => {
    const big = place(writeZip([{ name: 'a.wav', data: noise(300_000, 5), deflate: true }]));
    const bySize = await refusal(big, join(dir, 'bomb1'), { limits: { maxUnpackedBytes: 100_000, maxRatio: 100 } });
    expect(bySize.kind).toBe('too-large');
    expect(bySize.message).toMatch(/would unpack to 293\.0 KiB, more than the 97\.7 KiB allowed; .*zip bomb/);

    const zeros = place(writeZip([{ name: 'silence.wav', data: new Uint8Array(20 * 2 ** 20), deflate: true }]));
    const byRatio = await refusal(zeros, join(dir, 'bomb2'));
    expect(byRatio.kind).toBe('too-large');
    expect(byRatio.message).toMatch(/would unpack to \d+ times its own size \(more than 100x\)/);

    const liar = place(writeZip([{ name: 'small.wav', data: noise(200_000, 6), deflate: true, statedSize: 1000 }]));
    const byStream = await refusal(liar, join(dir, 'bomb3'));
    expect(byStream.message).toMatch(/"small\.wav" unpacks to more than the 1000 bytes its header states/);
  });

  it('refuses a damaged entry by its CRC-32 and a truncated archive, leaving nothing behind', async () => {
    const bytes = writeZip([{ name: 'a.wav', data: noise(10_000, 8) }, { name: 'b.wav', data: noise(10_000, 9) }]);
    const damaged = bytes.slice();
    damaged[30 + 'a.wav'.length + 10_000 + 30 + 'b.wav'.length + 500] ^= 0x40; // one byte of b.wav's data
    expect((await refusal(place(damaged), join(dir, 'crc'))).message).toMatch(/"b\.wav" fails its CRC-32 check/);

    const cut = await refusal(place(bytes.subarray(0, bytes.length - 40)), join(dir, 'cut'));
    expect(cut.message).toMatch(/truncated|not a ZIP/);
  });

  it('stops when cancelled and refuses to unpack over an existing folder', async () => {
    const controller = new AbortController();
    const zip = place(writeZip([{ name: 'a.wav', data: noise(2_000_000, 10), deflate: true }, { name: 'b.wav', data: noise(2_000_000, 11), deflate: true }]));
    const cancelled = await refusal(zip, join(dir, 'cancel'), { signal: controller.signal, onProgress: () => controller.abort() });
    expect(cancelled.kind).toBe('cancelled');

    mkdirSync(join(dir, 'taken'));
    await expect(unpackZip(zip, join(dir, 'taken'))).rejects.toThrow(/already exists/);
  });
});
