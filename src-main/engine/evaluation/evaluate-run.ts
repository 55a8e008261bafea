import { EngineError } from '../errors.ts';
import { RateEstimator } from '../jobs/rate.ts';
import { runWorker } from '../workers.ts';
import { CANCELLED, PAUSED, RUNNING, type EvaluateWorkerReply, type EvaluateWorkerRequest, type EvaluationInput, type EvaluationOutcome } from './evaluate-protocol.ts';
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
  /** Asks the worker to stop after the sound in hand (terminated only if it has not stopped 10 s later). */
  cancel(): void;
  /** Holds the worker after the sound in hand until `resume` (or `cancel`). */
  pause(): void;
  resume(): void;
}

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
  let systemIndex = -1;
  const perSystem = data.dataset.items.length + data.dataset.queries.length;
  const overallTotal = perSystem * data.specs.length;
  // Systems differ by orders of magnitude in speed (random, cached, 2DFT, a model): the rate is
  // the current system's, so the estimate is not skewed by an instant one before it.
  const rate = new RateEstimator();
  let cancelled = false;
  const run = runWorker<EvaluationOutcome, EvaluateWorkerRequest, EvaluateWorkerReply>(new URL('./evaluate.worker.ts', import.meta.url), { ...data, gate }, {
    what: 'evaluation',
    closeRequest: { type: 'cancel' },
    onMessage: (m, settle) => {
      if (m.type === 'progress') {
        const p = m.progress;
        if (p.system !== systemIndex) {
          systemIndex = p.system;
          rate.nextPhase();
        }
        const overallDone = p.system * perSystem + p.done;
        const { ratePerSec, etaSec } = rate.update(p.done, p.total, overallTotal - overallDone);
        opts.onProgress?.({ ...p, overallDone, overallTotal, ratePerSec, etaSec });
      } else if (m.type === 'done') settle.resolve(m.outcome);
      else settle.reject(EngineError.from(m.error));
    },
  });
  return {
    result: run.result,
    cancel: () => {
      if (cancelled) return;
      cancelled = true;
      // A worker held at the gate cannot read messages: the gate itself says cancel.
      setGate(CANCELLED);
      void run.close();
    },
    pause: () => {
      if (!cancelled) setGate(PAUSED);
    },
    resume: () => {
      if (!cancelled) setGate(RUNNING);
    },
  };
}
