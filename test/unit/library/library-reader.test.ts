import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { LibraryReader } from '../../../src-main/engine/library/library-reader.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { addIndexedSounds } from '../../support/indexed-sounds.ts';
import { withTempDir } from '../../support/temp-dir.ts';

/** `n` indexed sounds in folder `root`, named "<word> k.wav". */
function addSounds(store: LibraryStore, root: string, word: string, n: number): void {
  store.putModelVersion({ id: 'm', kind: 'pretrained' });
  store.setActiveModelVersion('m');
  addIndexedSounds(store, root, Array.from({ length: n }, (_, k) => `${root}/sub/${word} ${k}.wav`), 'm');
}

/** A library database in a fresh folder, and a reader over it; both closed afterwards. */
async function withReader(fn: (store: LibraryStore, reader: LibraryReader) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const store = LibraryStore.open(join(dir, 'library.sqlite'));
    const reader = new LibraryReader(store);
    try {
      await fn(store, reader);
    } finally {
      await reader.close();
      store.close();
    }
  });
}

describe('LibraryReader', () => {
  it('answers the library-wide queries on its own thread exactly as the store does, and sees what is committed after it started', async () => {
    await withReader(async (store, reader) => {
      addSounds(store, '/lib/a', 'boom', 5);
      expect(await reader.read('counts')).toEqual(store.counts());
      expect((await reader.read('counts')).indexed).toBe(5);
      // Written after the reader's thread opened its connection: it reads the newest commit.
      addSounds(store, '/lib/b', 'swish', 3);
      expect(await reader.read('rootSummaries')).toEqual(store.rootSummaries());
      expect((await reader.read('rootSummaries')).map((r) => r.sounds)).toEqual([5, 3]);
      expect(await reader.read('folderCounts')).toEqual([{ folder: '/lib/a/sub', sounds: 5 }, { folder: '/lib/b/sub', sounds: 3 }]);
      expect(await reader.read('countMatching', { text: 'swish' })).toBe(3);
      expect(await reader.read('rankText', { text: 'boom' }, { limit: 2 })).toEqual(store.rankText({ text: 'boom' }, { limit: 2 }));
      expect(await reader.read('browseSounds', { text: 'boom' }, { sort: 'duration', descending: true, limit: 10 }))
        .toEqual(store.browseSounds({ text: 'boom' }, { sort: 'duration', descending: true, limit: 10 }));
    });
  });

  it('refuses what is not a library-wide read, and answers on the engine\'s thread once closed', async () => {
    await withReader(async (store, reader) => {
      addSounds(store, '/lib/a', 'boom', 2);
      // Only the listed queries are answered there: anything else is refused by name.
      const refused = await reader.read('deleteSounds' as 'counts').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(EngineError);
      expect((refused as EngineError).kind).toBe('invalid-argument');
      expect((refused as EngineError).message).toContain('deleteSounds');
      expect(store.counts().indexed).toBe(2);
      await reader.close();
      expect(await reader.read('counts')).toEqual(store.counts());
    });
  });

  it('answers an in-memory library on the engine\'s thread', async () => {
    const store = LibraryStore.open(':memory:');
    const reader = new LibraryReader(store);
    addSounds(store, '/lib/a', 'boom', 2);
    expect((await reader.read('counts')).indexed).toBe(2);
    await reader.close();
    store.close();
  });
});
