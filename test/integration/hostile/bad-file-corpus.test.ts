import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/wav-write.ts';
import { startIndexing, type IndexSummary } from '../../../src-main/engine/library/indexer.ts';
import { prepareLibraryModel, type LibraryModel } from '../../../src-main/engine/library/library-model.ts';
import { LibrarySearch } from '../../../src-main/engine/library/search.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { allFinite } from '../../../src-main/engine/search/sound-index.ts';
import { sine } from '../../support/audio-signals.ts';
import { CLASSIC_BAD_FILES, writeClassicBadFiles, writeHostileFiles, type HostileCase } from '../../support/bad-files.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/**
 * Issue 14: the whole bad-file corpus (the 17 classic cases and the hostile ones) in one library
 * folder beside good sounds, through the real indexer with its worker pool. Nothing may crash or
 * hang past SCAN_LIMIT_MS; every refused file has a named error and a sentence; the good files are
 * indexed and searchable; the database passes integrity_check.
 */
const SCAN_LIMIT_MS = 120_000;
const GOOD = 5;

describe('the hostile bad-file corpus through the indexer', () => {
  const dir = suiteTempDir('onomato-corpus-');
  let lib: string;
  let store: LibraryStore;
  let model: LibraryModel;
  let cases: (HostileCase & { path: string })[];
  let summary: IndexSummary;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    lib = join(dir, 'library');
    mkdirSync(join(lib, 'good'), { recursive: true });
    for (let i = 0; i < GOOD; i++) await writeWav(join(lib, 'good', `good-${i}.wav`), { channels: [sine(250 * (i + 1), 16000, 2 * 16000, 0.5)], sampleRate: 16000, bitDepth: 16 });
    await writeClassicBadFiles(join(lib, 'classic'));
    const classic: (HostileCase & { path: string })[] = Object.entries(CLASSIC_BAD_FILES).map(([name, want]) => ({
      name, path: join(lib, 'classic', name),
      // A folder named like a sound is a folder to the scanner: walked, never listed as a sound.
      ...(name === 'a-folder.wav' ? { outcome: 'skipped' as const } : want.kind ? { outcome: 'failed' as const, kind: want.kind } : { outcome: 'indexed' as const, warning: want.warning }),
    }));
    const hostile = (await writeHostileFiles(join(lib, 'hostile'))).map((c) => ({
      ...c, path: typeof c.name === 'string' ? join(lib, 'hostile', c.name) : `${join(lib, 'hostile')}/${c.name.toString('utf8')}`,
    }));
    cases = [...classic, ...hostile];
    store = LibraryStore.open(join(dir, 'data', 'library.sqlite'));
    model = await prepareLibraryModel(store, join(dir, 'data', 'models'));
    const job = startIndexing({ store, model, folders: [lib], workers: 2 });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`the scan hung past ${SCAN_LIMIT_MS} ms`)), SCAN_LIMIT_MS); });
    try {
      summary = await Promise.race([job.result, limit]);
    } finally {
      clearTimeout(timer);
    }
  }, SCAN_LIMIT_MS + 60_000);

  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    const fixed = cases?.filter((c) => c.fixed) ?? [];
    const perDefect = new Map<string, number>();
    for (const c of fixed) perDefect.set(c.fixed!, (perDefect.get(c.fixed!) ?? 0) + 1);
    const byDefect = [...perDefect].map(([d, n]) => `${d}: ${n}`).join(', ');
    console.log(`hostile corpus: ${cases?.length ?? 0} cases tried, ${(cases?.length ?? 0) - fixed.length} held before issue 14's fixes, ${fixed.length} fixed (${byDefect}); plus ${GOOD} good files beside them`);
    store?.close();
  });

  it('finishes without a crash or an unhandled rejection, and indexes the good files beside the bad', () => {
    expect(unhandled).toEqual([]);
    for (let i = 0; i < GOOD; i++) expect(store.soundByPath(join(lib, 'good', `good-${i}.wav`))?.status).toBe('indexed');
    expect(store.counts().pending).toBe(0);
    expect(store.integrityCheck()).toBe('ok');
  });

  it('gives each case its one right outcome', () => {
    const unreadable = new Map(summary.unreadable.map((u) => [u.path, u.reason]));
    const wrong: string[] = [];
    for (const c of cases) {
      const sound = store.soundByPath(c.path);
      const what = `${c.path.slice(lib.length + 1)}: wanted ${c.outcome}${c.kind ? ` (${c.kind})` : ''}, got ${sound ? `${sound.status} ${sound.failureKind ?? ''} ${sound.failureReason ?? ''} ${sound.metadata.warnings ?? ''}` : unreadable.has(c.path) ? `unreadable: ${unreadable.get(c.path)}` : 'no sound'}`;
      const ok = (() => {
        switch (c.outcome) {
          case 'indexed':
            return sound?.status === 'indexed'
              && store.soundWindows(sound.id, model.versionId).every((w) => allFinite(w.vector))
              && store.windowCount(sound.id, model.versionId) > 0
              && (!c.warning || c.warning.test(sound.metadata.warnings ?? ''))
              && (c.channels === undefined || sound.channels === c.channels);
          case 'failed':
            // A named kind and a sentence for people: words first, no stack, code or SQL.
            return sound?.status === 'failed' && sound.failureKind === c.kind
              && /^[A-Za-z].{10,}/.test(sound.failureReason ?? '') && !/Error:|SQLITE|undefined|\bat \//.test(sound.failureReason ?? '');
          case 'skipped':
            return !sound && !unreadable.has(c.path);
          case 'unreadable':
            return !sound && c.reason!.test(unreadable.get(c.path) ?? '');
        }
      })();
      if (!ok) wrong.push(what);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the library searchable: no stored vector is unusable and a good sound finds itself first', async () => {
    const search = await LibrarySearch.open(store);
    expect(search.unusable).toEqual([]);
    const good = store.soundByPath(join(lib, 'good', 'good-2.wav'))!;
    const [query] = store.soundWindows(good.id, model.versionId);
    expect((await search.search(query.vector, { top: 3 }))[0].sound.id).toBe(good.id);
  });

  it('a second scan decodes nothing: refused files stay recorded until they change', async () => {
    const again = await startIndexing({ store, model, workers: 2 }).result;
    expect(again.decoded).toBe(0);
    expect(store.integrityCheck()).toBe('ok');
  });
});
