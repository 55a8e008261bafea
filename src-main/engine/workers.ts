import { Worker, type Transferable } from 'node:worker_threads';
import { EngineError } from './errors.ts';

/**
 * How long a closing worker may take to finish the unit in hand (a file, a sound, an epoch)
 * before it is terminated. Terminating a thread during an inference can abort the whole process
 * (seen once in CI as a Napi::Error while a scan was cancelled), so it is only a late fallback.
 */
export const CLOSE_GRACE_MS = 10_000;

/** How a worker thread ended: its exit code, the error that ended it (if one did), and whether it had to be terminated. */
export interface WorkerExit {
  code: number;
  error: Error | undefined;
  terminated: boolean;
}

export interface WorkerThreadOptions<Request, Reply> {
  onMessage: (reply: Reply) => void;
  /** What asks the worker to finish the unit in hand and exit by itself. */
  closeRequest: Request;
  graceMs?: number;
}

/**
 * One worker thread's life, the same for the analysis pool, evaluation and training: it ends
 * once (`exited` settles a single time, with the error that ended it, if any), `close` asks it
 * to finish the unit in hand and exit, and only a worker still running `graceMs` later is
 * terminated. Works whether the engine runs from TypeScript source (through tsx) or from a
 * bundled .js build.
 */
export class WorkerThread<Request, Reply> {
  readonly exited: Promise<WorkerExit>;
  private readonly worker: Worker;
  private closing: Promise<WorkerExit> | undefined;
  private terminated = false;

  constructor(entry: URL, workerData: Record<string, unknown>, private readonly options: WorkerThreadOptions<Request, Reply>) {
    this.worker = entry.pathname.endsWith('.ts')
      ? new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { workerData: { ...workerData, __entry: entry.href } })
      : new Worker(entry, { workerData });
    this.worker.on('message', options.onMessage);
    let error: Error | undefined;
    // An uncaught error in the worker is reported before its exit: both end up in one WorkerExit.
    this.worker.on('error', (e) => { error ??= e; });
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => resolve({ code, error, terminated: this.terminated }));
    });
  }

  /** Lets the process exit while this worker still runs (a helper thread that only serves requests). */
  unref(): void {
    this.worker.unref();
  }

  /** Keeps the process alive again, for as long as a request to an `unref`-ed worker awaits its reply. */
  ref(): void {
    this.worker.ref();
  }

  send(request: Request, transfer?: readonly Transferable[]): void {
    this.worker.postMessage(request, transfer);
  }

  /** Ends the worker now, for one stuck past any grace (a decoder that never looks at the clock); never during an inference. */
  terminate(): Promise<number> {
    this.terminated = true;
    return this.worker.terminate();
  }

  /** Asks the worker to stop after the unit in hand; resolves once it has exited. Calling it again waits for the same close. */
  close(): Promise<WorkerExit> {
    this.closing ??= (async () => {
      this.worker.postMessage(this.options.closeRequest);
      const timer = setTimeout(() => {
        this.terminated = true;
        void this.worker.terminate();
      }, this.options.graceMs ?? CLOSE_GRACE_MS);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.closing;
  }
}

/** A worker that works towards one result: the result, and a way to stop it after the unit in hand. */
export interface WorkerRun<T> {
  result: Promise<T>;
  /** Stops the worker after the unit in hand (then `result` rejects as cancelled, unless it had settled). */
  close(): Promise<WorkerExit>;
}

/**
 * Runs a worker that reports progress and then one result (evaluation, training). `onMessage`
 * settles the result from the worker's final reply; a worker that exits without one rejects it:
 * as cancelled after `close`, otherwise as having stopped (with the error that stopped it).
 */
export function runWorker<T, Request, Reply>(
  entry: URL,
  workerData: Record<string, unknown>,
  options: {
    /** Names the work in messages ("the <what> was cancelled", "the <what> worker stopped"). */
    what: string;
    closeRequest: Request;
    onMessage: (reply: Reply, settle: { resolve: (value: T | Promise<T>) => void; reject: (error: unknown) => void }) => void;
    graceMs?: number;
  },
): WorkerRun<T> {
  let closed = false;
  let settle!: { resolve: (value: T | Promise<T>) => void; reject: (error: unknown) => void };
  // A promise settles once: a final reply followed by the exit keeps the reply's outcome.
  const result = new Promise<T>((resolve, reject) => { settle = { resolve, reject }; });
  const thread = new WorkerThread<Request, Reply>(entry, workerData, {
    closeRequest: options.closeRequest,
    graceMs: options.graceMs,
    onMessage: (m) => options.onMessage(m, settle),
  });
  void thread.exited.then((exit) => {
    if (closed) settle.reject(new EngineError('cancelled', `the ${options.what} was cancelled`));
    else if (exit.error) settle.reject(EngineError.from(exit.error));
    else settle.reject(new EngineError('internal', `the ${options.what} worker stopped with code ${exit.code}`));
  });
  return {
    result,
    close: () => {
      closed = true;
      return thread.close();
    },
  };
}
