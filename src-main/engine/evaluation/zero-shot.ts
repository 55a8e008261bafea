import { loadMono32k } from '../audio/decode.ts';
import { embedWindows } from '../model/embed-windows.ts';
import type { ModelPair } from '../model/runtime.ts';
import { embeddingSystem, type RetrievalSystem } from './systems.ts';

/** Longest stretch of a dataset file that is embedded: the library's limit for sounds, the search's for takes. */
const ITEM_MAX_SECONDS = 600;
const QUERY_MAX_SECONDS = 60;

export interface ZeroShotOptions {
  /** Hop between 10 s windows, as the library cuts sounds (settings' windowHopSec; default 5). */
  hopSec?: number;
  /** The model version id the towers belong to (e.g. mn04_as-1a2b3c4d), so cached embeddings follow the checkpoint. */
  versionId?: string;
  /** The system's id in a report, when several backbones are compared side by side (default zero-shot). */
  id?: string;
}

/**
 * The AudioSet MobileNet used as it comes, without training: imitations through the imitation
 * tower, references through the reference tower, each cut into 10 s windows exactly as search
 * cuts library sounds and takes, and a pair of files scored by its best pair of windows.
 */
export function zeroShotSystem(pair: ModelPair, opts: ZeroShotOptions = {}): RetrievalSystem {
  const hopSec = opts.hopSec ?? 5;
  const dimension = pair.reference.dimension;
  return embeddingSystem(
    opts.id ?? 'zero-shot',
    `zero-shot ${pair.id} (AudioSet MobileNet)`,
    async (path, tower, signal) => {
      const { samples } = await loadMono32k(path, { signal, maxSeconds: tower === 'imitation' ? QUERY_MAX_SECONDS : ITEM_MAX_SECONDS });
      const { windows } = await embedWindows(samples, tower === 'imitation' ? pair.imitation : pair.reference, { hopSec });
      const out = new Float32Array(windows.length * dimension);
      windows.forEach((w, i) => out.set(w.embedding, i * dimension));
      return out;
    },
    { dimension, cacheName: `zero-shot ${opts.versionId ?? pair.id} hop ${hopSec}` },
  );
}
