import { EventEmitter } from 'node:events';
import { EngineError, type SerializedError } from '../errors.ts';

export type JobState = 'queued' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** Where a job's durable record lives (the library store implements this). */
export interface JobRecorder {
  createJob(kind: string, config: Record<string, unknown>): { id: number };
  updateJob(id: number, patch: { state?: JobState; progress?: Record<string, unknown>; error?: SerializedError | null }): void;
}

export interface JobEvents<P, R> {
  progress: [P];
  state: [JobState];
  done: [R];
  failed: [EngineError];
}

/** What a job's body gets: a cancellation signal, a pause gate and a progress reporter. */
export interface JobControl<P> {
  readonly signal: AbortSignal;
  /** Resolves at once while running; waits while paused; rejects once cancelled. */
  checkpoint(): Promise<void>;
  report(progress: P): void;
  readonly paused: boolean;
}

/**
 * A long piece of work (scan, index, evaluate, train) with progress events, pause, resume and
 * cancel, and a durable record: the record is created at start, its progress is written at most
 * once a second, and its final state on completion. A process that dies leaves the record
 * 'running'; the store marks such records 'interrupted' at the next start.
 */
export class Job<P extends object, R> extends EventEmitter<JobEvents<P, R>> {
  readonly kind: string;
  readonly id: number | undefined;
  readonly result: Promise<R>;
  private current: JobState = 'running';
  private latest: P | undefined;
  private readonly abort = new AbortController();
  private resumeGate: { promise: Promise<void>; open: () => void } | undefined;
  private lastWrite = 0;

  constructor(
    kind: string,
    body: (control: JobControl<P>) => Promise<R>,
    options: { recorder?: JobRecorder; config?: Record<string, unknown>; recordEveryMs?: number } = {},
  ) {
    super();
    this.kind = kind;
    const recorder = options.recorder;
    const every = options.recordEveryMs ?? 1000;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the control's getter reads the job's state
    const job = this;
    this.id = createRecord(recorder, kind, options.config ?? {});
    // The record is bookkeeping: one that cannot be written (a full disk) must not change the
    // job's outcome or escape from an event listener; the next start marks it interrupted.
    const record = (patch: Parameters<JobRecorder['updateJob']>[1]) => {
      try {
        if (recorder && this.id !== undefined) recorder.updateJob(this.id, patch);
      } catch {
        // kept in memory: the job's state and error still reach its listeners
      }
    };
    const control: JobControl<P> = {
      signal: this.abort.signal,
      checkpoint: async () => {
        if (this.resumeGate) await this.resumeGate.promise;
        if (this.abort.signal.aborted) throw new EngineError('cancelled', `the ${kind} job was cancelled`);
      },
      report: (p) => {
        this.latest = p;
        this.emit('progress', p);
        const now = Date.now();
        if (now - this.lastWrite >= every) {
          this.lastWrite = now;
          record({ progress: p as Record<string, unknown> });
        }
      },
      get paused() { return job.current === 'paused'; },
    };
    // Started on the next tick so that callers can attach listeners first.
    this.result = Promise.resolve().then(() => body(control)).then(
      (r) => {
        record({ progress: (this.latest ?? {}) as Record<string, unknown> });
        this.setState('done');
        this.emit('done', r);
        return r;
      },
      (err: unknown) => {
        const e = EngineError.from(err);
        const state = e.kind === 'cancelled' ? 'cancelled' : 'failed';
        record({ progress: (this.latest ?? {}) as Record<string, unknown>, error: e.toJSON() });
        this.setState(state);
        if (this.listenerCount('failed') > 0) this.emit('failed', e);
        throw e;
      },
    );
    // The promise is also observed through events; an unobserved rejection must not crash the process.
    this.result.catch(() => undefined);
    this.on('state', (s) => record({ state: s }));
  }

  get state(): JobState {
    return this.current;
  }

  get progress(): P | undefined {
    return this.latest;
  }

  pause(): void {
    if (this.current !== 'running') return;
    let open!: () => void;
    const promise = new Promise<void>((r) => { open = r; });
    this.resumeGate = { promise, open };
    this.setState('paused');
  }

  resume(): void {
    if (this.current !== 'paused') return;
    const gate = this.resumeGate;
    this.resumeGate = undefined;
    this.setState('running');
    gate?.open();
  }

  cancel(): void {
    if (this.current === 'done' || this.current === 'failed' || this.current === 'cancelled') return;
    this.abort.abort();
    const gate = this.resumeGate;
    this.resumeGate = undefined;
    gate?.open();
  }

  private setState(s: JobState): void {
    if (this.current === s) return;
    this.current = s;
    this.emit('state', s);
  }
}

/** The job's durable record, or none when it cannot be written: the work itself then says why (a full disk). */
function createRecord(recorder: JobRecorder | undefined, kind: string, config: Record<string, unknown>): number | undefined {
  try {
    return recorder?.createJob(kind, config).id;
  } catch {
    return undefined;
  }
}
