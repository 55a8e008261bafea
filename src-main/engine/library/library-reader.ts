import { ServingThread } from '../workers.ts';
import type { LibraryStore } from './store.ts';

/**
 * The store's queries whose cost grows with the whole library: sums over every sound, and ranked
 * or sorted full text. Measured on this 2-core machine at 100k sounds: folder summaries 150-200 ms,
 * folder counts 90 ms, the counts 27-54 ms, a word that every sound carries 100 + 180 ms; ten times
 * that at a million, far past the 50 ms the engine's thread may be held.
 */
export const LIBRARY_READS = ['counts', 'rootSummaries', 'folderCounts', 'countMatching', 'rankText', 'browseSounds'] as const;
export type LibraryRead = (typeof LIBRARY_READS)[number];
type ReadOf<K extends LibraryRead> = LibraryStore[K] extends (...args: infer A) => infer R ? { args: A; result: R } : never;
export interface ReadCall { query: LibraryRead; args: unknown[] }

/**
 * Answers those queries on a thread of its own, over a read-only connection to the same database
 * (WAL lets it read while the engine's thread writes, and it sees every committed transaction),
 * so the engine's thread only waits. The answers are the store's own methods, run there. An
 * in-memory database has no second connection, and a reader thread that could not start or
 * stopped is not relied on: then the store answers on this thread.
 */
export class LibraryReader {
  private thread: ServingThread<ReadCall, unknown> | null;

  constructor(private readonly store: LibraryStore) {
    this.thread = store.path === ':memory:' || store.path === ''
      ? null
      : new ServingThread<ReadCall, unknown>(new URL('./library-reader.worker.ts', import.meta.url), { path: store.path });
  }

  async read<K extends LibraryRead>(query: K, ...args: ReadOf<K>['args']): Promise<ReadOf<K>['result']> {
    if (this.thread && !this.thread.stopped) {
      try {
        return (await this.thread.call({ query, args })) as ReadOf<K>['result'];
      } catch (err) {
        if (!this.thread.stopped) throw err;
      }
    }
    return (this.store[query] as (...a: unknown[]) => ReadOf<K>['result'])(...args);
  }

  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = null;
  }
}
