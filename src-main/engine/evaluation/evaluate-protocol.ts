import type { SerializedError } from '../errors.ts';
import type { Dataset } from './dataset-types.ts';
import type { EvalReport, RunProgress } from './run.ts';
import type { SystemSpec } from './system-registry.ts';

/** Messages between the main thread and evaluate.worker.ts (structured-clone safe). */
export interface EvaluateWorkerData {
  dataset: Dataset;
  specs: SystemSpec[];
  /** Folder of cached embeddings (e.g. <data>/models/eval-cache); null: embed everything afresh. */
  cacheDir: string | null;
  /** Where to write the official similarity JSON; with several systems, one file each (<name>.<system>.json). */
  exportFile: string | null;
  /** onnxruntime threads per inference (0 = one per core). */
  threads: number;
  [key: string]: unknown;
}

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
