import type { LibraryStore } from '../../src-main/engine/library/store.ts';

/**
 * `paths` written into the store under the folder `root` (added if new) and committed as the
 * indexer commits an analysed file: one window of `vector` under `modelId`, one guessed tag, and
 * sound k lasting 1 + k seconds, so a sort by length has an order. No audio is read; for tests
 * of what the store and the app do with many sounds. Returns the sounds' ids in order.
 */
export function addIndexedSounds(store: LibraryStore, root: string, paths: readonly string[], modelId: string, vector = Float32Array.of(1, 0, 0, 0)): number[] {
  const r = store.addRoot(root);
  const ids = store.addPendingSounds(paths.map((path, k) => ({ rootId: r.id, path, size: 100 + k, mtimeMs: 1 })));
  store.transaction(() => ids.forEach((id, k) => store.commitAnalysed({
    soundId: id, modelId, contentHash: `${paths[k]}#content`, format: 'wav', sampleRate: 48000, channels: 1, bitDepth: 16,
    durationSec: 1 + k, analysedSec: 1 + k, peaks: new Float32Array(4), description: null, metadata: {},
    windows: [{ offsetSec: 0, vector }], tags: [{ label: 'Whoosh', probability: 0.5 }],
  })));
  return ids;
}
