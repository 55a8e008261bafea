import { ServingThread } from '../workers.ts';

export interface ScanLayout {
  matrixAt: number;
  rowBytes: number;
  queryAt: number;
  outAt: number;
}

export type ScanRequest =
  | { type: 'attach'; memory: WebAssembly.Memory; stride: number }
  | {
    type: 'scan'; layout: ScanLayout; scale: Float32Array; sound: Int32Array;
    start: number; end: number; keep: number; allow: Uint8Array | null; exclude: number;
  };

export interface ScanReply {
  rows: Int32Array;
  scores: Float64Array;
}

/**
 * A thread that scores part of an index's rows while the caller scores the rest: the second
 * core of the target machine. It shares the index's memory, so a scan costs one message each
 * way.
 */
export class ScanHelper {
  private readonly thread = new ServingThread<ScanRequest, ScanReply | null>(new URL('./scan.worker.ts', import.meta.url));
  /** The thread has started and holds the index's memory. */
  ready = false;

  constructor(memory: WebAssembly.Memory, stride: number) {
    // A thread that never attaches stays not ready: the index answers alone.
    this.thread.call({ type: 'attach', memory, stride }).then(() => { this.ready = true; }, () => undefined);
  }

  async scan(request: Omit<Extract<ScanRequest, { type: 'scan' }>, 'type'>): Promise<ScanReply> {
    const reply = await this.thread.call({ type: 'scan', ...request });
    if (!reply) throw new Error('the scan helper answered a scan without rows');
    return reply;
  }

  /** Stops the thread after the scan in hand. */
  close(): Promise<void> {
    return this.thread.close();
  }
}
