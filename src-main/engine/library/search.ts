import { EngineError } from '../errors.ts';
import { allFinite, SoundIndex, soundBitset, type Precision, type SoundWindow } from '../search/sound-index.ts';
import type { LibraryStore } from './store.ts';
import type { Sound, SoundFilter } from './types.ts';

export interface LibraryMatch {
  sound: Sound;
  score: number;
  /** Start of the best-matching window, in seconds. */
  offsetSec: number;
}

export interface LibrarySearchOptions {
  top?: number;
  filter?: SoundFilter;
  /** Score every window exactly in float32 instead of the int8 scan plus exact rescoring. */
  exact?: boolean;
}

/**
 * Search over the library: the vector index holds the active model version's window embeddings
 * (loaded from the store at start, kept current with `refresh`), filters are planned into an
 * allowed-sound bitset by the store (folders, duration, tags, UCS category, full text), and
 * results come back as sound rows with their score and best window's offset. Query embeddings
 * (imitation tower) come from the caller.
 */
export class LibrarySearch {
  readonly modelId: string;
  readonly index: SoundIndex;
  /**
   * Sounds whose stored vectors hold NaN or infinity (written before the store refused them): left
   * out of search, so one bad row cannot make every search fail; analyse them again to bring them back.
   */
  readonly unusable: number[];
  private readonly store: LibraryStore;

  private constructor(store: LibraryStore, modelId: string, index: SoundIndex, unusable: number[]) {
    this.store = store;
    this.modelId = modelId;
    this.index = index;
    this.unusable = unusable;
  }

  /** Loads the embeddings of `modelId` (default: the active model version). */
  static load(store: LibraryStore, options: { modelId?: string; precision?: Precision; dimension?: number } = {}): LibrarySearch {
    const modelId = options.modelId ?? store.activeModelVersion()?.id;
    if (!modelId) throw new EngineError('not-found', 'the library has no model yet: index a folder first');
    let index: SoundIndex | undefined = options.dimension ? LibrarySearch.emptyIndex(store, modelId, options.dimension, options.precision) : undefined;
    let current = -1;
    let windows: SoundWindow[] = [];
    const unusable: number[] = [];
    const flush = () => {
      if (!windows.length) return;
      if (windows.every((w) => allFinite(w.embedding) && Number.isFinite(w.offsetSec))) index!.upsert(current, windows);
      else unusable.push(current);
    };
    for (const e of store.embeddings(modelId)) {
      index ??= LibrarySearch.emptyIndex(store, modelId, e.vector.length, options.precision);
      if (e.soundId !== current) {
        flush();
        current = e.soundId;
        windows = [];
      }
      windows.push({ offsetSec: e.offsetSec, embedding: e.vector });
    }
    if (!index) throw new EngineError('not-found', `no sound is indexed with the model "${modelId}" yet: index a folder first`);
    flush();
    return new LibrarySearch(store, modelId, index, unusable);
  }

  private static emptyIndex(store: LibraryStore, modelId: string, dimension: number, precision: Precision | undefined): SoundIndex {
    return new SoundIndex(dimension, { precision, fetchExact: (keys) => store.windowVectors(modelId, keys) });
  }

  get size(): number {
    return this.index.size;
  }

  /** The allowed-sound bitset for a filter; undefined when nothing is filtered. */
  allowed(filter: SoundFilter | undefined): Uint8Array | undefined {
    if (!filter || !hasFilter(filter)) return undefined;
    const ids = this.store.soundIdsMatching(filter);
    return ids.length ? soundBitset(ids) : new Uint8Array(0);
  }

  /** Sounds closest to an imitation's embedding, best first. */
  search(query: Float32Array, options: LibrarySearchOptions = {}): LibraryMatch[] {
    const allow = this.allowed(options.filter);
    return this.withSounds(this.index.search(query, { top: options.top ?? 20, allow, exact: options.exact }));
  }

  /**
   * Sounds closest to a query given as one vector per window (a take longer than 10 s
   * has several): each sound keeps its best score over every pair of windows.
   */
  searchWindows(queries: readonly Float32Array[], options: LibrarySearchOptions = {}): LibraryMatch[] {
    const allow = this.allowed(options.filter);
    const top = options.top ?? 20;
    const best = new Map<number, { soundId: number; score: number; offsetSec: number }>();
    for (const q of queries) {
      for (const m of this.index.search(q, { top, allow, exact: options.exact })) {
        const prev = best.get(m.soundId);
        if (!prev || m.score > prev.score) best.set(m.soundId, m);
      }
    }
    return this.withSounds([...best.values()].sort((a, b) => b.score - a.score).slice(0, top));
  }

  /** Sounds like a library sound (its first window), leaving the sound itself out. */
  moreLikeThis(soundId: number, options: LibrarySearchOptions = {}): LibraryMatch[] {
    const allow = this.allowed(options.filter);
    return this.withSounds(this.index.moreLikeThis(soundId, { top: options.top ?? 20, allow, exact: options.exact }));
  }

  /** Brings one sound in line with the store after it was indexed, moved away or deleted. */
  refresh(soundId: number): void {
    const windows = this.store.soundWindows(soundId, this.modelId);
    const usable = windows.every((w) => allFinite(w.vector) && Number.isFinite(w.offsetSec));
    if (!usable) this.unusable.push(soundId);
    if (windows.length === 0 || !usable || this.store.sound(soundId)?.status !== 'indexed') this.index.remove(soundId);
    else this.index.upsert(soundId, windows.map((w) => ({ offsetSec: w.offsetSec, embedding: w.vector })));
  }

  private withSounds(matches: { soundId: number; score: number; offsetSec: number }[]): LibraryMatch[] {
    const sounds = this.store.soundsByIds(matches.map((m) => m.soundId));
    return matches.flatMap((m) => {
      const sound = sounds.get(m.soundId);
      return sound ? [{ sound, score: m.score, offsetSec: m.offsetSec }] : [];
    });
  }
}

function hasFilter(f: SoundFilter): boolean {
  return Boolean(f.folders?.length || f.tags?.length || f.categories?.length || f.text?.trim()
    || f.minDurationSec !== undefined || f.maxDurationSec !== undefined);
}
