import { describe, expect, it } from 'vitest';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { LibrarySearch } from '../../../src-main/engine/library/search.ts';

function unit(...v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / n);
}

describe('LibrarySearch', () => {
  function library() {
    const store = LibraryStore.open(':memory:');
    store.putModelVersion({ id: 'm', kind: 'pretrained' });
    store.setActiveModelVersion('m');
    const root = store.addRoot('/sfx');
    const paths = ['/sfx/doors/creak.wav', '/sfx/doors/slam.wav', '/sfx/wind/gust.wav', '/sfx/wind/howl.wav'];
    const ids = store.addPendingSounds(paths.map((path) => ({ rootId: root.id, path, size: 1, mtimeMs: 1 })));
    const vectors = [[unit(1, 0, 0, 0)], [unit(0.9, 0.1, 0, 0)], [unit(0, 0, 1, 0), unit(0, 1, 0, 0)], [unit(0, 0, 0, 1)]];
    ids.forEach((id, i) => store.commitAnalysed({
      soundId: id, modelId: 'm', contentHash: `h${i}`, format: 'wav', sampleRate: 32000, channels: 1, bitDepth: 16,
      durationSec: 2 + i * 10, analysedSec: 2, peaks: new Float32Array(4), description: null, metadata: {},
      windows: vectors[i].map((vector, w) => ({ offsetSec: w * 5, vector })), tags: [],
    }));
    return { store, ids };
  }

  it('finds the sound whose best window matches, with that window offset', async () => {
    const { store, ids } = library();
    const search = await LibrarySearch.open(store);
    expect(search.size).toBe(4);
    const [best] = await search.search(unit(0, 1, 0, 0), { top: 2 });
    expect(best.sound.id).toBe(ids[2]);
    expect(best.offsetSec).toBe(5);
    expect(best.score).toBeCloseTo(1, 5);
    expect((await search.search(unit(1, 0, 0, 0), { top: 2 })).map((m) => m.sound.path)).toEqual(['/sfx/doors/creak.wav', '/sfx/doors/slam.wav']);
  });

  it('applies filters planned by the store', async () => {
    const { store, ids } = library();
    const search = await LibrarySearch.open(store);
    const q = unit(1, 0, 0, 0);
    expect((await search.search(q, { top: 4, filter: { folders: ['/sfx/wind'] } })).map((m) => m.sound.id).sort()).toEqual([ids[2], ids[3]]);
    expect((await search.search(q, { top: 4, filter: { minDurationSec: 20 } })).map((m) => m.sound.id).sort()).toEqual([ids[2], ids[3]]);
    expect((await search.search(q, { top: 4, filter: { text: 'slam' } })).map((m) => m.sound.id)).toEqual([ids[1]]);
    expect(await search.search(q, { top: 4, filter: { text: 'nothing' } })).toEqual([]);
  });

  it('finds more like a library sound and follows deletions', async () => {
    const { store, ids } = library();
    const search = await LibrarySearch.open(store);
    expect((await search.moreLikeThis(ids[0], { top: 1 }))[0].sound.id).toBe(ids[1]);
    store.deleteSounds([ids[1]]);
    expect(await search.sync()).toBe(1);
    expect((await search.moreLikeThis(ids[0], { top: 1 }))[0].sound.id).not.toBe(ids[1]);
    expect(search.size).toBe(3);
  });

  it('says so when nothing is indexed', async () => {
    const store = LibraryStore.open(':memory:');
    await expect(LibrarySearch.open(store)).rejects.toThrow(/no model/);
  });
});
