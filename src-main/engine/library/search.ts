import { createHash } from 'node:crypto';
import { EngineError } from '../errors.ts';
import { dot } from '../vectors.ts';
import { BestWindows } from '../search/best-windows.ts';
import { readSnapshot, writeSnapshot } from '../search/snapshot.ts';
import { allFinite, SoundIndex, soundBitset, type AllowedSounds, type Precision, type SoundWindow } from '../search/sound-index.ts';
import { timeSlicer } from '../search/time-slice.ts';
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

export interface OpenOptions {
  /** Default: the active model version. */
  modelId?: string;
  precision?: Precision;
  /** An empty index of this size when nothing is indexed yet (instead of an error). */
  dimension?: number;
  /** Read the index from its snapshot beside the database when it is valid (default true for a database file). */
  snapshot?: boolean;
  /** Told why a snapshot was not used (it is then rebuilt from the database). */
  onSnapshotRefused?: (reason: string) => void;
}

/** Windows read from the database per page while building: ~4 ms of work on a quiet machine (500 took 30-65 ms at times on a busy one), so the thread is never held long. */
const PAGE_WINDOWS = 200;
/** Changed sounds read per query while catching up. */
const CHANGES_PAGE = 500;

/**
 * Search over the library: the vector index holds the active model version's window embeddings,
 * filters are planned into an allowed-sound set by the store (folders, duration, tags, UCS
 * category, full text), and results come back as sound rows with their score and best window's
 * offset. Query embeddings (imitation tower) come from the caller.
 *
 * The index is current with the library's change stamp `stamp`: `sync` re-reads only the sounds
 * the library's change log records after it, whichever process wrote them (a scan, a removed
 * folder, the CLI). Opening reads the index's snapshot file when it is this library's and this
 * model version's, then catches up; otherwise it builds from the database a page at a time,
 * giving way to other work between pages.
 */
export class LibrarySearch {
  readonly modelId: string;
  readonly index: SoundIndex;
  /** Where the index came from when it was opened. */
  readonly source: 'snapshot' | 'database';
  /**
   * Sounds whose stored vectors hold NaN or infinity (written before the store refused them): left
   * out of search, so one bad row cannot make every search fail; analyse them again to bring them back.
   */
  readonly unusable: number[] = [];
  private readonly store: LibraryStore;
  private stamp: number;
  private savedStamp: number;
  /** Searches, catching up and saving run one at a time, in order: nothing reads rows while they move. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(store: LibraryStore, modelId: string, index: SoundIndex, stamp: number, source: 'snapshot' | 'database') {
    this.store = store;
    this.modelId = modelId;
    this.index = index;
    this.stamp = stamp;
    this.savedStamp = source === 'snapshot' ? stamp : -1;
    this.source = source;
  }

  /** Opens the index of `modelId` (default: the active model version), current with the library. */
  static async open(store: LibraryStore, options: OpenOptions = {}): Promise<LibrarySearch> {
    const modelId = options.modelId ?? store.activeModelVersion()?.id;
    if (!modelId) throw new EngineError('not-found', 'the library has no model yet: index a folder first');
    const pause = timeSlicer();
    const fetchExact = exactFrom(store, modelId);
    const threads = 2;
    const path = snapshotPath(store, modelId);
    if (path && options.snapshot !== false) {
      const read = await readSnapshot(path, { libraryId: store.libraryId(), modelId, maxStamp: store.changeStamp() }, { fetchExact, threads, pause });
      if ('index' in read) {
        const search = new LibrarySearch(store, modelId, read.index, read.stamp, 'snapshot');
        await search.sync();
        return search;
      }
      options.onSnapshotRefused?.(`the index snapshot ${path} was not used: ${read.refused}`);
    }
    // Changes committed while the pages are read are caught up from this stamp afterwards.
    const stamp = store.changeStamp();
    let index: SoundIndex | undefined = options.dimension ? new SoundIndex(options.dimension, { precision: options.precision, fetchExact, threads }) : undefined;
    const unusable: number[] = [];
    for (let after: number | null = -1; after !== null;) {
      const page = store.embeddingPage(modelId, after, PAGE_WINDOWS);
      after = page.nextAfter;
      if (page.windows.length === 0) break;
      index ??= new SoundIndex(page.windows[0].vector.length, { precision: options.precision, fetchExact, threads });
      for (const [soundId, windows] of bySound(page.windows)) {
        if (usable(windows)) index.upsert(soundId, windows);
        else unusable.push(soundId);
      }
      await pause();
    }
    if (!index) throw new EngineError('not-found', `no sound is indexed with the model "${modelId}" yet: index a folder first`);
    const search = new LibrarySearch(store, modelId, index, stamp, 'database');
    search.unusable.push(...unusable);
    await search.sync();
    return search;
  }

