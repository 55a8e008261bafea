import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { SoundIndex, soundBitset, type FetchExact, type SoundMatch } from '../../../src-main/engine/search/sound-index.ts';
import {
  embeddingOf,
  embeddingSpace,
  naiveSearch,
  perturbed,
  randomUnit,
  recallAt,
  type EmbeddingSpace,
  type NaiveSound,
} from './synthetic-embeddings.ts';

/** Sounds with 1..maxWindows windows 5 s apart, each window an item of `space`. */
function library(space: EmbeddingSpace, count: number, maxWindows: number, firstId = 0): NaiveSound[] {
  const sounds: NaiveSound[] = [];
  for (let s = 0; s < count; s++) {
    const soundId = firstId + s * 3 + 1; // sparse ids, like a store's after deletions
    const n = 1 + ((s * 7919) % maxWindows);
    const windows = [];
    for (let w = 0; w < n; w++) windows.push({ offsetSec: 5 * w, embedding: embeddingOf(space, soundId * 64 + w) });
    sounds.push({ soundId, windows });
  }
  return sounds;
}

function storeOf(sounds: readonly NaiveSound[]): FetchExact {
  const byId = new Map(sounds.map((s) => [s.soundId, s]));
  return (keys) => keys.map((k) => byId.get(k.soundId)!.windows[k.window].embedding);
}

function indexOf(sounds: readonly NaiveSound[], options: ConstructorParameters<typeof SoundIndex>[1] = {}): SoundIndex {
  const index = new SoundIndex(sounds[0].windows[0].embedding.length, options);
  for (const s of sounds) index.upsert(s.soundId, s.windows);
  return index;
}

/** Imitation-like queries: noisy copies of library windows, plus a few unrelated vectors. */
function queries(sounds: readonly NaiveSound[], n: number, spread: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let q = 0; q < n; q++) {
    if (q % 5 === 4) out.push(randomUnit(sounds[0].windows[0].embedding.length, 777 + q));
    else {
      const s = sounds[(q * 104729) % sounds.length];
      out.push(perturbed(s.windows[q % s.windows.length].embedding, spread, 999 + q));
    }
  }
  return out;
}

function meanRecall(sounds: readonly NaiveSound[], index: SoundIndex, qs: Float32Array[]): number {
  let sum = 0;
  for (const q of qs) sum += recallAt(naiveSearch(sounds, q, 10), index.search(q, { top: 10 }));
  return sum / qs.length;
}

function expectSameMatches(got: SoundMatch[], want: SoundMatch[], tolerance: number): void {
  expect(got.map((m) => m.soundId)).toEqual(want.map((m) => m.soundId));
  got.forEach((m, i) => {
    expect(Math.abs(m.score - want[i].score)).toBeLessThan(tolerance);
    expect(m.offsetSec).toBe(want[i].offsetSec);
  });
}

describe('SoundIndex float32 path', () => {
  it('ranks exactly like a naive loop, including dimensions that need padding', () => {
    for (const dimension of [384, 37]) {
      const space = embeddingSpace(dimension, { kinds: 50, spread: 0.6, bias: 1 });
      const sounds = library(space, 1500, 5);
      const index = indexOf(sounds, { precision: 'float32' });
      for (const q of queries(sounds, 10, 0.5)) expectSameMatches(index.search(q, { top: 10 }), naiveSearch(sounds, q, 10), 1e-5);
    }
  });
});

