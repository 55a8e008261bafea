import { WorkerThread } from '../workers.ts';

export interface ScanLayout {
  matrixAt: number;
  rowBytes: number;
  queryAt: number;
  outAt: number;
}

export type ScanRequest =
  | { type: 'attach'; memory: WebAssembly.Memory; stride: number }
  | { type: 'close' }
  | {
    type: 'scan'; id: number; layout: ScanLayout; scale: Float32Array; sound: Int32Array;
    start: number; end: number; keep: number; allow: Uint8Array | null; exclude: number;
  };

export interface ScanReply {
  id: number;
  rows: Int32Array;
  scores: Float64Array;
}

/**
 * A thread that scores part of an index's rows while the caller scores the rest: the second
 * core of the target machine. It shares the index's memory, so a scan costs one message each
 * way. An idle thread does not keep the process alive; one with a scan in hand does, or a process
 * whose only pending work is that scan (a CLI command, the bench) would exit with its promise
 * unsettled (exit code 13).
 */
export class ScanHelper {
  private readonly thread: WorkerThread<ScanRequest, ScanReply | { ready: true }>;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (r: ScanReply) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;
  /** The thread has started and holds the index's memory. */
  ready = false;

  constructor(memory: WebAssembly.Memory, stride: number) {
    const fail = (err: Error) => {
      this.failed = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.thread = new WorkerThread<ScanRequest, ScanReply | { ready: true }>(new URL('./scan.worker.ts', import.meta.url), {}, {
      closeRequest: { type: 'close' },
      onMessage: (r) => {
        if ('ready' in r) {
          this.ready = true;
          return;
        }
        this.waiting.get(r.id)?.resolve(r);
        this.waiting.delete(r.id);
        if (this.waiting.size === 0) this.thread.unref();
      },
    });
    this.thread.unref();
    void this.thread.exited.then((exit) => fail(exit.error ?? new Error(`the scan helper thread stopped (exit code ${exit.code})`)));
    const attach: ScanRequest = { type: 'attach', memory, stride };
    this.thread.send(attach);
  }

  scan(request: Omit<Extract<ScanRequest, { type: 'scan' }>, 'type' | 'id'>): Promise<ScanReply> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.thread.ref();
      this.waiting.set(id, { resolve, reject });
      const message: ScanRequest = { type: 'scan', id, ...request };
      this.thread.send(message);
    });
  }

  /** Stops the thread after the scan in hand. */
  async close(): Promise<void> {
    await this.thread.close();
  }
}
