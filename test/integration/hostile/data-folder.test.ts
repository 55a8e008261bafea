import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { startIndexing } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel, type LibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { LibraryWatch } from '../../../src-main/engine/library/watcher.ts';
import { sine } from '../../support/audio-signals.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14, defect 7: adding the home folder (which holds the data folder on macOS and Windows,
 * where its name has no dot) indexed takes as library sounds and rescanned about 30 times a
 * minute, each scan's own database writes setting off the next.
 */
describe('a library folder that holds the data folder', () => {
  const dir = suiteTempDir('onomato-home-');
  let home: string;
  let data: string;
  let store: LibraryStore;
  let model: LibraryModel;
  const tone = (path: string, f: number) => writeWav(path, { channels: [sine(f, 16000, 16000, 0.4)], sampleRate: 16000, bitDepth: 16 });

  beforeAll(async () => {
    home = join(dir, 'home');
    data = join(home, 'Library', 'Application Support', 'Onomato');
    mkdirSync(join(data, 'takes'), { recursive: true });
    mkdirSync(join(data, 'exports'), { recursive: true });
    mkdirSync(join(home, 'Sounds'), { recursive: true });
    for (let i = 0; i < 3; i++) await tone(join(home, 'Sounds', `door-${i}.wav`), 300 + 100 * i);
    await tone(join(data, 'takes', 'take-1.wav'), 500);
    await tone(join(data, 'exports', 'door-0 region.wav'), 300);
    store = LibraryStore.open(join(data, 'library.sqlite'));
    model = await prepareLibraryModel(store, join(data, 'models'));
  });
  afterAll(() => {
    store?.close();
  });

  it('indexes the sounds beside the data folder and none of its takes or renders', async () => {
    const s = await startIndexing({ store, model, folders: [home], workers: 1 }).result;
    expect(s.found).toBe(3);
    expect(s.indexed).toBe(3);
    expect(store.sounds().map((x) => x.path)).toEqual([0, 1, 2].map((i) => join(home, 'Sounds', `door-${i}.wav`)));
  });

  it("does not rescan on its own writes (database, takes), and does on the user's", async () => {
    const jobs: string[][] = [];
    const watch = new LibraryWatch(store, model, { debounceMs: 200, workers: 1 });
    watch.on('job', (j) => jobs.push([String(j.id)]));
    try {
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 2; i < 5; i++) {
        await tone(join(data, 'takes', `take-${i}.wav`), 400 + i);
        store.setSetting('touched', i); // a write to the database and its log
      }
      await new Promise((r) => setTimeout(r, 1500));
      expect(jobs).toEqual([]);
      const indexed = new Promise<number>((resolve) => watch.once('indexed', (summary) => resolve(summary.indexed)));
      await tone(join(home, 'Sounds', 'door-3.wav'), 900);
      expect(await indexed).toBe(1);
      expect(jobs).toHaveLength(1);
      expect(store.counts().indexed).toBe(4);
    } finally {
      watch.close();
    }
  });
});