describe('SoundIndex int8 path with exact rescoring', () => {
  it('keeps recall@10 >= 0.99 on clustered embeddings sharing a common direction', () => {
    const space = embeddingSpace(384, { kinds: 500, spread: 0.5, bias: 2 });
    const sounds = library(space, 20_000, 3);
    const index = indexOf(sounds, { fetchExact: storeOf(sounds) });
    expect(meanRecall(sounds, index, queries(sounds, 40, 0.6))).toBeGreaterThanOrEqual(0.99);
  });

  it('keeps recall@10 >= 0.99 among near-duplicates and returns exact scores', () => {
    const space = embeddingSpace(384, { kinds: 300, spread: 0.03, bias: 1 });
    const sounds = library(space, 15_000, 2);
    const index = indexOf(sounds, { fetchExact: storeOf(sounds) });
    const qs = queries(sounds, 30, 0.05);
    expect(meanRecall(sounds, index, qs)).toBeGreaterThanOrEqual(0.99);
    const exact = naiveSearch(sounds, qs[0], 10);
    const found = index.search(qs[0], { top: 10 });
    const exactScore = new Map(exact.map((m) => [m.soundId, m.score]));
    for (const m of found) if (exactScore.has(m.soundId)) expect(Math.abs(m.score - exactScore.get(m.soundId)!)).toBeLessThan(1e-6);
  });

  it('keeps recall@10 >= 0.99 at 100k sounds', () => {
    const space = embeddingSpace(384, { kinds: 500, spread: 0.5, bias: 2, seed: 5 });
    const sounds = library(space, 100_000, 1);
    const index = indexOf(sounds, { fetchExact: storeOf(sounds) });
    expect(index.size).toBe(100_000);
    expect(meanRecall(sounds, index, queries(sounds, 10, 0.6))).toBeGreaterThanOrEqual(0.99);
  });

  it('without the store returns int8 scores within 0.01 of the cosine', () => {
    const space = embeddingSpace(384, { kinds: 100, spread: 0.5, bias: 2 });
    const sounds = library(space, 3000, 2);
    const index = indexOf(sounds);
    const exactById = (q: Float32Array) => new Map(naiveSearch(sounds, q, sounds.length).map((m) => [m.soundId, m.score]));
    for (const q of queries(sounds, 5, 0.5)) {
      const exact = exactById(q);
      const found = index.search(q, { top: 10 });
      expect(found).toHaveLength(10);
      for (const m of found) expect(Math.abs(m.score - exact.get(m.soundId)!)).toBeLessThan(0.01);
    }
  });

  it('answers exact: true by scoring every stored embedding, and refuses it without a store', () => {
    const space = embeddingSpace(64, { kinds: 20, spread: 0.3, bias: 1 });
    const sounds = library(space, 5000, 3);
    const withStore = indexOf(sounds, { fetchExact: storeOf(sounds) });
    const q = queries(sounds, 1, 0.3)[0];
    expectSameMatches(withStore.search(q, { top: 10, exact: true }), naiveSearch(sounds, q, 10), 1e-6);
    const error = catchError(() => indexOf(sounds).search(q, { top: 10, exact: true }));
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe('invalid-argument');
  });
});

