import { logMel, type LogMel } from '../features/log-mel.ts';
import { windowsOf } from '../features/windows.ts';
import type { EmbeddingModel } from './runtime.ts';

/** Turns one window and the backbone's view of it into the model version's raw features. */
export interface WindowFeatureExtractor {
  extract(window: Float32Array, logMel: LogMel, backbone: { embedding: Float32Array; logits: Float32Array }): Float32Array;
}

export interface EmbeddedWindow {
  offsetSec: number;
  /** The backbone's L2-normalised pooled embedding. */
  embedding: Float32Array;
  /** The extractor's features for this window, when an extractor was given. */
  features?: Float32Array;
}

export interface EmbeddedWindows {
  windows: EmbeddedWindow[];
  /** AudioSet logits per window, in the same order. */
  logits: Float32Array[];
}

/**
 * The shared tail of both data paths: mono 32 kHz samples -> 10 s windows -> log-mel -> one
 * tower (-> the model version's features). Library sounds go through the reference tower, takes
 * through the imitation tower.
 */
export async function embedWindows(
  samples32k: Float32Array,
  tower: EmbeddingModel,
  opts: { windowSec?: number; hopSec?: number; extractor?: WindowFeatureExtractor } = {},
): Promise<EmbeddedWindows> {
  const windows = windowsOf(samples32k, opts);
  const mels = windows.map((w) => logMel(w.samples));
  const { embeddings, logits } = await tower.run(mels);
  return {
    windows: windows.map((w, i) => ({
      offsetSec: w.offsetSec,
      embedding: embeddings[i],
      ...(opts.extractor ? { features: opts.extractor.extract(w.samples, mels[i], { embedding: embeddings[i], logits: logits[i] }) } : {}),
    })),
    logits,
  };
}
