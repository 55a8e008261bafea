import type { SerializedError } from '../errors.ts';
import type { Analysis } from './analyse.ts';

/** Messages between the indexer (main thread) and its analysis workers. */
export type WorkerRequest = { type: 'analyse'; soundId: number; path: string } | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; provider: string; dimension: number }
  | { type: 'analysed'; soundId: number; analysis: Analysis }
  | { type: 'failed'; soundId: number; error: SerializedError }
  | { type: 'fatal'; error: SerializedError };
