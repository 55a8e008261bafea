import type { SerializedError } from '../errors.ts';
import type { Dataset } from './dataset-types.ts';
import type { EvalReport, RunProgress } from './run.ts';
import type { SystemSpec } from './system-registry.ts';

/** What a run needs (structured-clone safe: it travels to evaluate.worker.ts). */
export interface EvaluationInput {
  dataset: Dataset;
  specs: SystemSpec[];
  /** Folder of cached embeddings (e.g. <data>/models/eval-cache); null: embed everything afresh. */
  cacheDir: string | null;
  /** Where to write the official similarity JSON; with several systems, one file each (<name>.<system>.json). */
  exportFile: string | null;
  /** onnxruntime threads per inference (0 = one per core). */
  threads: number;
}

/** The worker's data: the input and the gate. */
export interface EvaluateWorkerData extends EvaluationInput {
  /** One Int32 shared with the main thread: RUNNING, PAUSED or CANCELLED (see evaluate-run.ts). */
  gate: SharedArrayBuffer;
  [key: string]: unknown;
}

/** Gate values. A paused worker blocks between sounds, where no message could reach it, so the gate is shared memory. */
export const RUNNING = 0;
export const PAUSED = 1;
export const CANCELLED = 2;

export interface EvaluationOutcome {
  report: EvalReport;
  /** Embedding cache lookups: hits were not decoded nor embedded again. */
  cache: { hits: number; misses: number };
  exported: string[];
}

export type EvaluateWorkerRequest = { type: 'cancel' };

export type EvaluateWorkerReply =
  | { type: 'progress'; progress: RunProgress & { label: string } }
  | { type: 'done'; outcome: EvaluationOutcome }
  | { type: 'failed'; error: SerializedError };