describe('SoundIndex windows and sounds', () => {
  const dimension = 48;
  const space = embeddingSpace(dimension, { kinds: 30, spread: 0.5 });

  for (const precision of ['int8', 'float32'] as const) {
    it(`scores a sound by its best window and reports that window's offset (${precision})`, () => {
      const index = new SoundIndex(dimension, { precision });
      const windows = [0, 1, 2, 3].map((w) => ({ offsetSec: 5 * w, embedding: randomUnit(dimension, 40 + w) }));
      index.upsert(7, windows);
      index.upsert(8, [{ offsetSec: 0, embedding: randomUnit(dimension, 90) }]);
      const [first] = index.search(windows[2].embedding, { top: 1 });
      expect(first.soundId).toBe(7);
      expect(first.offsetSec).toBe(10);
      expect(first.score).toBeGreaterThan(0.99);
      expect(index.windowCount).toBe(5);
      expect(index.size).toBe(2);
    });
  }

  it('replaces a sound on upsert', () => {
    const index = new SoundIndex(dimension);
    const before = randomUnit(dimension, 1);
    const after = randomUnit(dimension, 2);
    index.upsert(3, [{ offsetSec: 0, embedding: before }, { offsetSec: 5, embedding: before }]);
    index.upsert(4, [{ offsetSec: 0, embedding: randomUnit(dimension, 3) }]);
    index.upsert(3, [{ offsetSec: 20, embedding: after }]);
    expect(index.windowCount).toBe(2);
    expect(index.size).toBe(2);
    const hit = index.search(after, { top: 1 })[0];
    expect(hit).toMatchObject({ soundId: 3, offsetSec: 20 });
    expect(index.search(before, { top: 2 }).find((m) => m.soundId === 3)!.score).toBeLessThan(0.9);
  });

  it('stays consistent with a naive loop after removing sounds in any order', () => {
    const sounds = library(space, 400, 6);
    const index = indexOf(sounds, { precision: 'float32' });
    const kept = sounds.filter((_, i) => i % 3 !== 1);
    for (let i = sounds.length - 1; i >= 0; i -= 1) if (i % 3 === 1) expect(index.remove(sounds[i].soundId)).toBe(true);
    expect(index.remove(sounds[1].soundId)).toBe(false);
    expect(index.remove(123_456)).toBe(false);
    expect(index.size).toBe(kept.length);
    expect(index.windowCount).toBe(kept.reduce((n, s) => n + s.windows.length, 0));
    for (const q of queries(kept, 8, 0.4)) expectSameMatches(index.search(q, { top: 15 }), naiveSearch(kept, q, 15), 1e-5);
    // Every kept window must still be reachable under its own sound and offset.
    for (const s of kept.slice(0, 40)) {
      const w = s.windows[s.windows.length - 1];
      expect(index.search(w.embedding, { top: 1, allow: new Set([s.soundId]) })[0]).toMatchObject({ soundId: s.soundId, offsetSec: w.offsetSec });
    }
  });

  it('returns distinct sounds even when one sound has hundreds of windows near the query', () => {
    const index = new SoundIndex(dimension, { precision: 'int8' });
    const query = randomUnit(dimension, 5);
    index.upsert(1, Array.from({ length: 600 }, (_, w) => ({ offsetSec: 5 * w, embedding: perturbed(query, 0.05, w) })));
    for (let s = 2; s < 40; s++) index.upsert(s, [{ offsetSec: 0, embedding: perturbed(query, 0.5 + s / 100, 1000 + s) }]);
    const found = index.search(query, { top: 10 });
    expect(new Set(found.map((m) => m.soundId)).size).toBe(10);
    expect(found[0].soundId).toBe(1);
  });

  it('applies filters given as a bitset, a set or a function', () => {
    const sounds = library(space, 800, 3);
    const index = indexOf(sounds, { fetchExact: storeOf(sounds) });
    const allowedIds = sounds.filter((s) => s.soundId % 4 === 0).map((s) => s.soundId);
    const allowed = new Set(allowedIds);
    const q = queries(sounds, 1, 0.4)[0];
    const want = naiveSearch(sounds, q, 10, (id) => allowed.has(id));
    for (const allow of [soundBitset(allowedIds), allowed, (id: number) => allowed.has(id)]) {
      expectSameMatches(index.search(q, { top: 10, allow }), want, 1e-6);
    }
    const few = [sounds[10].soundId, sounds[500].soundId, sounds[799].soundId];
    const got = index.search(q, { top: 10, allow: soundBitset(few) });
    expect(got.map((m) => m.soundId)).toEqual(naiveSearch(sounds, q, 10, (id) => few.includes(id)).map((m) => m.soundId));
    expect(index.search(q, { top: 10, allow: new Uint8Array(0) })).toEqual([]);
  });

  it('finds more like a sound without returning the sound itself', () => {
    const index = new SoundIndex(dimension);
    const base = randomUnit(dimension, 11);
    index.upsert(10, [{ offsetSec: 0, embedding: base }, { offsetSec: 5, embedding: randomUnit(dimension, 12) }]);
    index.upsert(11, [{ offsetSec: 0, embedding: randomUnit(dimension, 13) }, { offsetSec: 5, embedding: perturbed(base, 0.1, 1) }]);
    for (let s = 12; s < 30; s++) index.upsert(s, [{ offsetSec: 0, embedding: randomUnit(dimension, s * 10) }]);
    const found = index.moreLikeThis(10, { top: 5 });
    expect(found.map((m) => m.soundId)).not.toContain(10);
    expect(found[0]).toMatchObject({ soundId: 11, offsetSec: 5 });
    expect((catchError(() => index.moreLikeThis(99, { top: 5 })) as EngineError).kind).toBe('not-found');
  });

  it('answers an empty index with no matches, before and after removals', () => {
    const index = new SoundIndex(dimension);
    const q = randomUnit(dimension, 1);
    expect(index.search(q, { top: 10 })).toEqual([]);
    index.upsert(1, [{ offsetSec: 0, embedding: q }]);
    expect(index.search(q, { top: 10 })).toHaveLength(1);
    index.remove(1);
    expect(index.search(q, { top: 10 })).toEqual([]);
    expect(index.size).toBe(0);
    expect(index.windowCount).toBe(0);
  });

  it('keeps sounds with any valid id, from 0 to the largest, and forgets them again', () => {
    const index = new SoundIndex(dimension);
    const ids = [0, 1, 70_000, (1 << 26) - 1, 1 << 26, 0x7fffffff];
    ids.forEach((id, i) => index.upsert(id, [{ offsetSec: 0, embedding: randomUnit(dimension, 40 + i) }]));
    expect(index.size).toBe(ids.length);
    for (const [i, id] of ids.entries()) expect(index.search(randomUnit(dimension, 40 + i), { top: 1 })[0].soundId).toBe(id);
    for (const id of [1 << 26, 1, 0x7fffffff]) expect(index.remove(id)).toBe(true);
    expect(index.remove(1 << 26)).toBe(false);
    expect(ids.map((id) => index.has(id))).toEqual([true, false, true, true, false, false]);
    expect(index.size).toBe(3);
  });

  it('refuses embeddings of the wrong dimension and other invalid input', () => {
    const index = new SoundIndex(dimension);
    index.upsert(1, [{ offsetSec: 0, embedding: randomUnit(dimension, 1) }]);
    const attempts: Array<() => unknown> = [
      () => index.search(new Float32Array(dimension + 1), { top: 5 }),
      () => index.upsert(2, [{ offsetSec: 0, embedding: new Float32Array(960) }]),
      () => index.upsert(2, []),
      () => index.upsert(-1, [{ offsetSec: 0, embedding: randomUnit(dimension, 2) }]),
      () => index.upsert(2, [{ offsetSec: 0, embedding: new Float32Array(dimension).fill(Number.NaN) }]),
      () => index.search(randomUnit(dimension, 3), { top: 0 }),
    ];
    for (const attempt of attempts) {
      const error = catchError(attempt);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).kind).toBe('invalid-argument');
    }
    expect(index.size).toBe(1);
  });
});

