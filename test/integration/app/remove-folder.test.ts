import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../../src-main/engine/engine.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { dataPaths } from '../../../src-main/engine/paths.ts';
import { addIndexedSounds } from '../../support/indexed-sounds.ts';
import { withTempDir } from '../../support/temp-dir.ts';

/** `n` indexed sounds directly under `root`, analysed with a version other than the app's default. */
function addSounds(store: LibraryStore, root: string, n: number): void {
  addIndexedSounds(store, root, Array.from({ length: n }, (_, k) => `${root}/take ${k}.wav`), 'older-model');
}

describe('removing a folder in the app', () => {
  it('removes a folder of many sounds whole, a slice at a time, and leaves the other folders as they were', async () => {
    await withTempDir(async (dir) => {
      const paths = dataPaths(join(dir, 'data'));
      const before = LibraryStore.open(paths.database);
      before.putModelVersion({ id: 'older-model', kind: 'pretrained' });
      addSounds(before, '/drive/big', 1300);
      addSounds(before, '/drive/small', 7);
      before.close();

      const engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
      try {
        const roots = await engine.handlers['library.roots']({});
        expect(roots.map((r) => [r.path, r.sounds])).toEqual([['/drive/big', 1300], ['/drive/small', 7]]);
        const removal = engine.handlers['library.removeRoot']({ rootId: roots[0].id });
        // Meanwhile a scan would find the folder half removed and add its files back: it is refused.
        await new Promise((r) => setImmediate(r));
        const refused = await engine.handlers['library.rescan']({}).catch((e: unknown) => e);
        expect(refused).toMatchObject({ kind: 'busy' });
        await removal;
        expect((await engine.handlers['library.roots']({})).map((r) => [r.path, r.sounds])).toEqual([['/drive/small', 7]]);
        const stats = await engine.handlers['library.stats']({});
        expect([stats.sounds, stats.windows, stats.roots]).toEqual([7, 7, 1]);
      } finally {
        await engine.close();
      }
      // Nothing of the big folder is left behind: no orphaned vector or tag rows.
      const after = LibraryStore.open(paths.database);
      try {
        expect(after.counts()).toMatchObject({ roots: 1, sounds: 7, windows: 7, tags: 7 });
      } finally {
        after.close();
      }
    });
  }, 300_000);
});
