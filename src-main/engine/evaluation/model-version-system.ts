import { stat } from 'node:fs/promises';
import { loadMono32k } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { Dataset } from './dataset-types.ts';
import { similarityShape, type RetrievalSystem } from './systems.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { featureExtractor } from '../model-version/features.ts';
import { applyHeadBatch, searchDimension, type ModelVersion, type Tower } from '../model-version/heads.ts';
import { matmulABt } from '../model-version/matrix.ts';
import { soundWindowFeatures, takeFeatures } from '../model-version/window-features.ts';

/**
 * A model version as an evaluation system: queries through the imitation head (first 10 s),
 * items through the reference head window by window (10 s every 5 s), each item scored by its
 * best window, exactly as search scores library sounds. Raw features are cached per file (by
 * the feature recipe, not the heads), so comparing several versions over one recipe extracts
 * each file once.
 */
export function modelVersionSystem(version: ModelVersion, model: EmbeddingModel, opts: { id?: string; label?: string } = {}): RetrievalSystem {
  const extractor = featureExtractor(version.features);
  const d = extractor.dimension;
  // Search vectors can be shorter than the features (an output projection).
  const k = searchDimension(version);
  return {
    id: opts.id ?? version.id,
    label: opts.label ?? version.name,
    async similarity(dataset: Dataset, o = {}) {
      const shape = similarityShape(dataset);
      const total = dataset.items.length + dataset.queries.length;
      let done = 0;
      const features = async (path: string, tower: Tower): Promise<Float32Array> => {
        if (o.signal?.aborted) throw new EngineError('cancelled', 'the evaluation was cancelled');
        const s = o.cache ? await stat(path) : undefined;
        const key = s ? `features ${extractor.id}\n${tower}\n${path}\n${s.size}\n${s.mtimeMs}` : '';
        const hit = o.cache ? await o.cache.get(key) : undefined;
        let rows = hit;
        if (!rows) {
          if (tower === 'imitation') rows = await takeFeatures(model, extractor, path, o.signal);
          else {
            const { samples } = await loadMono32k(path, { signal: o.signal });
            const windows = await soundWindowFeatures(model, extractor, samples);
            rows = new Float32Array(windows.length * d);
            windows.forEach((w, i) => rows!.set(w.vector, i * d));
          }
          if (o.cache) await o.cache.set(key, rows);
        }
        o.onProgress?.(++done, total);
        return applyHeadBatch(version, tower, rows, rows.length / d);
      };
      const items: Float32Array[] = [];
      for (const it of dataset.items) items.push(await features(it.path, 'reference'));
      const windowItem: number[] = [];
      items.forEach((w, i) => { for (let r = 0; r < w.length / k; r++) windowItem.push(i); });
      const all = new Float32Array(windowItem.length * k);
      let at = 0;
      for (const w of items) { all.set(w, at); at += w.length; }
      const n = items.length;
      const data = new Float64Array(dataset.queries.length * n).fill(-Infinity);
      const scores = new Float32Array(windowItem.length);
      for (let qi = 0; qi < dataset.queries.length; qi++) {
        const q = await features(dataset.queries[qi].path, 'imitation');
        matmulABt(q, all, scores, 1, windowItem.length, k);
        for (let w = 0; w < windowItem.length; w++) {
          const cell = qi * n + windowItem[w];
          if (scores[w] > data[cell]) data[cell] = scores[w];
        }
      }
      return { ...shape, data };
    },
  };
}
