import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread from a module URL, whether the engine runs from TypeScript source
 * (through tsx) or from a bundled .js build.
 */
export function startWorker(entry: URL, workerData: Record<string, unknown> = {}, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  if (entry.pathname.endsWith('.ts')) {
    return new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      ...options,
      workerData: { ...workerData, __entry: entry.href },
    });
  }
  return new Worker(entry, { ...options, workerData });
}
