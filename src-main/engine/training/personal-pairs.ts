import { loadMono32k } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { LibraryStore, PairOrigin } from '../library/store.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { augmentedCopies } from './augment.ts';
import { featureExtractor, type FeatureRecipe } from '../model-version/features.ts';
import { hashString } from '../random.ts';
import type { PairFeatures } from './trainer.ts';
import { featureKey } from '../model-version/versions.ts';
import { clipFeatures, soundWindowFeatures } from '../model-version/window-features.ts';

/**
 * The user's own pairs (a take marked as the match for a library sound, or taught) as training
 * features. Features are cached in the store per take and per sound under the recipe's key,
 * augmented copies under `<key>#aug<k>`, so a second run decodes nothing. The reference side of
 * a pair is the sound's window closest to the take (the window search would have matched).
 * `origins` picks which pairs (the user's own, imported ones); all of them when absent.
 */
export async function personalPairs(
  store: LibraryStore,
  model: EmbeddingModel,
  recipe: FeatureRecipe,
  opts: { origins?: readonly PairOrigin[]; augmentedCopies?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<PairFeatures[]> {
  const copies = opts.augmentedCopies ?? 0;
  const extractor = featureExtractor(recipe);
  const pairs = store.pairs().filter((p) => !opts.origins || opts.origins.includes(p.origin));
  const out: PairFeatures[] = [];
  let done = 0;
  for (const pair of pairs) {
    if (opts.signal?.aborted) throw new EngineError('cancelled', 'preparing training pairs was cancelled');
    const take = store.take(pair.takeId);
    const sound = store.sound(pair.soundId);
    if (!take || !sound) continue;
    const takeRows: Float32Array[] = [];
    for (let k = 0; k <= copies; k++) {
      let cachedRows = store.takeFeatures(take.id, featureKey(recipe, k));
      if (cachedRows.length === 0) {
        const { samples } = await loadMono32k(take.wavPath, { maxSeconds: 10, signal: opts.signal });
        const clip = k === 0 ? samples : augmentedCopies(samples, k, hashString(take.wavPath))[k - 1];
        const [vector] = await clipFeatures(model, extractor, [clip]);
        store.putTakeFeatures(take.id, featureKey(recipe, k), [{ offsetSec: 0, vector }]);
        cachedRows = [{ offsetSec: 0, vector }];
      }
      takeRows.push(cachedRows[0].vector);
    }
    let windows = store.soundFeatures(sound.id, featureKey(recipe));
    if (windows.length === 0) {
      const { samples } = await loadMono32k(sound.path, { signal: opts.signal });
      windows = await soundWindowFeatures(model, extractor, samples);
      store.putSoundFeatures(sound.id, featureKey(recipe), windows);
    }
    let best = 0;
    let bestScore = -Infinity;
    windows.forEach((w, i) => {
      let s = 0;
      for (let j = 0; j < w.vector.length; j++) s += w.vector[j] * takeRows[0][j];
      if (s > bestScore) {
        bestScore = s;
        best = i;
      }
    });
    const refRows = [windows[best].vector];
    for (let k = 1; k <= copies; k++) {
      const key = featureKey(recipe, k);
      let aug = store.soundFeatures(sound.id, key);
      if (aug.length === 0) {
        const { samples } = await loadMono32k(sound.path, { signal: opts.signal });
        const at = Math.round(windows[best].offsetSec * 32000);
        const clip = samples.subarray(at, at + 320_000);
        const [vector] = await clipFeatures(model, extractor, [augmentedCopies(clip, k, hashString(sound.path) + best)[k - 1]]);
        aug = [{ offsetSec: windows[best].offsetSec, vector }];
        store.putSoundFeatures(sound.id, key, aug);
      }
      refRows.push(aug[0].vector);
    }
    out.push({ reference: `sound:${sound.id}`, imitation: takeRows, referenceCopies: refRows });
    opts.onProgress?.(++done, pairs.length);
  }
  return out;
}