  /**
   * Exact search straight from the database, for while the index is being built: every stored
   * window scored in float32 a page at a time, giving way between pages. Correct, only slower.
   */
  static async searchDatabase(store: LibraryStore, modelId: string, queries: readonly Float32Array[], options: LibrarySearchOptions = {}): Promise<LibraryMatch[]> {
    const top = options.top ?? 20;
    const allowed = options.filter && hasFilter(options.filter) ? new Set(store.soundIdsMatching(options.filter)) : undefined;
    const pause = timeSlicer();
    const best = new BestWindows(top);
    const offsets = new Map<number, number>();
    for (let after: number | null = -1; after !== null;) {
      const page = store.embeddingPage(modelId, after, PAGE_WINDOWS);
      after = page.nextAfter;
      for (const [soundId, windows] of bySound(page.windows)) {
        if (allowed && !allowed.has(soundId)) continue;
        let score = -Infinity;
        let offset = 0;
        for (const w of windows) {
          for (const q of queries) {
            if (q.length !== w.embedding.length) throw new EngineError('invalid-argument', `the query has ${q.length} values but the library holds ${w.embedding.length}-dimensional embeddings`);
            const s = dot(q, w.embedding);
            if (s > score) { score = s; offset = w.offsetSec; }
          }
        }
        if (score > best.threshold) { best.push(score, soundId); offsets.set(soundId, offset); }
      }
      await pause();
    }
    const found = best.entries().sort((a, b) => b.score - a.score || a.row - b.row);
    const sounds = store.soundsByIds(found.map((f) => f.row));
    return found.flatMap((f) => {
      const sound = sounds.get(f.row);
      return sound ? [{ sound, score: f.score, offsetSec: offsets.get(f.row) ?? 0 }] : [];
    });
  }

  get size(): number {
    return this.index.size;
  }

  /** The library change stamp the index is current with. */
  get currentStamp(): number {
    return this.stamp;
  }

  /**
   * Brings the index in line with the database: re-reads every sound changed since the index's
   * stamp (by this process or another one), a slice at a time. Resolves with how many sounds it
   * re-read. Calls queue behind each other and behind a snapshot being written.
   */
  sync(): Promise<number> {
    return this.reading(async () => {
      const pause = timeSlicer();
      let applied = 0;
      for (;;) {
        const changes = this.store.changesSince(this.stamp, CHANGES_PAGE);
        if (changes.length === 0) return applied;
        for (const c of changes) {
          this.refresh(c.soundId);
          this.stamp = c.stamp;
          applied++;
          await pause();
        }
      }
    });
  }

  /** Whether the index moved on since its snapshot was written (or was never written). */
  get unsaved(): number {
    return this.savedStamp < 0 ? Infinity : this.stamp - this.savedStamp;
  }

  /** Writes the index's snapshot beside the database (atomically, in the background of other work). */
  saveSnapshot(): Promise<void> {
    const path = snapshotPath(this.store, this.modelId);
    if (!path) return Promise.resolve();
    return this.reading(async () => {
      const stamp = this.stamp;
      await writeSnapshot(path, this.index, { libraryId: this.store.libraryId(), modelId: this.modelId, stamp });
      this.savedStamp = stamp;
    });
  }

  /** The allowed sounds for a filter; undefined when nothing is filtered. */
  allowed(filter: SoundFilter | undefined): AllowedSounds | undefined {
    if (!filter || !hasFilter(filter)) return undefined;
    const ids = this.store.soundIdsMatching(filter);
    // A few sounds as a set: the index then visits only their rows.
    if (ids.length * 16 <= this.index.size) return new Set(ids);
    return soundBitset(ids);
  }

