import { beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync, utimesSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanFolder } from '../../../src-main/engine/library/scanner.ts';
import { applyScanPlan, planScan, type RootOnDisk } from '../../../src-main/engine/library/scan-plan.ts';
import { contentHash } from '../../../src-main/engine/library/content-hash.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { testTempDir } from '../../support/temp-dir.ts';

const AUDIO = new Set(['.wav', '.flac', '.ogg']);

describe('scanning and planning', () => {
  const dir = testTempDir('onomato-scan-');
  let store: LibraryStore;
  beforeEach(() => {
    store = LibraryStore.open(':memory:');
    store.putModelVersion({ id: 'm1', kind: 'pretrained' });
  });

  const write = (rel: string, bytes: string) => {
    mkdirSync(join(dir(), rel, '..'), { recursive: true });
    writeFileSync(join(dir(), rel), bytes);
  };

  async function rootsOnDisk(): Promise<RootOnDisk[]> {
    return Promise.all(store.roots().map(async (r) => {
      try { return { rootId: r.id, path: r.path, scan: await scanFolder(r.path, AUDIO) }; } catch (e) { return { rootId: r.id, path: r.path, error: e as never }; }
    }));
  }

  /** Stands in for the analysis: the indexer stores the content hash with the result. */
  async function markAllIndexed(modelId = 'm1') {
    for (const p of store.pendingSounds()) {
      store.commitAnalysed({
        soundId: p.id, modelId, contentHash: await contentHash(p.path), format: 'wav', sampleRate: 32000, channels: 1, bitDepth: 16,
        durationSec: 1, analysedSec: 1, peaks: new Float32Array(2), description: null, metadata: {}, windows: [], tags: [],
      });
    }
  }

  it('skips hidden, system and non-audio files', async () => {
    for (const rel of ['a.wav', 'sub/B.FLAC', 'sub/deeper/c.ogg']) write(rel, rel);
    for (const rel of ['.hidden.wav', '._a.wav', 'Thumbs.db', 'desktop.ini', '.DS_Store', '__MACOSX/x.wav', '.git/y.wav', 'notes.txt', 'sub/cover.jpg']) write(rel, 'x');
    const scan = await scanFolder(dir(), AUDIO);
    expect(scan.files.map((f) => f.path.slice(dir().length + 1))).toEqual(['a.wav', 'sub/B.FLAC', 'sub/deeper/c.ogg']);
    expect(scan.skipped).toBe(9); // the two hidden folders count once each
    await expect(scanFolder(join(dir(), 'a.wav'), AUDIO)).rejects.toMatchObject({ kind: 'invalid-argument' });
    await expect(scanFolder(join(dir(), 'nope'), AUDIO)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('plans and applies a folder of thousands of sounds a slice at a time, and misses none', async () => {
    const root = store.addRoot('/drive/big');
    const files = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({ path: `/drive/big/f${from + k}.wav`, size: 10_000 + from + k, mtimeMs: 5 }));
    // 3,500 sounds known; on disk 1,200 of them are gone, 2,300 unchanged and 2,700 are new.
    store.addPendingSounds(files(0, 3500).map((f) => ({ rootId: root.id, ...f })));
    const onDisk = [...files(1200, 2300), ...files(3500, 2700)];
    const scan = { files: onDisk, skipped: 0, unreadable: [] };
    const plan = await planScan(store, [{ rootId: root.id, path: root.path, scan }], 'm1', async () => 'never hashed');
    expect([plan.unchanged, plan.added.length, plan.deleted.length, plan.moved.length]).toEqual([2300, 2700, 1200, 0]);
    await applyScanPlan(store, plan);
    expect(store.pendingSounds().map((p) => p.path).sort()).toEqual(onDisk.map((f) => f.path).sort());
    const again = await planScan(store, [{ rootId: root.id, path: root.path, scan }], 'm1', async () => 'never hashed');
    expect([again.unchanged, again.added.length, again.deleted.length]).toEqual([5000, 0, 0]);
  });

  it('detects new, changed, moved, deleted and unchanged files', async () => {
    write('keep.wav', 'keep-bytes');
    write('edit.wav', 'edit-bytes');
    write('move.wav', 'move-bytes-unique');
    write('gone.wav', 'gone-bytes');
    store.addRoot(dir());
    let plan = await planScan(store, await rootsOnDisk(), 'm1');
    expect(plan.added).toHaveLength(4);
    await applyScanPlan(store, plan);
    await markAllIndexed();
    const moveId = store.soundByPath(join(dir(), 'move.wav'))!.id;

    appendFileSync(join(dir(), 'edit.wav'), 'more');
    mkdirSync(join(dir(), 'elsewhere'));
    renameSync(join(dir(), 'move.wav'), join(dir(), 'elsewhere', 'renamed.wav'));
    rmSync(join(dir(), 'gone.wav'));
    write('new.wav', 'new-bytes');
    // Same size as the deleted file but other bytes: a new file, not a move.
    write('impostor.wav', 'GONE-BYTES');

    const hashed: string[] = [];
    plan = await planScan(store, await rootsOnDisk(), 'm1', async (p) => { hashed.push(p); return contentHash(p); });
    expect(plan.unchanged).toBe(1);
    expect(plan.changed.map((c) => c.id)).toEqual([store.soundByPath(join(dir(), 'edit.wav'))!.id]);
    expect(plan.moved).toEqual([expect.objectContaining({ id: moveId, from: join(dir(), 'move.wav') })]);
    expect(plan.deleted.map((d) => d.path)).toEqual([join(dir(), 'gone.wav')]);
    expect(plan.added.map((a) => a.path).sort()).toEqual([join(dir(), 'impostor.wav'), join(dir(), 'new.wav')]);
    // Only files whose size matches a missing sound are read.
    expect(hashed.sort()).toEqual([join(dir(), 'elsewhere', 'renamed.wav'), join(dir(), 'impostor.wav')]);

    await applyScanPlan(store, plan);
    const moved = store.sound(moveId)!;
    expect(moved).toMatchObject({ path: join(dir(), 'elsewhere', 'renamed.wav'), status: 'indexed', folder: join(dir(), 'elsewhere') });
    expect(store.pendingSounds().map((p) => p.path).sort()).toEqual([join(dir(), 'edit.wav'), join(dir(), 'impostor.wav'), join(dir(), 'new.wav')]);
    expect(store.soundByPath(join(dir(), 'gone.wav'))).toBeUndefined();
  });

  it('treats a touched file as changed and re-analyses sounds of another model version', async () => {
    write('a.wav', 'aaa');
    write('b.wav', 'bbb');
    store.addRoot(dir());
    applyScanPlan(store, await planScan(store, await rootsOnDisk(), 'm1'));
    await markAllIndexed();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir(), 'a.wav'), later, later);
    store.putModelVersion({ id: 'm2', kind: 'head' });
    const plan = await planScan(store, await rootsOnDisk(), 'm2');
    expect(plan.changed).toHaveLength(1);
    expect(plan.reanalyse).toEqual([store.soundByPath(join(dir(), 'b.wav'))!.id]);
  });

  it('keeps the sounds of a folder that is not there (an unplugged drive)', async () => {
    write('a.wav', 'aaa');
    const root = store.addRoot(dir());
    applyScanPlan(store, await planScan(store, await rootsOnDisk(), 'm1'));
    rmSync(dir(), { recursive: true, force: true });
    const plan = await planScan(store, await rootsOnDisk(), 'm1');
    expect(plan.unavailable).toEqual([{ path: root.path, reason: expect.any(String) }]);
    expect(plan.deleted).toEqual([]);
  });
});
