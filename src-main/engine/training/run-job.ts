import { rename, rm, writeFile, readFile } from 'node:fs/promises';
import { EngineError } from '../errors.ts';
import { runWorker } from '../workers.ts';
import { decodeRunCheckpoint, type RunCheckpoint, type RunInput, type RunProgress, type RunResult } from './run.ts';
import type { RunWorkerReply, RunWorkerRequest } from './run-protocol.ts';

/**
 * Starts a training run in a worker thread so the UI never blocks. Each finished epoch's state
 * is written to `checkpointFile` (atomically); `resumeTrainingRun` picks it up after a cancel or
 * a crash. The checkpoint is deleted when the run completes.
 */
export interface TrainingJob {
  result: Promise<RunResult>;
  cancel(): void;
}

export function startTrainingRun(
  input: RunInput,
  opts: { checkpointFile?: string; resume?: RunCheckpoint; onProgress?: (p: RunProgress) => void } = {},
): TrainingJob {
  let writing = Promise.resolve();
  const run = runWorker<RunResult, RunWorkerRequest, RunWorkerReply>(new URL('./run.worker.ts', import.meta.url), { input, resume: opts.resume }, {
    what: 'training run',
    closeRequest: { type: 'cancel' },
    onMessage: (m, settle) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'checkpoint' && opts.checkpointFile) {
        const file = opts.checkpointFile;
        writing = writing.then(async () => {
          await writeFile(`${file}.tmp`, m.bytes);
          await rename(`${file}.tmp`, file);
        });
      } else if (m.type === 'done') {
        // Settled now (so the worker's exit cannot overtake it), resolved once the checkpoints are written.
        settle.resolve(writing.then(async () => {
          if (opts.checkpointFile) await rm(opts.checkpointFile, { force: true });
          return m.result;
        }));
      } else if (m.type === 'failed') {
        settle.resolve(writing.catch(() => undefined).then((): never => { throw EngineError.from(m.error); }));
      }
    },
  });
  return { result: run.result, cancel: () => void run.close() };
}

/** Reads the checkpoint a cancelled or crashed run left; undefined when there is none. */
export async function readRunCheckpoint(file: string): Promise<RunCheckpoint | undefined> {
  try {
    return decodeRunCheckpoint(await readFile(file), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw EngineError.from(e, file);
  }
}
