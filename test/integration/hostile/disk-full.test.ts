import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../../../src-main/engine/app/settings.ts';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { startIndexing } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel, type LibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { exportModelVersion } from '../../../src-main/engine/library/model-versions.ts';
import { sine } from '../../support/audio-signals.ts';
import { smallDisk, type SmallDisk } from '../../support/full-disk.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14, defect 2: a full disk while indexing killed the process (an SQLITE_FULL from the
 * commit became an unhandled rejection). Now the scan ends with 'disk-full' naming the database's
 * folder, keeps every file already indexed, leaves the rest pending, and goes on once there is space.
 */
describe('a full disk', () => {
  const dir = suiteTempDir('onomato-full-');
  let disk: SmallDisk;
  let store: LibraryStore;
  let model: LibraryModel;
  let lib: string;
  const files = 12;

  beforeAll(async () => {
    disk = smallDisk(dir, 8 << 20);
    lib = join(dir, 'sfx');
    mkdirSync(lib);
    for (let i = 0; i < files; i++) {
      await writeWav(join(lib, `tone-${String(i).padStart(2, '0')}.wav`), { channels: [sine(200 + 150 * i, 16000, 16000, 0.5)], sampleRate: 16000, bitDepth: 16 });
    }
    store = LibraryStore.open(join(disk.path, 'library.sqlite'));
    model = await prepareLibraryModel(store, join(dir, 'models'));
    // An empty write-ahead log, so that every commit from here on needs new space on the disk.
    store.checkpoint();
  });
  afterAll(() => {
    store?.close();
    disk?.close();
  });

  it(`ends the scan with 'disk-full' naming the database folder, loses nothing and resumes when there is space (${'tmpfs or max_page_count'})`, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const job = startIndexing({ store, model, folders: [lib], workers: 2 });
      let filled = false;
      job.on('progress', (p) => {
        if (!filled && p.indexed >= 2) {
          filled = true;
          disk.fill(store);
        }
      });
      const err = await job.result.then(() => undefined, (e: unknown) => e);
      expect(filled).toBe(true);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).kind).toBe('disk-full');
      expect((err as EngineError).message).toContain(disk.path);
      expect((err as EngineError).message).toMatch(/free some space/);
      expect(job.state).toBe('failed');
      // Let any stray rejection surface before looking.
      await new Promise((r) => setTimeout(r, 200));
      expect(unhandled).toEqual([]);

      const after = store.counts();
      expect(after.indexed).toBeGreaterThanOrEqual(2);
      expect(after.indexed).toBeLessThan(files);
      expect(after.indexed + after.pending).toBe(files);
      expect(after.failed).toBe(0);
      const kept = after.indexed;

      disk.free(store);
      expect(store.integrityCheck()).toBe('ok');
      const s = await startIndexing({ store, model, workers: 2 }).result;
      expect(s.decoded).toBe(files - kept);
      expect(store.counts()).toMatchObject({ indexed: files, pending: 0, failed: 0 });
      expect(store.integrityCheck()).toBe('ok');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      disk.free(store);
    }
  });

  it("settings.update on a full disk says 'disk-full' with the folder, and the old settings stay", () => {
    const settings = new SettingsStore(store);
    settings.update({ volume: 0.5 });
    store.checkpoint();
    disk.fill(store);
    try {
      let err: unknown;
      try {
        // Larger than one page, so it cannot fit in space SQLite already has.
        settings.update({ volume: 0.25, inputDeviceName: 'x'.repeat(64 * 1024) });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).kind).toBe('disk-full');
      expect((err as EngineError).message).toContain(disk.path);
    } finally {
      disk.free(store);
    }
    expect(settings.get().volume).toBe(0.5);
  });

  it("models.export on a full disk fails with 'disk-full' and leaves no partial file beside an earlier export", async (ctx) => {
    if (!disk.real) ctx.skip(); // a file write can be made to fail only on a real full file system
    const target = join(disk.path, 'exported.onomato-model');
    await exportModelVersion(store, model.versionId, target);
    const before = readFileSync(target);
    writeFileSync(target, before.subarray(0, 100)); // a stand-in earlier export that must survive a failed one
    disk.fill();
    try {
      const err = await exportModelVersion(store, model.versionId, target).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).kind).toBe('disk-full');
      expect((err as EngineError).message).toContain(target);
      expect(readFileSync(target).length).toBe(100);
      expect(readdirSync(disk.path).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      disk.free();
    }
    await exportModelVersion(store, model.versionId, target);
    expect(readFileSync(target).equals(before)).toBe(true);
  });
});
