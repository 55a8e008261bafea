import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { LibrarySearch, snapshotPath } from '../../../src-main/engine/library/search.ts';
import { embeddingOf, embeddingSpace, perturbed } from '../search/synthetic-embeddings.ts';
import { testTempDir, withTempDir } from '../../support/temp-dir.ts';

const DIMENSION = 24;
const space = embeddingSpace(DIMENSION, { kinds: 20, spread: 0.4, bias: 1, seed: 5 });

/** Puts `count` sounds in `/sfx/<folder>` with 1-3 windows each, committed like the indexer does. */
function addSounds(store: LibraryStore, folder: string, count: number, seed: number): number[] {
  const root = store.roots()[0] ?? store.addRoot('/sfx');
  const ids = store.addPendingSounds(Array.from({ length: count }, (_, i) => ({ rootId: root.id, path: `/sfx/${folder}/s${seed}-${i}.wav`, size: 1, mtimeMs: 1 })));
  store.transaction(() => ids.forEach((id, i) => store.commitAnalysed({
    soundId: id, modelId: 'm', contentHash: `h${seed}-${i}`, format: 'wav', sampleRate: 32000, channels: 1, bitDepth: 16,
    durationSec: 3, analysedSec: 3, peaks: new Float32Array(4), description: null, metadata: {}, tags: [],
    windows: Array.from({ length: 1 + (i % 3) }, (_, w) => ({ offsetSec: 5 * w, vector: embeddingOf(space, seed * 10_000 + i * 4 + w) })),
  })));
  return ids;
}

function queries(n: number): Float32Array[] {
  return Array.from({ length: n }, (_, q) => perturbed(embeddingOf(space, 10_000 + q * 4), 0.5, 77 + q));
}

async function ranking(search: LibrarySearch, q: Float32Array, filter?: { folders: string[] }): Promise<number[]> {
  return (await search.search(q, { top: 10, filter })).map((m) => m.sound.id);
}

