import { Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import { serializeError } from '../contract/errors.ts';
import { EngineError, type SerializedError } from './errors.ts';

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

/** What a serving worker answers a call with: its value, or the error that refused it. */
export type ServedReply<Value> = { id: number; value: Value } | { id: number; error: SerializedError };

/**
 * A worker that answers calls (the search's scan helper, the library reader): each call carries
 * an id and settles with the reply of that id. An idle thread does not keep the process alive;
 * one with a call in hand does, or a process whose only pending work is that call (a CLI command,
 * the bench) would exit with its promise unsettled (exit code 13). If the thread ends, every call
 * in hand and every later one rejects with why.
 */
export class ServingThread<Call, Value> {
  private readonly thread: WorkerThread<{ id: number; call: Call } | { close: true }, ServedReply<Value>>;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (value: Value) => void; reject: (error: Error) => void }>();
  private failed: Error | null = null;

  constructor(entry: URL, workerData: Record<string, unknown> = {}) {
    this.thread = new WorkerThread<{ id: number; call: Call } | { close: true }, ServedReply<Value>>(entry, workerData, {
      closeRequest: { close: true },
      onMessage: (reply) => {
        const w = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (this.waiting.size === 0) this.thread.unref();
        if ('error' in reply) w?.reject(EngineError.from(reply.error));
        else w?.resolve(reply.value);
      },
    });
    this.thread.unref();
    void this.thread.exited.then((exit) => {
      this.failed = exit.error ?? new EngineError('internal', `the ${entry.pathname.split('/').pop()} thread stopped (exit code ${exit.code})`);
      for (const w of this.waiting.values()) w.reject(this.failed);
      this.waiting.clear();
    });
  }

  /** The thread has ended: every call rejects. */
  get stopped(): boolean {
    return this.failed !== null;
  }

  call(call: Call, transfer?: readonly Transferable[]): Promise<Value> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.thread.ref();
      this.waiting.set(id, { resolve, reject });
      this.thread.send({ id, call }, transfer);
    });
  }

  /** Stops the thread after the call in hand. */
  async close(): Promise<void> {
    await this.thread.close();
  }
}

/**
 * The worker's side of a ServingThread: answers each call with `answer`'s value (and its
 * transfer list), or with the error it threw, and leaves once asked to close.
 */
export function serveCalls<Call, Value>(
  port: MessagePort,
  answer: (call: Call) => Promise<{ value: Value; transfer?: Transferable[] }> | { value: Value; transfer?: Transferable[] },
): void {
  port.on('message', (m: { id: number; call: Call } | { close: true }) => {
    if ('close' in m) {
      port.close();
      return;
    }
    void (async () => {
      try {
        const { value, transfer } = await answer(m.call);
        port.postMessage({ id: m.id, value } satisfies ServedReply<Value>, transfer);
      } catch (err) {
        port.postMessage({ id: m.id, error: serializeError(err) } satisfies ServedReply<Value>);
      }
    })();
  });
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
