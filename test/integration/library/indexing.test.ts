import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, renameSync, rmSync, utimesSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { copySfxSubset, writeCorruptFiles } from '../../support/library-copy.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { prepareLibraryModel, type LibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { startIndexing, type IndexSummary } from '../../../src-main/engine/library/indexer.ts';
import { LibrarySearch } from '../../../src-main/engine/library/search.ts';
import { LibraryWatch } from '../../../src-main/engine/library/watcher.ts';
import { loadMono32k } from '../../../src-main/engine/audio/decode.ts';
import { analyseQuery } from '../../../src-main/engine/library/analyse.ts';
import { openModelPair } from '../../../src-main/engine/model/runtime.ts';
import { SAMPLE_RATE } from '../../../src-main/engine/features/log-mel.ts';
import { windowCount } from '../../../src-main/engine/features/windows.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/** Windows the indexer must have stored for a sound analysed over `seconds`: the product's own rule (10 s windows, 5 s hop). */
function expectedWindows(seconds: number): number {
  return windowCount(Math.round(seconds * SAMPLE_RATE));
}

describe('indexing a real SFX library', () => {
  const dir = suiteTempDir('onomato-index-');
  let lib: string;
  let store: LibraryStore;
  let model: LibraryModel;
  let corrupt: string[];
  let copied: string[];

  const index = (folders?: string[]): Promise<IndexSummary> => startIndexing({ store, model, folders, workers: 2 }).result;

  beforeAll(async () => {
    const sfx = await smallSfxLibrary();
    lib = join(dir, 'sfx');
    copied = copySfxSubset(sfx, lib, 40);
    corrupt = writeCorruptFiles(join(lib, 'broken'));
    mkdirSync(join(lib, '__MACOSX'));
    cpSync(join(lib, copied[0]), join(lib, '__MACOSX', 'copy.wav'));
    cpSync(join(lib, copied[0]), join(lib, 'broken', '._resource.wav'));
    store = LibraryStore.open(join(dir, 'library.sqlite'));
    model = await prepareLibraryModel(store, join(dir, 'models'));
  });
  afterAll(() => {
    store?.close();
  });

  it('indexes every readable file, records the broken ones and stops for none of them', async () => {
    const s = await index([lib]);
    expect(s.found).toBe(copied.length + corrupt.length);
    expect(s.indexed).toBe(copied.length);
    expect(s.failed).toBe(corrupt.length);
    expect(s.decoded).toBe(copied.length + corrupt.length);
    expect(s.failures.map((f) => f.path).sort()).toEqual([...corrupt].sort());
    for (const f of s.failures) {
      expect(['empty-file', 'truncated', 'corrupt', 'unsupported-format', 'not-audio']).toContain(f.kind);
      expect(f.reason.length).toBeGreaterThan(5);
    }
    expect(store.failures().map((f) => f.path).sort()).toEqual([...corrupt].sort());
    const counts = store.counts();
    expect(counts).toMatchObject({ sounds: copied.length + corrupt.length, indexed: copied.length, failed: corrupt.length, pending: 0 });
    for (const rel of copied) {
      const sound = store.soundByPath(join(lib, rel))!;
      expect(sound.status).toBe('indexed');
      expect(sound.durationSec).toBeGreaterThan(0.04);
      expect(sound.analysedSec).toBeLessThanOrEqual(600);
      expect(store.windowCount(sound.id, model.versionId)).toBe(expectedWindows(sound.analysedSec!));
      expect(store.peaks(sound.id)).toHaveLength(200);
      expect(sound.contentHash).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(counts.tags).toBeGreaterThan(copied.length / 2);
    const job = store.jobs({ kind: 'scan' })[0];
    expect(job.state).toBe('done');
    expect(job.progress).toMatchObject({ done: copied.length + corrupt.length, total: copied.length + corrupt.length });
  });

  it('costs no decoding when nothing changed', async () => {
    const s = await index();
    expect(s).toMatchObject({ decoded: 0, indexed: 0, unchanged: copied.length + corrupt.length, moved: 0, deleted: 0 });
  });

  it('re-indexes touched and edited files, follows renames without decoding, and drops deleted files', async () => {
    const [touched, edited, renamed, deleted] = copied.filter((p) => p.endsWith('.wav')).slice(0, 4);
    const renamedId = store.soundByPath(join(lib, renamed))!.id;
    const renamedWindows = store.soundWindows(renamedId, model.versionId);
    const later = new Date(Date.now() + 120_000);
    utimesSync(join(lib, touched), later, later);
    appendFileSync(join(lib, edited), Buffer.alloc(64)); // trailing bytes after the data chunk
    mkdirSync(join(lib, 'moved here'));
    renameSync(join(lib, renamed), join(lib, 'moved here', 'WHSH_renamed.wav'));
    rmSync(join(lib, deleted));
    cpSync(join(lib, copied.find((p) => p.endsWith('.ogg'))!), join(lib, 'broken', 'empty.wav'));

    const s = await index();
    expect(s).toMatchObject({ changed: 3, moved: 1, deleted: 1, indexed: 3, failed: 0, decoded: 3 });
    const moved = store.sound(renamedId)!;
    expect(moved).toMatchObject({ path: join(lib, 'moved here', 'WHSH_renamed.wav'), status: 'indexed', ucsCategory: 'SWOOSHES' });
    expect(store.soundWindows(renamedId, model.versionId)).toEqual(renamedWindows);
    expect(store.soundByPath(join(lib, deleted))).toBeUndefined();
    expect(store.sound(store.soundByPath(join(lib, 'broken', 'empty.wav'))!.id)?.status).toBe('indexed');
    expect(store.searchText('renamed')).toEqual([renamedId]);
  });

  it('ranks a sound first when its own file is the query', async () => {
    const search = await LibrarySearch.open(store);
    const pair = await openModelPair(model.built, { threads: 1, log: () => undefined });
    try {
      const sample = copied.filter((_, i) => i % 4 === 1).map((rel) => store.soundByPath(join(lib, rel))).filter((s) => s?.status === 'indexed');
      expect(sample.length).toBeGreaterThan(5);
      for (const sound of sample) {
        // A file as a query ("find sounds like this one") takes the library's own reference path.
        const { samples } = await loadMono32k(sound!.path, { maxSeconds: 10 });
        const { queries } = await analyseQuery(samples, pair, model.version, 'reference');
        const [first, second] = await search.searchWindows(queries, { top: 3 });
        expect(first.sound.id, sound!.path).toBe(sound!.id);
        expect(first.score).toBeGreaterThan(second.score);
        expect(first.offsetSec).toBe(0);
      }
    } finally {
      await pair.close();
    }
  });

  it('indexes a file dropped into a watched folder and search catches up with exactly that sound', async () => {
    const search = await LibrarySearch.open(store);
    const watch = new LibraryWatch(store, model, { debounceMs: 200, workers: 1 });
    try {
      const indexed = new Promise<IndexSummary>((r) => watch.once('indexed', r));
      const source = copied.find((p) => p.endsWith('.flac')) ?? copied[1];
      const dropped = join(lib, 'new arrivals', 'FOLYClth_dropped.flac');
      mkdirSync(join(lib, 'new arrivals'));
      cpSync(join(lib, source), dropped);
      const summary = await indexed;
      expect(summary).toMatchObject({ added: 1, indexed: 1, decoded: 1 });
      const sound = store.soundByPath(dropped)!;
      expect(sound).toMatchObject({ status: 'indexed', ucsCategory: 'FOLEY' });
      expect(summary.touchedSoundIds).toEqual([sound.id]);
      const before = search.size;
      expect(await search.sync()).toBe(1);
      expect(search.size).toBe(before + 1);
    } finally {
      watch.close();
    }
  });

  it('pauses, cancels mid-run leaving unfinished files pending, and resumes on the next run', async () => {
    const fresh = LibraryStore.open(join(dir, 'pause.sqlite'));
    try {
      const freshModel = await prepareLibraryModel(fresh, join(dir, 'models'));
      const job = startIndexing({ store: fresh, model: freshModel, folders: [lib], workers: 2 });
      const committed = new Set<number>();
      job.on('progress', (p) => { if (p.lastSoundId !== null) committed.add(p.lastSoundId); });
      const reached = (n: number) => new Promise<void>((r) => { const on = (p: { done: number }) => { if (p.done >= n) { job.off('progress', on); r(); } }; job.on('progress', on); });
      await reached(3);
      job.pause();
      const pausedAt = job.progress!.done;
      // Files already on a worker still finish (at most one a worker), but none starts: on a loaded
      // machine one of them can take longer than any wait, so the bound is the number of workers.
      await new Promise((r) => setTimeout(r, 1500));
      const atPause = job.progress!.done;
      expect(atPause - pausedAt).toBeLessThanOrEqual(2);
      await new Promise((r) => setTimeout(r, 1500));
      expect(job.progress!.done - pausedAt).toBeLessThanOrEqual(2);
      expect(fresh.job(job.id!)?.state).toBe('paused');
      job.resume();
      await reached(atPause + 2);
      job.cancel();
      await expect(job.result).rejects.toMatchObject({ kind: 'cancelled' });
      expect(fresh.job(job.id!)?.state).toBe('cancelled');
      const c = fresh.counts();
      expect(c.pending).toBeGreaterThan(0);
      expect(c.windows).toBeGreaterThanOrEqual(c.indexed);
      const finished = c.indexed + c.failed;
      // Progress names every committed sound, so a search index can follow the scan file by file.
      expect(committed.size).toBe(finished);
      for (const id of committed) expect(fresh.sound(id)?.status).not.toBe('pending');
      const rest = await startIndexing({ store: fresh, model: freshModel, workers: 2 }).result;
      expect(rest.decoded).toBe(c.sounds - finished);
      expect(fresh.counts().pending).toBe(0);
    } finally {
      fresh.close();
    }
  });
});
