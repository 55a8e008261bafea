import { loadMono32k } from '../audio/decode.ts';
import { baselineClip, logMel } from '../features/log-mel.ts';
import { embedWindows } from '../model/embed-windows.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import type { FeatureExtractor } from './features.ts';

/**
 * Sound in, raw window features out: the path every trainer, evaluator and the library indexer
 * share, so a window's features are the same wherever they are computed.
 */
export interface WindowFeatures {
  offsetSec: number;
  vector: Float32Array;
}

/** Features of each 10 s window of a 32 kHz sound (windows every `hopSec`, as the library cuts them). */
export async function soundWindowFeatures(
  model: EmbeddingModel,
  extractor: FeatureExtractor,
  samples: Float32Array,
  opts: { hopSec?: number } = {},
): Promise<WindowFeatures[]> {
  const { windows } = await embedWindows(samples, model, { hopSec: opts.hopSec ?? 5, extractor });
  return windows.map((w) => ({ offsetSec: w.offsetSec, vector: w.features! }));
}

/** Features of 10 s clips (one vector per clip), the backbone run in one batch. */
export async function clipFeatures(model: EmbeddingModel, extractor: FeatureExtractor, clips: readonly Float32Array[]): Promise<Float32Array[]> {
  const padded = clips.map((c) => baselineClip(c));
  const mels = padded.map((c) => logMel(c));
  const out = await model.run(mels);
  return padded.map((c, i) => extractor.extract(c, mels[i], { embedding: out.embeddings[i], logits: out.logits[i] }));
}

/** A take or a dataset imitation: its first 10 s, one window (what the QVIM baseline reads). */
export async function takeFeatures(model: EmbeddingModel, extractor: FeatureExtractor, path: string, signal?: AbortSignal): Promise<Float32Array> {
  const { samples } = await loadMono32k(path, { maxSeconds: 10, signal });
  return (await clipFeatures(model, extractor, [samples]))[0];
}
