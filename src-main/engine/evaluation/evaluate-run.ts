import { EngineError } from '../errors.ts';
import { startWorker } from '../workers.ts';
import type { EvaluateWorkerData, EvaluateWorkerReply, EvaluationOutcome } from './evaluate-protocol.ts';
import type { RunProgress } from './run.ts';

export type { EvaluateWorkerData, EvaluationOutcome } from './evaluate-protocol.ts';

/** One system's progress, and the whole run's: sounds done over all systems, rate and time left. */
export interface EvaluationProgress extends RunProgress {
  label: string;
  overallDone: number;
  overallTotal: number;
  /** Sounds per second over the whole run so far. */
  ratePerSec: number;
  etaSec: number | null;
}

export interface EvaluationHandle {
  result: Promise<EvaluationOutcome>;
  /** Asks the worker to stop after the sound in hand; a worker that does not stop soon is terminated. */
  cancel(): void;
}

/** How long a cancelled worker may take to finish the sound in hand before it is terminated. */
const CANCEL_GRACE_MS = 3000;

/**
 * Runs an evaluation in a worker thread, so neither the app's main process nor the CLI's event
 * loop (Ctrl-C) blocks on decoding, 2DFT or inference.
 */
export function startEvaluation(data: EvaluateWorkerData, opts: { onProgress?: (p: EvaluationProgress) => void } = {}): EvaluationHandle {
  const worker = startWorker(new URL('./evaluate.worker.ts', import.meta.url), data);
  const started = performance.now();
  const perSystem = data.dataset.items.length + data.dataset.queries.length;
  const overallTotal = perSystem * data.specs.length;
  let cancelled = false;
  let settled = false;
  const result = new Promise<EvaluationOutcome>((resolve, reject) => {
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
    };
    worker.on('message', (m: EvaluateWorkerReply) => {
      if (m.type === 'progress') {
        const p = m.progress;
        const overallDone = p.system * perSystem + p.done;
        const elapsed = (performance.now() - started) / 1000;
        const ratePerSec = elapsed > 0 ? overallDone / elapsed : 0;
        const etaSec = overallDone > 0 && ratePerSec > 0 ? (overallTotal - overallDone) / ratePerSec : null;
        opts.onProgress?.({ ...p, overallDone, overallTotal, ratePerSec, etaSec });
      } else if (m.type === 'done') finish(() => resolve(m.outcome));
      else finish(() => reject(EngineError.from(m.error)));
    });
    worker.on('error', (e) => finish(() => reject(EngineError.from(e))));
    worker.on('exit', (code) => {
      finish(() => reject(cancelled ? new EngineError('cancelled', 'the evaluation was cancelled') : new EngineError('internal', `the evaluation worker stopped with code ${code}`)));
    });
  });
  return {
    result,
    cancel: () => {
      if (cancelled || settled) return;
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
      setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS).unref();
    },
  };
}
