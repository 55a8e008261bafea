import { rename, rm, writeFile, readFile } from 'node:fs/promises';
import { EngineError } from '../errors.ts';
import { startWorker } from '../workers.ts';
import { decodeRunCheckpoint, type RunCheckpoint, type RunInput, type RunProgress, type RunResult } from './run.ts';
import type { RunWorkerReply } from './run-protocol.ts';

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
  const worker = startWorker(new URL('./run.worker.ts', import.meta.url), { input, resume: opts.resume });
  let writing = Promise.resolve();
  const result = new Promise<RunResult>((resolve, reject) => {
    worker.on('message', (m: RunWorkerReply) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'checkpoint' && opts.checkpointFile) {
        const file = opts.checkpointFile;
        writing = writing.then(async () => {
          await writeFile(`${file}.tmp`, m.bytes);
          await rename(`${file}.tmp`, file);
        });
      } else if (m.type === 'done') {
        void writing.then(async () => {
          if (opts.checkpointFile) await rm(opts.checkpointFile, { force: true });
          resolve(m.result);
        }, reject);
      } else if (m.type === 'failed') void writing.finally(() => reject(EngineError.from(m.error)));
    });
    worker.on('error', (e) => reject(EngineError.from(e)));
    worker.on('exit', (code) => {
      if (code !== 0) reject(new EngineError('internal', `the training worker stopped with code ${code}`));
    });
  });
  return { result, cancel: () => worker.postMessage({ type: 'cancel' }) };
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
