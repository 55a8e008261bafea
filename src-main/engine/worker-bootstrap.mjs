// Node 20 does not pass module loader hooks on to worker threads, so a worker started from
// TypeScript source (CLI, tests, web mode) registers tsx itself before loading its entry.
// Bundled builds (Electron) start their .js workers directly and never load this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
