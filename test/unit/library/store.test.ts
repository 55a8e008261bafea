import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LibraryStore, type AnalysedSound } from '../../../src-main/engine/library/store.ts';
import { withTempDir } from '../../support/temp-dir.ts';

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

  it('ranks typed words: a file named for the word first, a guessed tag last, with phrases and exclusions', () => {
    const [steps, named, folder, described, ucs, long] = addSounds(
      '/sfx/foley/steps_gravel.wav',
      '/sfx/misc/explosion_big.wav',
      '/sfx/explosions/debris_01.wav',
      '/sfx/misc/rumble.wav',
      '/sfx/misc/EXPLReal_Distant Thud.wav',
      '/sfx/misc/door slam metal heavy loud.wav',
    );
    // The footsteps were auto-tagged Explosion with high confidence: a guess, not a name.
    store.commitAnalysed(analysed(steps, { tags: [{ label: 'Explosion', probability: 0.9 }, { label: 'Walk, footsteps', probability: 0.5 }] }));
    store.commitAnalysed(analysed(named, { tags: [{ label: 'Boom', probability: 0.4 }] }));
    store.commitAnalysed(analysed(folder, { tags: [] }));
    store.commitAnalysed(analysed(described, { description: 'Low rumble after an explosion, recorded at 200 m', tags: [] }));
    store.commitAnalysed(analysed(ucs, { tags: [] }));
    store.commitAnalysed(analysed(long, { description: 'metal door slam', tags: [] }));
    const ranked = store.rankText({ text: 'explosion' }, { limit: 10 });
    expect(ranked[0].id).toBe(named);
    expect(ranked.at(-1)?.id).toBe(steps);
    // Words match as prefixes, so the UCS category EXPLOSIONS counts.
    expect(new Set(ranked.map((r) => r.id))).toEqual(new Set([steps, named, folder, described, ucs]));
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].score).toBeGreaterThanOrEqual(ranked[i].score);
    // Exclusions, phrases, and a phrase that only matches in order.
    expect(store.rankText({ text: 'explosion -footsteps' }, { limit: 10 }).map((r) => r.id)).not.toContain(steps);
    expect(store.rankText({ text: 'explosion -"walk footsteps" -big' }, { limit: 10 }).map((r) => r.id).sort()).toEqual([folder, described, ucs].sort());
    expect(store.rankText({ text: '"door slam"' }, { limit: 10 }).map((r) => r.id)).toEqual([long]);
    expect(store.rankText({ text: '"slam door"' }, { limit: 10 })).toEqual([]);
    // Paging and filters.
    expect(store.rankText({ text: 'explosion' }, { limit: 2, offset: 1 }).map((r) => r.id)).toEqual(ranked.slice(1, 3).map((r) => r.id));
    expect(store.rankText({ text: 'explosion', folders: ['/sfx/misc'] }, { limit: 10 }).map((r) => r.id).sort()).toEqual([named, described, ucs].sort());
    expect(store.countMatching({ text: 'explosion -footsteps' })).toBe(4);
    expect(store.countMatching({ text: '-explosion' })).toBe(1);
    // Only exclusions: nothing to rank by.
    expect(store.rankText({ text: '-explosion' }, { limit: 10 })).toEqual([]);
  });

  it('never lets typed text change the shape of the full-text query', () => {
    const [id] = addSounds('/sfx/a/OR NOT AND NEAR.wav');
    store.commitAnalysed(analysed(id, { description: 'name:colon (paren) star* "quote' }));
    for (const text of ['"', '""', '-', '- -', '*', 'NOT', 'OR', 'a OR', 'NEAR(a b)', 'name:colon', '(paren', 'star*', '"quote', '-"', '^x', 'a"b"c', '\u0000', '\'']) {
      expect(() => store.rankText({ text }, { limit: 5 }), text).not.toThrow();
      expect(() => store.countMatching({ text }), text).not.toThrow();
    }
    expect(store.searchText('NOT')).toEqual([id]);
    expect(store.searchText('near')).toEqual([id]);
    expect(store.searchText('"quote')).toEqual([id]);
    expect(store.searchText('name:colon')).toEqual([id]);
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

  it('hides a take for undo, brings it back, renames it, and lists the hidden ones no pair needs', () => {
    const [s1] = addSounds('/sfx/1.wav');
    const paired = store.addTake({ wavPath: '/t/a.wav', durationSec: 2, sampleRate: 32000, source: 'mic', originalName: null, deviceName: null });
    const alone = store.addTake({ wavPath: '/t/b.wav', durationSec: 2, sampleRate: 32000, source: 'mic', originalName: null, deviceName: null });
    store.addPair(paired.id, s1, 'match');
    expect(store.pairCountsByTake()).toEqual(new Map([[paired.id, 1]]));
    expect(store.setTakeHidden(paired.id, true)).toBe(true);
    expect(store.setTakeHidden(alone.id, true)).toBe(true);
    expect(store.takes()).toEqual([]);
    expect(store.unusedHiddenTakes().map((t) => t.id)).toEqual([alone.id]);
    expect(store.setTakeHidden(alone.id, false)).toBe(true);
    expect(store.takes().map((t) => t.id)).toEqual([alone.id]);
    expect(store.renameTake(alone.id, 'low whoosh')).toBe(true);
    expect(store.take(alone.id)?.originalName).toBe('low whoosh');
    expect(store.setTakeHidden(999, true)).toBe(false);
  });

  it("keeps the user's star, rating, tags, dismissed guesses and collections by content hash, across moves and re-adds", () => {
    const [a, b] = addSounds('/sfx/foley/steps.wav', '/sfx/foley/cloth.wav');
    store.commitAnalysed(analysed(a, { contentHash: 'h-steps', tags: [{ label: 'Explosion', probability: 0.8 }, { label: 'Walk, footsteps', probability: 0.6 }] }));
    store.commitAnalysed(analysed(b, { contentHash: 'h-cloth' }));
    expect(store.setFavourite([a, b], true)).toBe(2);
    store.setRating([a], 5);
    store.tagSounds([a, b], { add: ['hero', 'gravel'] });
    store.tagSounds([b], { remove: ['gravel'] });
    store.dismissTag(a, 'Explosion');
    const trailer = store.addCollection('Trailer');
    expect(store.addCollection('trailer').id).toBe(trailer.id);
    expect(store.collectSounds(trailer.id, [a, b], true)).toBe(true);
    store.collectSounds(trailer.id, [b], false);
    expect(store.soundMarks(a)).toEqual({ favourite: true, rating: 5, userTags: ['gravel', 'hero'], dismissed: ['Explosion'] });
    expect(store.soundTags(a).map((t) => t.label)).toEqual(['Walk, footsteps']);
    // Own tags are searched and filtered like tags; a dismissed guess is neither.
    expect(store.searchText('gravel')).toEqual([a]);
    expect(store.searchText('explosion')).toEqual([]);
    expect(store.soundIdsMatching({ tags: ['hero'] }).sort()).toEqual([a, b].sort());
    expect(store.soundIdsMatching({ tags: ['Explosion'] })).toEqual([]);
    expect(store.soundIdsMatching({ favourites: true, minRating: 5 })).toEqual([a]);
    expect(store.soundIdsMatching({ collectionId: trailer.id })).toEqual([a]);
    // The file moves: same row, same marks.
    store.moveSound(a, { rootId, path: '/sfx/moved/steps.wav', size: 100, mtimeMs: 2 });
    expect(store.soundMarks(a).rating).toBe(5);
    // The folder is removed and added again: new rows, the same content, the same marks.
    store.removeRoot(rootId);
    const again = store.addRoot('/sfx').id;
    const [a2] = store.addPendingSounds([{ rootId: again, path: '/sfx/moved/steps.wav', size: 100, mtimeMs: 2 }]);
    store.commitAnalysed(analysed(a2, { contentHash: 'h-steps', tags: [{ label: 'Explosion', probability: 0.8 }] }));
    expect(store.soundMarks(a2)).toEqual({ favourite: true, rating: 5, userTags: ['gravel', 'hero'], dismissed: ['Explosion'] });
    expect(store.soundTags(a2)).toEqual([]);
    expect(store.searchText('hero')).toEqual([a2]);
    expect(store.collections()).toEqual([{ id: trailer.id, name: 'Trailer', createdAt: trailer.createdAt, sounds: 1 }]);
    expect(store.removeCollection(trailer.id)).toBe(true);
    expect(store.collections()).toEqual([]);
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

  it('records jobs and marks only those a dead process left running as interrupted', () => withTempDir((dir) => {
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
  }, 'onomato-jobs-'));

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