  /** Sounds closest to an imitation's embedding, best first. */
  search(query: Float32Array, options: LibrarySearchOptions = {}): Promise<LibraryMatch[]> {
    return this.searchWindows([query], options);
  }

  /**
   * Sounds closest to a query given as one vector per window (a take longer than 10 s
   * has several): each sound keeps its best score over every pair of windows.
   */
  searchWindows(queries: readonly Float32Array[], options: LibrarySearchOptions = {}): Promise<LibraryMatch[]> {
    return this.reading(async () => {
      const allow = this.allowed(options.filter);
      const top = options.top ?? 20;
      const best = new Map<number, { soundId: number; score: number; offsetSec: number }>();
      for (const q of queries) {
        for (const m of await this.index.searchParallel(q, { top, allow, exact: options.exact })) {
          const prev = best.get(m.soundId);
          if (!prev || m.score > prev.score) best.set(m.soundId, m);
        }
      }
      return this.withSounds([...best.values()].sort((a, b) => b.score - a.score).slice(0, top));
    });
  }

  /** Sounds like a library sound (its first window), leaving the sound itself out. */
  moreLikeThis(soundId: number, options: LibrarySearchOptions = {}): Promise<LibraryMatch[]> {
    return this.reading(async () => {
      const allow = this.allowed(options.filter);
      return this.withSounds(this.index.moreLikeThis(soundId, { top: options.top ?? 20, allow, exact: options.exact }));
    });
  }

  /** Stops the index's helper thread once what is queued is done. */
  close(): Promise<void> {
    return this.reading(() => this.index.close());
  }

  /** Runs `fn` in turn with catching up and saving: a search never sees rows move under it. */
  private reading<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Brings one sound in line with the store after it was indexed, moved away or deleted. */
  private refresh(soundId: number): void {
    const windows = this.store.soundWindows(soundId, this.modelId).map((w) => ({ offsetSec: w.offsetSec, embedding: w.vector }));
    const ok = usable(windows);
    if (!ok) this.unusable.push(soundId);
    if (windows.length === 0 || !ok || this.store.sound(soundId)?.status !== 'indexed') this.index.remove(soundId);
    else this.index.upsert(soundId, windows);
  }

  private withSounds(matches: { soundId: number; score: number; offsetSec: number }[]): LibraryMatch[] {
    const sounds = this.store.soundsByIds(matches.map((m) => m.soundId));
    return matches.flatMap((m) => {
      const sound = sounds.get(m.soundId);
      return sound ? [{ sound, score: m.score, offsetSec: m.offsetSec }] : [];
    });
  }
}

/** The snapshot file of a model version's index, beside the database; none for an in-memory database. */
export function snapshotPath(store: LibraryStore, modelId: string): string | null {
  if (store.path === ':memory:' || store.path === '') return null;
  return `${store.path}.${createHash('sha256').update(modelId).digest('hex').slice(0, 16)}.index`;
}

function exactFrom(store: LibraryStore, modelId: string) {
  return (keys: { soundId: number; window: number }[]) => store.windowVectors(modelId, keys);
}

function* bySound(windows: readonly { soundId: number; offsetSec: number; vector: Float32Array }[]): Generator<[number, SoundWindow[]]> {
  let i = 0;
  while (i < windows.length) {
    const soundId = windows[i].soundId;
    const group: SoundWindow[] = [];
    for (; i < windows.length && windows[i].soundId === soundId; i++) group.push({ offsetSec: windows[i].offsetSec, embedding: windows[i].vector });
    yield [soundId, group];
  }
}

function usable(windows: readonly SoundWindow[]): boolean {
  return windows.every((w) => allFinite(w.embedding) && Number.isFinite(w.offsetSec));
}

function hasFilter(f: SoundFilter): boolean {
  return Boolean(f.folders?.length || f.tags?.length || f.categories?.length || f.text?.trim()
    || f.minDurationSec !== undefined || f.maxDurationSec !== undefined);
}
