import { EngineError } from '../errors.ts';
import { startWorker } from '../workers.ts';
import { CANCELLED, PAUSED, RUNNING, type EvaluateWorkerReply, type EvaluationInput, type EvaluationOutcome } from './evaluate-protocol.ts';
import type { RunProgress } from './run.ts';

export type { EvaluationInput, EvaluationOutcome } from './evaluate-protocol.ts';

/** One system's progress, and the whole run's: sounds done over all systems, the current rate and time left. */
export interface EvaluationProgress extends RunProgress {
  label: string;
  overallDone: number;
  overallTotal: number;
  /** Sounds per second of the system in hand. */
  ratePerSec: number;
  etaSec: number | null;
}

export interface EvaluationHandle {
  result: Promise<EvaluationOutcome>;
  /** Asks the worker to stop after the sound in hand; a worker that does not stop soon is terminated. */
  cancel(): void;
  /** Holds the worker after the sound in hand until `resume` (or `cancel`). */
  pause(): void;
  resume(): void;
}

/** How long a cancelled worker may take to finish the sound in hand before it is terminated. */
const CANCEL_GRACE_MS = 3000;

/**
 * Runs an evaluation in a worker thread, so neither the app's main process nor the CLI's event
 * loop (Ctrl-C) blocks on decoding, 2DFT or inference.
 */
export function startEvaluation(data: EvaluationInput, opts: { onProgress?: (p: EvaluationProgress) => void } = {}): EvaluationHandle {
  const gate = new SharedArrayBuffer(4);
  const state = new Int32Array(gate);
  const setGate = (value: number) => {
    Atomics.store(state, 0, value);
    Atomics.notify(state, 0);
  };
  const worker = startWorker(new URL('./evaluate.worker.ts', import.meta.url), { ...data, gate });
  let systemIndex = -1;
  let systemStarted = performance.now();
  let lastReport = systemStarted;
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
        // Systems differ by orders of magnitude in speed (random, cached, 2DFT, a model): the
        // rate is the current system's, so the estimate is not skewed by an instant one before it.
        // A system starts where the one before it reported its last sound.
        if (p.system !== systemIndex) {
          systemIndex = p.system;
          systemStarted = lastReport;
        }
        lastReport = performance.now();
        const overallDone = p.system * perSystem + p.done;
        const elapsed = (performance.now() - systemStarted) / 1000;
        const ratePerSec = elapsed > 0.05 ? p.done / elapsed : 0;
        const etaSec = ratePerSec > 0 ? (overallTotal - overallDone) / ratePerSec : null;
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
      setGate(CANCELLED);
      worker.postMessage({ type: 'cancel' });
      setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS).unref();
    },
    pause: () => {
      if (!cancelled && !settled) setGate(PAUSED);
    },
    resume: () => {
      if (!cancelled && !settled) setGate(RUNNING);
    },
  };
}
