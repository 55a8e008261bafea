import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LibraryStore, type AnalysedSound } from '../../../src-main/engine/library/store.ts';

function analysed(soundId: number, overrides: Partial<AnalysedSound> = {}): AnalysedSound {
  return {
    soundId, modelId: 'ref-v1', contentHash: `hash-${soundId}`, format: 'wav', sampleRate: 48000, channels: 2, bitDepth: 24,
    durationSec: 3, analysedSec: 3, peaks: new Float32Array([0.1, 0.5, 0.2]), description: null, metadata: {},
    windows: [{ offsetSec: 0, vector: new Float32Array([1, 0, 0]) }, { offsetSec: 5, vector: new Float32Array([0, 1, 0]) }],
    tags: [{ label: 'Door', probability: 0.7 }, { label: 'Creak', probability: 0.2 }],
    ...overrides,
  };
}

describe('LibraryStore', () => {
  let store: LibraryStore;
  let rootId: number;
  beforeEach(() => {
    store = LibraryStore.open(':memory:');
    store.putModelVersion({ id: 'ref-v1', kind: 'pretrained' });
    rootId = store.addRoot('/sfx').id;
  });

  function addSounds(...paths: string[]): number[] {
    return store.addPendingSounds(paths.map((path) => ({ rootId, path, size: 100, mtimeMs: 1 })));
  }

  it('keeps roots unique and removes their sounds with them', () => {
    expect(store.addRoot('/sfx').id).toBe(rootId);
    const [id] = addSounds('/sfx/a.wav');
    store.commitAnalysed(analysed(id));
    expect(store.removeRoot(rootId)).toBe(true);
    expect(store.counts()).toMatchObject({ roots: 0, sounds: 0, windows: 0, tags: 0 });
    expect(store.searchText('a')).toEqual([]);
  });

  it('commits an analysed sound with its windows, tags, peaks and searchable text', () => {
    const [id] = addSounds('/sfx/doors/DOORWood_Old Barn Creak.wav');
    expect(store.sound(id)).toMatchObject({ status: 'pending', folder: '/sfx/doors', ucsCategory: 'DOORS', ucsSubcategory: 'WOOD' });
    store.commitAnalysed(analysed(id, { description: 'Heavy oak door' }));
    const s = store.sound(id)!;
    expect(s).toMatchObject({ status: 'indexed', durationSec: 3, bitDepth: 24, modelId: 'ref-v1', description: 'Heavy oak door' });
    expect(store.soundWindows(id, 'ref-v1').map((w) => [w.offsetSec, [...w.vector]])).toEqual([[0, [1, 0, 0]], [5, [0, 1, 0]]]);
    // Peaks are kept at 8 bits: within 1/255 of the analysed values.
    [...store.peaks(id)!].forEach((p, i) => expect(Math.abs(p - [0.1, 0.5, 0.2][i])).toBeLessThanOrEqual(1 / 255 + 1e-6));
    expect(store.soundTags(id)[0]).toEqual({ label: 'Door', probability: 0.7 });
    for (const q of ['oak', 'barn creak', 'doors wood', 'door']) expect(store.searchText(q)).toEqual([id]);
    expect(store.searchText('window')).toEqual([]);
  });

  it('replaces windows and tags when a sound is analysed again', () => {
    const [id] = addSounds('/sfx/a.wav');
    store.commitAnalysed(analysed(id));
    store.commitAnalysed(analysed(id, { windows: [{ offsetSec: 0, vector: new Float32Array([0, 0, 1]) }], tags: [{ label: 'Wind', probability: 0.9 }] }));
    expect(store.windowCount(id, 'ref-v1')).toBe(1);
    expect(store.soundTags(id)).toEqual([{ label: 'Wind', probability: 0.9 }]);
    expect(store.searchText('door')).toEqual([]);
    expect(store.searchText('wind')).toEqual([id]);
  });

  it('ignores a result for a sound removed while it was analysed', () => {
    const [id] = addSounds('/sfx/a.wav');
    store.deleteSounds([id]);
    store.commitAnalysed(analysed(id));
    expect(store.counts()).toMatchObject({ sounds: 0, windows: 0, tags: 0 });
  });

  it('records failures and retries a changed file', () => {
    const [id] = addSounds('/sfx/bad.wav');
    store.commitFailed(id, { kind: 'corrupt', message: 'the header is damaged' });
    expect(store.failures()).toEqual([{ id, path: '/sfx/bad.wav', kind: 'corrupt', reason: 'the header is damaged' }]);
    store.markChanged(id, 200, 2);
    expect(store.sound(id)).toMatchObject({ status: 'pending', size: 200, failureKind: null });
    expect(store.pendingSounds()).toEqual([{ id, path: '/sfx/bad.wav' }]);
  });

  it('moves a sound without losing its vectors, tags or training pairs', () => {
    const [id] = addSounds('/sfx/old/boom.wav');
    store.commitAnalysed(analysed(id));
    const take = store.addTake({ wavPath: '/t/1.wav', durationSec: 1, sampleRate: 32000, source: 'mic', originalName: null, deviceName: 'USB' });
    store.addPair(take.id, id, 'teach');
    const other = store.addRoot('/more');
    store.moveSound(id, { rootId: other.id, path: '/more/new/EXPLReal_Big Boom.wav', size: 100, mtimeMs: 9 });
    expect(store.sound(id)).toMatchObject({ path: '/more/new/EXPLReal_Big Boom.wav', folder: '/more/new', ucsCategory: 'EXPLOSIONS', status: 'indexed' });
    expect(store.windowCount(id, 'ref-v1')).toBe(2);
    expect(store.pairs()).toHaveLength(1);
    expect(store.searchText('boom')).toEqual([id]);
    expect(store.searchText('old')).toEqual([]);
  });

  it('resolves filters to the allowed sounds', () => {
    const [a, b, c, d] = addSounds('/sfx/foley/FOLYClth_Shirt.wav', '/sfx/foley/deep/steps.wav', '/sfx/foleyish/x.wav', '/sfx/amb/wind.wav');
    store.commitAnalysed(analysed(a, { durationSec: 1, tags: [{ label: 'Rustle', probability: 0.9 }] }));
    store.commitAnalysed(analysed(b, { durationSec: 4, tags: [{ label: 'Walk, footsteps', probability: 0.6 }] }));
    store.commitAnalysed(analysed(c, { durationSec: 8, description: 'rustle of paper' }));
    addSounds('/sfx/foley/pending.wav');
    store.commitAnalysed(analysed(d, { durationSec: 30, tags: [{ label: 'Wind', probability: 0.3 }] }));
    const ids = (f: Parameters<LibraryStore['soundIdsMatching']>[0]) => store.soundIdsMatching(f).sort((x, y) => x - y);
    expect(ids({ folders: ['/sfx/foley'] })).toEqual([a, b]);
    expect(ids({ folders: ['/sfx/foley/', '/sfx/amb'] })).toEqual([a, b, d]);
    expect(ids({ minDurationSec: 2, maxDurationSec: 10 })).toEqual([b, c]);
    expect(ids({ categories: ['foley'] })).toEqual([a]);
    expect(ids({ categories: ['FOLYClth'] })).toEqual([a]);
    expect(ids({ tags: ['Wind'], minTagProbability: 0.5 })).toEqual([]);
    expect(ids({ tags: ['Wind', 'Rustle'] })).toEqual([a, d]);
    expect(ids({ text: 'rustle' })).toEqual([a, c]);
    expect(ids({ text: 'rustle', folders: ['/sfx/foleyish'] })).toEqual([c]);
    expect(ids({ text: '  ' })).toEqual([a, b, c, d]);
    expect(ids({ text: '"*' })).toEqual([a, b, c, d]);
    expect(ids({ text: 'nothing-like-this' })).toEqual([]);
  });

  it('hides a deleted take that pairs still use, and drops pairs with their sound', () => {
    const [s1, s2] = addSounds('/sfx/1.wav', '/sfx/2.wav');
    const used = store.addTake({ wavPath: '/t/a.wav', durationSec: 2, sampleRate: 32000, source: 'file', originalName: 'a.wav', deviceName: null });
    const unused = store.addTake({ wavPath: '/t/b.wav', durationSec: 2, sampleRate: 32000, source: 'mic', originalName: null, deviceName: null });
    store.putTakeFeatures(used.id, 'mn04', [{ offsetSec: 0, vector: new Float32Array([0.5]) }]);
    const p1 = store.addPair(used.id, s1, 'teach');
    expect(store.addPair(used.id, s1, 'match').id).toBe(p1.id);
    store.addPair(used.id, s2, 'match');
    expect(store.deleteTake(used.id)).toBe('hidden');
    expect(store.deleteTake(unused.id)).toBe('deleted');
    expect(store.takes().map((t) => t.id)).toEqual([]);
    expect(store.takes({ includeDeleted: true }).map((t) => t.id)).toEqual([used.id]);
    expect(store.takeFeatures(used.id, 'mn04')[0].vector[0]).toBe(0.5);
    store.deleteSounds([s1]);
    expect(store.pairs().map((p) => p.soundId)).toEqual([s2]);
    store.removePair(store.pairs()[0].id);
    expect(store.takes({ includeDeleted: true })).toEqual([]);
  });

  it('keeps exactly one active model version', () => {
    store.putModelVersion({ id: 'head-1', kind: 'head', config: { dim: 384 }, weights: new Uint8Array([1, 2, 3]) });
    store.setActiveModelVersion('ref-v1');
    store.setActiveModelVersion('head-1');
    expect(store.activeModelVersion()?.id).toBe('head-1');
    expect(store.modelVersions().filter((m) => m.active)).toHaveLength(1);
    expect([...store.modelWeights('head-1')!]).toEqual([1, 2, 3]);
    store.putModelVersion({ id: 'head-1', kind: 'head', metrics: { mrr: 0.3 } });
    expect([...store.modelWeights('head-1')!]).toEqual([1, 2, 3]);
    expect(() => store.deleteModelVersion('head-1')).toThrow(/active/);
    const [id] = addSounds('/sfx/a.wav');
    store.commitAnalysed(analysed(id));
    expect(store.deleteModelVersion('ref-v1')).toBe(true);
    expect(store.counts().windows).toBe(0);
    expect(() => store.setActiveModelVersion('nope')).toThrow();
  });

  it('records jobs and marks only those a dead process left running as interrupted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onomato-jobs-'));
    try {
      const file = join(dir, 'library.sqlite');
      const mine = LibraryStore.open(file);
      const job = mine.createJob('scan', { roots: ['/sfx'] });
      mine.updateJob(job.id, { progress: { done: 3, total: 10 } });
      expect(mine.job(job.id)).toMatchObject({ state: 'running', progress: { done: 3, total: 10 }, config: { roots: ['/sfx'] } });
      // Another process records a job and dies without finishing it (as a killed CLI would).
      const storeModule = new URL('../../../src-main/engine/library/store.ts', import.meta.url).href;
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
        `const { LibraryStore } = await import(${JSON.stringify(storeModule)}); LibraryStore.open(${JSON.stringify(file)}).createJob('scan', {});`]);
      expect(mine.jobs({ kind: 'scan' })).toHaveLength(2);
      expect(mine.markInterruptedJobs()).toBe(1);
      const [dead, alive] = mine.jobs({ kind: 'scan' });
      expect(dead.state).toBe('interrupted');
      expect(alive.id).toBe(job.id);
      expect(alive.state).toBe('running');
      mine.updateJob(job.id, { state: 'failed', error: { kind: 'internal', message: 'boom' } });
      expect(mine.job(job.id)?.error).toEqual({ kind: 'internal', message: 'boom' });
      mine.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores evaluation runs, features and settings', () => {
    const run = store.addEvaluationRun({ dataset: 'qvim-dev', systems: ['random', 'mn04'], report: { mrr: 0.1 }, modelId: 'ref-v1' });
    expect(store.evaluationRuns()[0]).toEqual(run);
    const [id] = addSounds('/sfx/a.wav');
    store.putSoundFeatures(id, 'mn04', [{ offsetSec: 0, vector: new Float32Array([2, 3]) }]);
    expect([...store.soundFeatures(id, 'mn04')[0].vector]).toEqual([2, 3]);
    store.setSetting('theme', { dark: true });
    expect(store.getSetting('theme')).toEqual({ dark: true });
    store.deleteSetting('theme');
    expect(store.getSetting('theme')).toBeUndefined();
  });

  it('pages through the embeddings of a model version, never splitting a sound', () => {
    const [a, b, c] = addSounds('/sfx/a.wav', '/sfx/b.wav', '/sfx/c.wav');
    store.commitAnalysed(analysed(a));
    store.commitAnalysed(analysed(b, { windows: [{ offsetSec: 0, vector: new Float32Array([0, 0, 1]) }] }));
    store.commitAnalysed(analysed(c));
    store.markChanged(c, 2, 2); // pending again: not searchable until analysed anew
    const rows = (p: { windows: { soundId: number; windowIndex: number; offsetSec: number }[] }) => p.windows.map((e) => [e.soundId, e.windowIndex, e.offsetSec]);
    expect(rows(store.embeddingPage('ref-v1', -1, 100))).toEqual([[a, 0, 0], [a, 1, 5], [b, 0, 0]]);
    // Two windows a page: sound a fills the first page, b the next.
    const first = store.embeddingPage('ref-v1', -1, 2);
    expect(rows(first)).toEqual([[a, 0, 0], [a, 1, 5]]);
    const second = store.embeddingPage('ref-v1', first.nextAfter!, 2);
    expect(rows(second)).toEqual([[b, 0, 0]]);
    expect(second.nextAfter).toBeNull();
    // A sound with more windows than a page still comes whole, on its own.
    const single = store.embeddingPage('ref-v1', -1, 1);
    expect(rows(single)).toEqual([[a, 0, 0], [a, 1, 5]]);
    expect(single.nextAfter).toBe(a);
  });

  it('stamps every change search must see, in order, whoever writes it', () => {
    const [a, b] = addSounds('/sfx/a.wav', '/sfx/b.wav');
    const start = store.changeStamp();
    expect(store.hasIndexedSounds()).toBe(false);
    store.commitAnalysed(analysed(a));
    expect(store.hasIndexedSounds()).toBe(true);
    store.commitAnalysed(analysed(b));
    const afterIndexing = store.changeStamp();
    expect(afterIndexing).toBeGreaterThan(start);
    expect(store.changesSince(start, 10).map((c) => c.soundId)).toEqual([a, b]);
    store.markChanged(a, 9, 9);
    expect(store.changesSince(afterIndexing, 10).map((c) => c.soundId)).toEqual([a]);
    const afterChange = store.changeStamp();
    store.removeRoot(store.roots()[0].id);
    expect(store.changesSince(afterChange, 10).map((c) => c.soundId).sort()).toEqual([a, b].sort());
    expect(store.changesSince(0, 1)).toHaveLength(1);
    expect(store.libraryId()).toMatch(/^[0-9a-f]{32}$/);
    expect(store.hasIndexedSounds()).toBe(false);
  });
});
