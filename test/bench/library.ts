import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibraryStore } from '../../src-main/engine/library/store.ts';
import { prepareLibraryModel } from '../../src-main/engine/library/library-model.ts';
import { startIndexing, type IndexSummary } from '../../src-main/engine/library/indexer.ts';
import type { BenchRow } from './row.ts';

/**
 * Indexing the small SFX library end to end (scan, decode, windows, log-mel, reference tower,
 * tags, peaks, one transaction per file): the worker pool against one worker in the same run,
 * a rescan where nothing changed, and what the database costs per sound.
 */
export async function run(lib: string): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'onomato-bench-library-'));
  try {
    const models = join(dir, 'models');
    const indexInto = async (name: string, workers: number) => {
      const store = LibraryStore.open(join(dir, `${name}.sqlite`));
      const model = await prepareLibraryModel(store, models);
      const summary = await startIndexing({ store, model, folders: [lib], workers }).result;
      return { store, model, summary };
    };
    const rate = (s: IndexSummary) => s.decoded / (s.elapsedMs / 1000);

    const one = await indexInto('one-worker', 1);
    one.store.close();
    const workers = availableParallelism();
    const pool = await indexInto('pool', workers);
    const { store, model, summary } = pool;

    const rescanStart = performance.now();
    const rescan = await startIndexing({ store, model, workers }).result;
    const rescanMs = performance.now() - rescanStart;

    store.checkpoint();
    const counts = store.counts();
    const bytes = store.databaseBytes();
    const vectorBytes = (store.rawDatabaseForTests().prepare(`SELECT sum(pgsize) AS n FROM dbstat WHERE name = 'sound_embeddings'`).get() as { n: number }).n;
    store.close();

    return [
      {
        metric: `indexing throughput, ${summary.decoded} files of the small set`,
        value: rate(summary),
        unit: 'files/s',
        baseline: { name: '1 worker', value: rate(one.summary) },
        note: `pool of ${workers} workers on ${summary.provider}; ${(summary.elapsedMs / 1000).toFixed(1)} s vs ${(one.summary.elapsedMs / 1000).toFixed(1)} s; ${summary.failed} failed`,
      },
      {
        metric: `rescan with nothing changed, ${rescan.unchanged} files`,
        value: rescanMs,
        unit: 'ms',
        note: `${rescan.decoded} decoded`,
      },
      {
        metric: 'database size per sound',
        value: bytes / counts.sounds,
        unit: 'B',
        note: `${(bytes / 2 ** 20).toFixed(1)} MB for ${counts.sounds} sounds, ${counts.windows} windows, ${counts.tags} tags`,
      },
      {
        metric: 'stored vector size per window (384-d float32 = 1536 B)',
        value: vectorBytes / counts.windows,
        unit: 'B',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