describe('the search index snapshot and the change log', () => {
  const dir = testTempDir('onomato-snap-');
  let store: LibraryStore;
  let snapshot: string;

  beforeEach(() => {
    store = LibraryStore.open(join(dir(), 'library.sqlite'));
    store.putModelVersion({ id: 'm', kind: 'pretrained' });
    store.setActiveModelVersion('m');
    addSounds(store, 'doors', 300, 1);
    snapshot = snapshotPath(store, 'm')!;
  });
  afterEach(() => {
    store.close();
  });

  async function reopen(): Promise<{ search: LibrarySearch; refused: string[] }> {
    const refused: string[] = [];
    const search = await LibrarySearch.open(store, { onSnapshotRefused: (r) => refused.push(r) });
    return { search, refused };
  }

  it('opens from its snapshot with the same answers as a build from the database', async () => {
    const built = await LibrarySearch.open(store);
    expect(built.source).toBe('database');
    await built.saveSnapshot();
    expect(built.unsaved).toBe(0);
    const { search, refused } = await reopen();
    expect(refused).toEqual([]);
    expect(search.source).toBe('snapshot');
    expect(search.size).toBe(300);
    for (const q of queries(8)) expect(await ranking(search, q)).toEqual(await ranking(built, q));
  });

  it('catches a stale snapshot up with only the sounds changed since it was written', async () => {
    const built = await LibrarySearch.open(store);
    await built.saveSnapshot();
    const gone = store.sounds({ limit: 5 }).map((s) => s.id);
    store.deleteSounds(gone);
    const added = addSounds(store, 'wind', 40, 2);
    const { search } = await reopen();
    expect(search.source).toBe('snapshot');
    expect(search.size).toBe(300 - 5 + 40);
    expect(search.currentStamp).toBe(store.changeStamp());
    const fresh = await LibrarySearch.open(store, { snapshot: false });
    for (const q of queries(8)) expect(await ranking(search, q)).toEqual(await ranking(fresh, q));
    // The query closest to an added sound finds it; deleted sounds are never returned.
    const [found] = await search.search(embeddingOf(space, 2 * 10_000 + 7 * 4), { top: 1 });
    expect(found.sound.id).toBe(added[7]);
    for (const q of queries(8)) expect((await ranking(search, q)).some((id) => gone.includes(id))).toBe(false);
  });

  for (const [what, damage, reason] of [
    ['of another format version', (p: string) => { const b = readFileSync(p); b.writeUInt32LE(99, 8); writeFileSync(p, b); }, /format 99/],
    ['truncated', (p: string) => truncateSync(p, readFileSync(p).length - 100), /truncated/],
    ['cut inside its header', (p: string) => truncateSync(p, 20), /truncated/],
    ['not a snapshot at all', (p: string) => writeFileSync(p, 'hello'), /not an Onomato index snapshot/],
    ['with broken window links', (p: string) => { const b = readFileSync(p); b.writeInt32LE(3, b.length - 4 * 10); writeFileSync(p, b); }, /inconsistent/],
  ] as const) {
    it(`is never trusted when ${what}: search rebuilds from the database and answers correctly`, async () => {
      const built = await LibrarySearch.open(store);
      await built.saveSnapshot();
      damage(snapshot);
      const { search, refused } = await reopen();
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatch(reason);
      expect(refused[0]).toContain(snapshot);
      expect(search.source).toBe('database');
      for (const q of queries(5)) expect(await ranking(search, q)).toEqual(await ranking(built, q));
    });
  }

  it('refuses a snapshot written for another library, even one with the same model and sounds', () => withTempDir(async (otherDir) => {
    const other = LibraryStore.open(join(otherDir, 'library.sqlite'));
    other.putModelVersion({ id: 'm', kind: 'pretrained' });
    other.setActiveModelVersion('m');
    addSounds(other, 'doors', 300, 1);
    await (await LibrarySearch.open(other)).saveSnapshot();
    copyFileSync(snapshotPath(other, 'm')!, snapshot);
    other.close();
    const { search, refused } = await reopen();
    expect(refused[0]).toMatch(/another library/);
    expect(search.source).toBe('database');
  }, 'onomato-snap-other-'));

  it('refuses a snapshot newer than the database (the database was restored from an older copy)', async () => {
    store.checkpoint();
    const backup = join(dir(), 'backup.sqlite');
    copyFileSync(store.path, backup);
    addSounds(store, 'wind', 10, 2);
    await (await LibrarySearch.open(store)).saveSnapshot();
    const saved = readFileSync(snapshot);
    store.close();
    copyFileSync(backup, join(dir(), 'library.sqlite'));
    rmSync(join(dir(), 'library.sqlite-wal'), { force: true });
    store = LibraryStore.open(join(dir(), 'library.sqlite'));
    writeFileSync(snapshot, saved);
    const { search, refused } = await reopen();
    expect(refused[0]).toMatch(/newer than the library/);
    expect(search.size).toBe(300);
  });

  it('follows sounds another process commits while it is open', async () => {
    const search = await LibrarySearch.open(store);
    const cli = LibraryStore.open(store.path);
    try {
      const version = store.dataVersion();
      const added = addSounds(cli, 'wind', 25, 3);
      cli.deleteSounds(added.slice(0, 5));
      expect(store.dataVersion()).not.toBe(version);
      expect(await search.sync()).toBe(25);
      expect(search.size).toBe(300 + 20);
      const [found] = await search.search(embeddingOf(space, 3 * 10_000 + 9 * 4), { top: 1 });
      expect(found.sound.id).toBe(added[9]);
      expect(await search.sync()).toBe(0);
    } finally {
      cli.close();
    }
  });

  it('answers a narrow folder filter from that folder only, like the full scan does', async () => {
    const wind = addSounds(store, 'wind', 12, 4);
    const search = await LibrarySearch.open(store);
    expect(search.allowed({ folders: ['/sfx/wind'] })).toBeInstanceOf(Set);
    for (const q of queries(6)) {
      const got = await ranking(search, q, { folders: ['/sfx/wind'] });
      expect(got.length).toBe(10);
      expect(got.every((id) => wind.includes(id))).toBe(true);
      const exact = (await search.search(q, { top: 10, exact: true, filter: { folders: ['/sfx/wind'] } })).map((m) => m.sound.id);
      expect(got).toEqual(exact);
    }
  });

  it('searches the database directly, with the index\'s answers, while an index is being built', async () => {
    const search = await LibrarySearch.open(store);
    for (const q of queries(5)) {
      const direct = await LibrarySearch.searchDatabase(store, 'm', [q], { top: 10 });
      const exact = await search.search(q, { top: 10, exact: true });
      expect(direct.map((m) => m.sound.id)).toEqual(exact.map((m) => m.sound.id));
      expect(direct[0].score).toBeCloseTo(exact[0].score, 5);
      expect(direct[0].offsetSec).toBe(exact[0].offsetSec);
    }
    const filtered = await LibrarySearch.searchDatabase(store, 'm', queries(1), { top: 50, filter: { text: 's1-2' } });
    expect(filtered.every((m) => m.sound.name.startsWith('s1-2'))).toBe(true);
  });
});
