import type { SerializedError } from '../errors.ts';
import type { RunCheckpoint, RunInput, RunProgress, RunResult } from './run.ts';

/** Messages between the main thread and run.worker.ts (structured-clone safe: typed arrays, plain objects). */
export type RunWorkerRequest = { type: 'cancel' };

export type RunWorkerReply =
  | { type: 'progress'; progress: RunProgress }
  | { type: 'checkpoint'; bytes: Uint8Array }
  | { type: 'done'; result: RunResult }
  | { type: 'failed'; error: SerializedError };

export interface RunWorkerData {
  input: RunInput;
  resume?: RunCheckpoint;
  [key: string]: unknown;
}
