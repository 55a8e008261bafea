import { availableParallelism } from 'node:os';
import { EngineError, type SerializedError } from '../errors.ts';
import type { JobControl } from '../jobs/job.ts';
import { WorkerThread } from '../workers.ts';
import type { Analysis, AnalysisSettings } from './analyse.ts';
import type { WorkerReply, WorkerRequest } from './analyse-protocol.ts';

/** When a worker past its file's time limit (checked by the analysis itself) is given up on. */
function hardLimitMs(settings: AnalysisSettings): number {
  return settings.fileTimeLimitSec * 2000 + 5000;
}

export type AnalysisOutcome = { ok: true; analysis: Analysis } | { ok: false; error: SerializedError };

interface Slot {
  thread: WorkerThread<WorkerRequest, WorkerReply>;
  busy: { soundId: number; path: string; resolve: (o: AnalysisOutcome) => void } | undefined;
  /** Terminated for overrunning its file: whatever it says or does from now on is ignored. */
  retired?: boolean;
}

/**
 * A pool of analysis workers, one per core by default. `analyse` resolves with the outcome of
 * one file; a worker that dies mid-file (a decoder crash, out of memory) fails only that file and
 * is replaced, so one poisonous file cannot stop a scan.
 */
export class AnalysisPool {
  readonly size: number;
  provider = 'cpu';
  dimension = 0;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly waiting: ((s: Slot) => void)[] = [];
  private closed = false;

  private constructor(
    size: number,
    private readonly onnxPath: string,
    private readonly settings: AnalysisSettings,
    private readonly providers: string[] | undefined,
    private readonly version: Uint8Array | undefined,
  ) {
    this.size = size;
  }

  /** `version`: the encoded model version whose features and reference head the workers apply. */
  static async start(onnxPath: string, settings: AnalysisSettings, options: { workers?: number; providers?: string[]; version?: Uint8Array } = {}): Promise<AnalysisPool> {
    const size = Math.max(1, options.workers ?? availableParallelism());
    const pool = new AnalysisPool(size, onnxPath, settings, options.providers, options.version);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      let ready = false;
      const onMessage = (m: WorkerReply) => {
        if (m.type === 'ready') {
          ready = true;
          this.provider = m.provider;
          this.dimension = m.dimension;
          this.slots.push(slot);
          this.release(slot);
          resolve();
        } else if (m.type === 'fatal') {
          reject(EngineError.from(m.error));
        } else if (slot.busy && slot.busy.soundId === m.soundId) {
          const job = slot.busy;
          slot.busy = undefined;
          job.resolve(m.type === 'analysed' ? { ok: true, analysis: m.analysis } : { ok: false, error: m.error });
          this.release(slot);
        }
      };
      const thread = new WorkerThread<WorkerRequest, WorkerReply>(
        new URL('./analyse.worker.ts', import.meta.url),
        { onnxPath: this.onnxPath, settings: this.settings, providers: this.providers, version: this.version },
        { onMessage, closeRequest: { type: 'close' } },
      );
      const slot: Slot = { thread, busy: undefined };
      // Once per worker, however it ended (an error is reported with its exit), so one crash is one replacement.
      void thread.exited.then((exit) => {
        if (slot.retired || (this.closed && !slot.busy)) return;
        const reason = exit.error?.message ?? `exit code ${exit.code}`;
        if (!ready) { reject(new EngineError('internal', `an analysis worker could not start (${reason})`)); return; }
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        const j = this.idle.indexOf(slot);
        if (j >= 0) this.idle.splice(j, 1);
        const job = slot.busy;
        slot.busy = undefined;
        job?.resolve({ ok: false, error: { kind: 'internal', message: `the analysis crashed on this file (${reason})` } });
        if (!this.closed) this.spawn().catch(() => undefined);
      });
    });
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  private acquire(): Promise<Slot> {
    const s = this.idle.shift();
    return s ? Promise.resolve(s) : new Promise((r) => this.waiting.push(r));
  }

  /** Waits for a free worker, then analyses `path` on it. */
  async analyse(soundId: number, path: string): Promise<AnalysisOutcome> {
    if (this.closed) throw new EngineError('cancelled', 'the analysis pool was closed');
    const slot = await this.acquire();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.overrun(slot), hardLimitMs(this.settings));
      slot.busy = { soundId, path, resolve: (o) => { clearTimeout(timer); resolve(o); } };
      slot.thread.send({ type: 'analyse', soundId, path });
    });
  }

  /**
   * A worker that has not answered long after the file's own time limit is stuck in code that
   * cannot look at the clock (a decoder's loop): the file fails as 'timed-out', the worker is
   * terminated and replaced. By then it is not inside an inference (those take milliseconds),
   * which is when terminating a thread is unsafe.
   */
  private overrun(slot: Slot): void {
    const job = slot.busy;
    if (!job) return;
    slot.busy = undefined;
    slot.retired = true;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    job.resolve({ ok: false, error: { kind: 'timed-out', message: `analysing it took longer than ${hardLimitMs(this.settings) / 1000} s, so it was stopped and passed over (a damaged or hostile file; it is tried again when it changes)` } });
    void slot.thread.terminate();
    if (!this.closed) this.spawn().catch(() => undefined);
  }

  /**
   * Stops every worker after the file it has in hand (results that arrive now are abandoned and
   * those files stay pending). A worker is terminated only if it does not finish in time:
   * terminating a thread during an inference can abort the whole process.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await Promise.all(this.slots.map((s) => s.thread.close()));
    this.slots.length = 0;
    this.idle.length = 0;
  }
}

/**
 * Analyses each sound on the pool for a job, one file per worker in flight, so a pause stops new
 * work within one file per worker. `handle` gets each outcome on the main thread (the only writer);
 * one that throws (a write that fails: a full disk) stops the run, and `describe` turns what it
 * threw into the error the run ends with, once the files in flight are done. A task never rejects,
 * so no failure escapes as an unhandled rejection and takes the process down.
 */
export async function analyseEach<S extends { id: number; path: string }>(
  pool: AnalysisPool,
  sounds: readonly S[],
  control: Pick<JobControl<unknown>, 'checkpoint' | 'signal'>,
  handle: (sound: S, outcome: AnalysisOutcome) => void,
  describe: (err: unknown) => EngineError,
  onDispatch?: (sound: S) => void,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let stopped: EngineError | undefined;
  for (const sound of sounds) {
    await control.checkpoint();
    while (inFlight.size >= pool.size) await Promise.race(inFlight);
    await control.checkpoint();
    if (stopped) break;
    onDispatch?.(sound);
    const task = pool.analyse(sound.id, sound.path).then((outcome) => {
      if (control.signal.aborted || stopped) return;
      handle(sound, outcome);
    }).catch((err: unknown) => { stopped ??= describe(err); });
    inFlight.add(task);
    void task.then(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
  if (stopped) throw stopped;
}
