import { parentPort, workerData } from 'node:worker_threads';
import { EngineError } from '../errors.ts';
import { serveCalls } from '../workers.ts';
import { LIBRARY_READS, type ReadCall } from './library-reader.ts';
import { LibraryStore } from './store.ts';

/** The library reader's thread: the store's library-wide queries over a read-only connection of its own. */
const store = LibraryStore.open((workerData as { path: string }).path, { readonly: true });

serveCalls<ReadCall, unknown>(parentPort!, ({ query, args }) => {
  if (!(LIBRARY_READS as readonly string[]).includes(query)) throw new EngineError('invalid-argument', `the library reader does not answer "${query}"`);
  return { value: (store[query] as (...a: unknown[]) => unknown)(...args) };
});
