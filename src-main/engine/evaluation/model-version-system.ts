import { loadMono32k } from '../audio/decode.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { featureExtractor } from '../model-version/features.ts';
import { applyHeadBatch, searchDimension, type ModelVersion } from '../model-version/heads.ts';
import { soundWindowFeatures, takeFeatures } from '../model-version/window-features.ts';
import { embeddingSystem, type RetrievalSystem } from './systems.ts';

/**
 * A model version as an evaluation system: queries through the imitation head (first 10 s),
 * items through the reference head window by window (10 s every 5 s), each item scored by its
 * best window, exactly as search scores library sounds. Raw features are cached per file (by
 * the feature recipe, not the heads), so comparing several versions over one recipe extracts
 * each file once; the heads run after the cache.
 */
export function modelVersionSystem(version: ModelVersion, model: EmbeddingModel, opts: { id?: string; label?: string } = {}): RetrievalSystem {
  const extractor = featureExtractor(version.features);
  const d = extractor.dimension;
  return embeddingSystem(
    opts.id ?? version.id,
    opts.label ?? version.name,
    async (path, tower, signal) => {
      if (tower === 'imitation') return takeFeatures(model, extractor, path, signal);
      const { samples } = await loadMono32k(path, { signal });
      const windows = await soundWindowFeatures(model, extractor, samples);
      const rows = new Float32Array(windows.length * d);
      windows.forEach((w, i) => rows.set(w.vector, i * d));
      return rows;
    },
    {
      // Search vectors can be shorter than the features (an output projection).
      dimension: searchDimension(version),
      cacheName: `features ${extractor.id}`,
      afterCache: (rows, tower) => applyHeadBatch(version, tower, rows instanceof Float32Array ? rows : Float32Array.from(rows), rows.length / d),
    },
  );
}
