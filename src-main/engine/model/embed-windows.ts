import { logMel } from '../features/log-mel.ts';
import { windowsOf } from '../features/windows.ts';
import type { EmbeddingModel } from './runtime.ts';

export interface EmbeddedWindows {
  windows: Array<{ offsetSec: number; embedding: Float32Array }>;
  /** AudioSet logits per window, in the same order. */
  logits: Float32Array[];
}

/**
 * The shared tail of both data paths: mono 32 kHz samples -> 10 s windows -> log-mel -> one
 * tower. Library sounds go through the reference tower, takes through the imitation tower.
 */
export async function embedWindows(samples32k: Float32Array, tower: EmbeddingModel, opts: { windowSec?: number; hopSec?: number } = {}): Promise<EmbeddedWindows> {
  const windows = windowsOf(samples32k, opts);
  const { embeddings, logits } = await tower.run(windows.map((w) => logMel(w.samples)));
  return { windows: windows.map((w, i) => ({ offsetSec: w.offsetSec, embedding: embeddings[i] })), logits };
}