describe('SoundIndex split over two threads', () => {
  it('answers a large scan on two threads exactly as on one, filters included, and refuses changes meanwhile', async () => {
    const space = embeddingSpace(32, { kinds: 200, spread: 0.5, bias: 2, seed: 9 });
    const sounds = library(space, 120_000, 2);
    const index = indexOf(sounds, { fetchExact: storeOf(sounds), threads: 2 });
    try {
      const qs = queries(sounds, 12, 0.6);
      // The first large search starts the helper thread and is answered alone meanwhile.
      expect(await index.searchParallel(qs[0], { top: 10 })).toEqual(index.search(qs[0], { top: 10 }));
      await waitFor(async () => {
        const during = index.searchParallel(qs[1], { top: 10 });
        let refused = false;
        try {
          index.remove(sounds[0].soundId);
          index.upsert(sounds[0].soundId, sounds[0].windows); // answered alone: the change went through
        } catch (error) {
          refused = error instanceof EngineError && error.kind === 'internal';
        }
        await during;
        return refused;
      });
      expect(index.has(sounds[0].soundId)).toBe(true);
      const allow = soundBitset(sounds.filter((_, i) => i % 3 !== 0).map((s) => s.soundId));
      for (const q of qs) {
        expect(await index.searchParallel(q, { top: 10 })).toEqual(index.search(q, { top: 10 }));
        expect(await index.searchParallel(q, { top: 25, allow })).toEqual(index.search(q, { top: 25, allow }));
      }
    } finally {
      await index.close();
    }
    // Without its helper the index still answers, on one thread.
    expect(await index.searchParallel(sounds[5].windows[0].embedding, { top: 1 })).toEqual(index.search(sounds[5].windows[0].embedding, { top: 1 }));
  });
});

/** Retries `attempt` until it holds (the helper thread needs a moment to start), for at most 20 s. */
async function waitFor(attempt: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 20_000;) {
    if (await attempt()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the helper thread never took part in a search');
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
