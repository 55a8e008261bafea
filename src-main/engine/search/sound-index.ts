import { EngineError } from '../errors.ts';
import { BestWindows } from './best-windows.ts';
import { ScanHelper } from './scan-helper.ts';
import { SoundHeads } from './sound-heads.ts';
import { BLOCK_ROWS, bitsetCheck, scanRows, type Kernel, type ScanTarget } from './scan-rows.ts';
import { instantiateKernels, kernelMemory, MAX_PAGES, paddedStride, type ScoringKernels } from './simd-kernels.ts';
import { dot } from '../vectors.ts';

/**
 * The in-memory index that answers an imitation against every window of every library sound.
 *
 * A sound scores by its best window (cosine = dot product of L2-normalised embeddings) and a
 * result carries that window's offset. By default each window is kept as int8 with one scale per
 * window (dimension + 14 bytes a window, ~400 B at 384-d), every window is scored with SIMD
 * integer dot products, and the best candidates are rescored exactly against the float32
 * embeddings the store keeps, fetched through `fetchExact`. `precision: 'float32'` keeps float32
 * rows in memory instead and is exact by construction.
 *
 * Rows live contiguously: vectors in WebAssembly memory (where the kernels read them), per-row
 * metadata in growable typed arrays. A sound's rows form a linked list through `rowNext`, and
 * removal moves the last row into the hole, so memory never fragments.
 *
 * `search` runs on the calling thread: a million 384-d windows scan in ~30 ms on the 2-core
 * target machine, bound by memory bandwidth. `searchParallel` (with `threads: 2`) gives half the
 * rows to each of two helper threads that share the index's memory (the kernel memory and the row
 * metadata are SharedArrayBuffers): a large scan uses both cores, and the engine's thread only
 * waits (when it scanned half itself, a million rows held it 60-120 ms on a busy machine). It
 * answers exactly as `search` does.
 */

export type Precision = 'int8' | 'float32';

export interface SoundWindow {
  offsetSec: number;
  embedding: Float32Array;
}

/** Identifies one stored window: `window` is its position in the array given to `upsert`. */
export interface WindowKey {
  soundId: number;
  window: number;
  offsetSec: number;
}

/** Returns the float32 embeddings of the given windows, in the same order. */
export type FetchExact = (keys: WindowKey[]) => Float32Array[];

/**
 * Which sounds may be returned. A Uint8Array is a bitset: sound `id` is allowed when bit
 * `id & 7` of byte `id >> 3` is set (see `soundBitset`); ids past its end are not allowed.
 */
export type AllowedSounds = Uint8Array | ReadonlySet<number> | ((soundId: number) => boolean);

export interface SearchOptions {
  top: number;
  allow?: AllowedSounds;
  /** Score every window exactly (float32). With int8 precision this reads all embeddings through `fetchExact`: slow. */
  exact?: boolean;
  /** Windows kept from the int8 scan for exact rescoring; default max(10 * top, 100). */
  candidates?: number;
}

export interface SoundMatch {
  soundId: number;
  score: number;
  offsetSec: number;
}

export interface SoundIndexOptions {
  precision?: Precision;
  fetchExact?: FetchExact;
  /** 2: `searchParallel` splits a large int8 scan with a helper thread (the second core). */
  threads?: 1 | 2;
}

/** Below this many windows a scan takes a few milliseconds: not worth a message to another thread. */
const PARALLEL_MIN_ROWS = 100_000;

/** An index's rows as they lie in memory: what a snapshot file holds. */
export interface IndexRows {
  count: number;
  /** `count` rows of `rowBytes` each (int8 or float32 vectors padded to the kernel stride). */
  vectors: Uint8Array;
  scale: Float32Array;
  sound: Int32Array;
  offset: Float32Array;
  window: Uint16Array;
  next: Int32Array;
}

export interface IndexMemory {
  /** Bytes holding the current windows (vectors and per-window metadata). */
  used: number;
  /** Bytes allocated, including room to grow. */
  reserved: number;
}

/** Builds the bitset form of `AllowedSounds` from sound ids. */
export function soundBitset(ids: Iterable<number>): Uint8Array {
  let max = -1;
  const list = [...ids];
  for (const id of list) if (id > max) max = id;
  const bits = new Uint8Array((max >> 3) + 1);
  for (const id of list) bits[id >> 3] |= 1 << (id & 7);
  return bits;
}

const WASM_PAGE = 65536;
const MAX_WINDOWS_PER_SOUND = 65535;
const MAX_SOUND_ID = 0x7fffffff;

export class SoundIndex {
  readonly dimension: number;
  readonly precision: Precision;
  private readonly fetchExact: FetchExact | undefined;
  private readonly stride: number;
  private readonly rowBytes: number;
  private readonly queryAt = 0;
  private readonly outAt: number;
  /** Each helper thread's own scratch area for its block results. */
  private readonly helperOutAt: readonly [number, number];
  private readonly matrixAt: number;
  private readonly threads: 1 | 2;
  private helpers: ScanHelper[] | null = null;
  /** A split scan is reading the rows: nothing may move them until it is done. */
  private scanning = false;
  private readonly memory: WebAssembly.Memory;
  private readonly kernels: ScoringKernels;

  private count = 0;
  private capacity = 0;
  private rowScale = new Float32Array(0);
  private rowSound = new Int32Array(0);
  private rowOffset = new Float32Array(0);
  private rowWindow = new Uint16Array(0);
  private rowNext = new Int32Array(0);
  private readonly firstRow = new SoundHeads();

  constructor(dimension: number, options: SoundIndexOptions = {}) {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16384) {
      throw new EngineError('invalid-argument', `an embedding dimension must be a whole number from 1 to 16384, not ${dimension}`);
    }
    this.dimension = dimension;
    this.precision = options.precision ?? 'int8';
    this.fetchExact = options.fetchExact;
    this.stride = paddedStride(dimension);
    this.rowBytes = this.precision === 'int8' ? this.stride : this.stride * 4;
    this.outAt = this.stride * 4;
    this.helperOutAt = [this.outAt + BLOCK_ROWS * 4, this.outAt + 2 * BLOCK_ROWS * 4];
    this.matrixAt = align(this.outAt + 3 * BLOCK_ROWS * 4, 64);
    this.threads = options.threads ?? 1;
    this.memory = kernelMemory(Math.ceil(this.matrixAt / WASM_PAGE));
    this.kernels = instantiateKernels(this.stride, this.memory);
  }

  /** Number of sounds. */
  get size(): number {
    return this.firstRow.size;
  }

  get windowCount(): number {
    return this.count;
  }

  has(soundId: number): boolean {
    return this.firstRow.has(soundId);
  }

  memoryBytes(): IndexMemory {
    const perRowMeta = 4 + 4 + 4 + 2 + 4;
    return {
      used: this.count * (this.rowBytes + perRowMeta),
      reserved: this.memory.buffer.byteLength + this.capacity * perRowMeta,
    };
  }

  /** Bytes a row takes in `IndexRows.vectors`. */
  get bytesPerRow(): number {
    return this.rowBytes;
  }

  /** The rows as they lie in memory, as views that stay valid until the next change. */
  rows(): IndexRows {
    const n = this.count;
    return {
      count: n,
      vectors: new Uint8Array(this.memory.buffer, this.matrixAt, n * this.rowBytes),
      scale: this.rowScale.subarray(0, n), sound: this.rowSound.subarray(0, n), offset: this.rowOffset.subarray(0, n),
      window: this.rowWindow.subarray(0, n), next: this.rowNext.subarray(0, n),
    };
  }

  /**
   * Empties the index and makes room for `count` rows, returned as views to fill (from a
   * snapshot file); `adoptRows` then checks them and makes their sounds searchable.
   */
  restoreRows(count: number): IndexRows {
    this.checkNotScanning();
    this.firstRow.clear();
    this.count = 0;
    this.reserve(count);
    this.count = count;
    return this.rows();
  }

  /**
   * Checks rows filled through `restoreRows` and indexes their sounds, `pause`-ing between
   * slices so a million rows never hold the thread long. Rows that do not form whole sounds
   * (a window chain that breaks, loops, skips a window or mixes sounds) empty the index and
   * throw 'corrupt'.
   */
  async adoptRows(pause: () => Promise<void> | undefined): Promise<void> {
    const n = this.count;
    const fail = (why: string): never => {
      this.firstRow.clear();
      this.count = 0;
      throw new EngineError('corrupt', `the index rows are inconsistent: ${why}`);
    };
    const pointed = new Uint8Array(n);
    for (let r = 0; r < n; r++) {
      const next = this.rowNext[r];
      if (next !== -1) {
        if (next < 0 || next >= n || pointed[next]) fail(`row ${r} links to row ${next}`);
        pointed[next] = 1;
      }
      if (this.rowSound[r] < 0 || !Number.isFinite(this.rowScale[r]) || !Number.isFinite(this.rowOffset[r])) fail(`row ${r} holds invalid values`);
      if ((r & 0xffff) === 0xffff) await pause();
    }
    let seen = 0;
    for (let r = 0; r < n; r++) {
      if (pointed[r]) continue;
      const sound = this.rowSound[r];
      if (this.firstRow.has(sound)) fail(`sound ${sound} appears twice`);
      this.firstRow.set(sound, r);
      let w = 0;
      for (let k = r; k >= 0; k = this.rowNext[k], w++) {
        if (this.rowSound[k] !== sound || this.rowWindow[k] !== w || w >= MAX_WINDOWS_PER_SOUND) fail(`the windows of sound ${sound} are out of order`);
        seen++;
      }
      if ((r & 0xffff) === 0xffff) await pause();
    }
    // Every row reached from a head exactly once: no loops, nothing left over.
    if (seen !== n) fail(`${n - seen} rows belong to no sound`);
  }

  /** Sets a sound's windows, replacing any it had. */
  upsert(soundId: number, windows: readonly SoundWindow[]): void {
    checkSoundId(soundId);
    if (windows.length === 0) throw new EngineError('invalid-argument', `sound ${soundId} has no windows to index`);
    if (windows.length > MAX_WINDOWS_PER_SOUND) {
      throw new EngineError('invalid-argument', `sound ${soundId} has ${windows.length} windows; at most ${MAX_WINDOWS_PER_SOUND} are supported`);
    }
    for (const w of windows) {
      this.checkVector(w.embedding, `sound ${soundId}`);
      if (!Number.isFinite(w.offsetSec)) throw new EngineError('invalid-argument', `sound ${soundId} has a window with offset ${w.offsetSec}`);
    }
    this.checkNotScanning();
    this.remove(soundId);
    this.reserve(this.count + windows.length);
    let previous = -1;
    for (let w = 0; w < windows.length; w++) {
      const row = this.count++;
      this.writeVector(row, windows[w].embedding);
      this.rowSound[row] = soundId;
      this.rowOffset[row] = windows[w].offsetSec;
      this.rowWindow[row] = w;
      this.rowNext[row] = -1;
      if (previous < 0) this.firstRow.set(soundId, row);
      else this.rowNext[previous] = row;
      previous = row;
    }
  }

  /** Forgets a sound; returns whether it was indexed. */
  remove(soundId: number): boolean {
    const head = this.firstRow.get(soundId);
    if (head === undefined) return false;
    this.checkNotScanning();
    const rows: number[] = [];
    for (let r = head; r >= 0; r = this.rowNext[r]) rows.push(r);
    // Highest first: every row above the one being filled is then already gone or belongs to
    // another sound, so the row moved in is never one of this sound's.
    rows.sort((a, b) => b - a);
    for (const row of rows) this.moveLastRowTo(row);
    this.firstRow.delete(soundId);
    return true;
  }

  search(query: Float32Array, options: SearchOptions): SoundMatch[] {
    return this.rank(query, options, -1);
  }

  /**
   * `search` with a large int8 scan split between two helper threads (both cores), each scoring
   * half the rows in the shared memory while this thread waits: the same answers in about half
   * the time, and the engine's thread free meanwhile. Anything else (a small index, exact
   * scoring, a filter that is not a bitset, helpers not started yet) is answered by `search`.
   * The index must not change until the promise settles.
   */
  async searchParallel(query: Float32Array, options: SearchOptions): Promise<SoundMatch[]> {
    const allow = options.allow;
    if (this.threads < 2 || this.precision !== 'int8' || options.exact || this.count < PARALLEL_MIN_ROWS || !(allow === undefined || allow instanceof Uint8Array)) {
      return this.search(query, options);
    }
    const helpers = this.helpers ??= this.helperOutAt.map(() => new ScanHelper(this.memory, this.stride));
    // Until their threads have started (the first large search), the helpers cannot take work.
    if (!helpers.every((h) => h.ready)) return this.search(query, options);
    this.checkVector(query, 'the query');
    const top = options.top;
    if (!Number.isInteger(top) || top < 1) throw new EngineError('invalid-argument', `top must be a whole number of at least 1, not ${top}`);
    const queryScale = this.writeInt8Query(query);
    const split = Math.ceil(this.count / 2 / BLOCK_ROWS) * BLOCK_ROWS;
    const ranges = [[0, split], [split, this.count]] as const;
    let candidates: ScoredWindow[];
    this.scanning = true;
    try {
      for (let keep = Math.max(options.candidates ?? Math.max(10 * top, 100), top); ; keep *= 4) {
        const k = Math.min(keep, this.count);
        const halves = await Promise.all(helpers.map((h, i) => h.scan({
          layout: { matrixAt: this.matrixAt, rowBytes: this.rowBytes, queryAt: this.queryAt, outAt: this.helperOutAt[i] },
          scale: this.rowScale, sound: this.rowSound, start: ranges[i][0], end: ranges[i][1], keep: k, allow: allow ?? null, exclude: -1,
        })));
        const best = new BestWindows(k);
        for (const half of halves) for (let i = 0; i < half.rows.length; i++) best.push(half.scores[i], half.rows[i]);
        candidates = best.entries();
        if (best.size < best.capacity || best.capacity === this.count || distinctSounds(candidates, this.rowSound) >= top) break;
      }
    } catch {
      // A helper thread died: this thread answers alone.
      this.scanning = false;
      return this.search(query, options);
    } finally {
      this.scanning = false;
    }
    if (!this.fetchExact) return this.bestSounds(candidates, top, queryScale);
    return this.bestSounds(this.rescore(query, this.fetchExact, candidates), top, 1);
  }

  /** Stops the helper threads, if they were started. */
  async close(): Promise<void> {
    await Promise.all((this.helpers ?? []).map((h) => h.close()));
    this.helpers = null;
  }

  /** Sounds like the first window of `soundId`, which is itself left out. */
  moreLikeThis(soundId: number, options: SearchOptions): SoundMatch[] {
    const head = this.firstRow.get(soundId);
    if (head === undefined) throw new EngineError('not-found', `sound ${soundId} is not in the index`);
    return this.rank(this.rowEmbedding(head), options, soundId);
  }

  private rank(query: Float32Array, options: SearchOptions, exclude: number): SoundMatch[] {
    this.checkVector(query, 'the query');
    const top = options.top;
    if (!Number.isInteger(top) || top < 1) throw new EngineError('invalid-argument', `top must be a whole number of at least 1, not ${top}`);
    if (this.count === 0) return [];
    const allowed = allowCheck(options.allow, exclude);
    // A narrow filter (a folder, a few hundred sounds) scores only its own rows, not the library.
    const rows = this.rowsOfFew(options.allow, exclude);
    const total = rows ? rows.length : this.count;
    if (total === 0) return [];
    if (this.precision === 'float32') {
      new Float32Array(this.memory.buffer, this.queryAt, this.stride).set(query);
      return this.bestSounds(this.scan(exactKeep(top), top, total, (best) => scanRows(this.target(this.kernels.dotsF32), best, allowed, rows, 0, this.count, false)), top, 1);
    }
    if (options.exact) {
      const fetch = this.requireFetchExact();
      return this.bestSounds(this.scan(exactKeep(top), top, total, (best) => this.scanExact(query, fetch, best, allowed, rows)), top, 1);
    }
    const queryScale = this.writeInt8Query(query);
    const keep = Math.max(options.candidates ?? Math.max(10 * top, 100), top);
    const candidates = this.scan(keep, top, total, (best) => scanRows(this.target(this.kernels.dotsInt8), best, allowed, rows, 0, this.count, true));
    if (!this.fetchExact) return this.bestSounds(candidates, top, queryScale);
    return this.bestSounds(this.rescore(query, this.fetchExact, candidates), top, 1);
  }

  /**
   * Keeps the best windows among allowed sounds, widening until they span `top` sounds (or hold
   * every allowed window): every sound outside them then scores below all of those sounds.
   */
  private scan(keep: number, top: number, total: number, fill: (best: BestWindows) => void): ScoredWindow[] {
    for (; ; keep *= 4) {
      const best = new BestWindows(Math.min(keep, total));
      fill(best);
      const entries = best.entries();
      if (best.size < best.capacity || best.capacity === total || distinctSounds(entries, this.rowSound) >= top) return entries;
    }
  }

  /**
   * The rows of the allowed sounds when they are few enough that visiting them one by one beats
   * scanning every row (about 1 row in 16); null to scan everything.
   */
  private rowsOfFew(allow: AllowedSounds | undefined, exclude: number): Int32Array | null {
    if (!(allow instanceof Set) || allow.size * 16 > this.firstRow.size) return null;
    const rows: number[] = [];
    for (const id of allow as ReadonlySet<number>) {
      if (id === exclude) continue;
      const head = this.firstRow.get(id);
      if (head !== undefined) for (let r = head; r >= 0; r = this.rowNext[r]) rows.push(r);
    }
    // In memory order, so runs of a sound's neighbouring rows are scored in one kernel call.
    return Int32Array.from(rows).sort();
  }

  private target(kernel: Kernel, outAt = this.outAt): ScanTarget {
    return { buffer: this.memory.buffer, kernel, matrixAt: this.matrixAt, rowBytes: this.rowBytes, queryAt: this.queryAt, outAt, scale: this.rowScale, sound: this.rowSound };
  }

  /** Every allowed window (or `rows`) against the float32 embeddings from the store, a block at a time. */
  private scanExact(query: Float32Array, fetch: FetchExact, best: BestWindows, allowed: Allowed, only: Int32Array | null): void {
    const total = only ? only.length : this.count;
    for (let start = 0; start < total; start += BLOCK_ROWS) {
      const rows: number[] = [];
      for (let i = start; i < Math.min(start + BLOCK_ROWS, total); i++) {
        const row = only ? only[i] : i;
        if (allowed(this.rowSound[row])) rows.push(row);
      }
      const vectors = this.fetchChecked(fetch, rows);
      for (let i = 0; i < rows.length; i++) best.push(dot(query, vectors[i]), rows[i]);
    }
  }

  private rescore(query: Float32Array, fetch: FetchExact, candidates: ScoredWindow[]): ScoredWindow[] {
    const vectors = this.fetchChecked(fetch, candidates.map((c) => c.row));
    return candidates.map((c, i) => ({ row: c.row, score: dot(query, vectors[i]) }));
  }

  /** Best window per sound, best sounds first (ties: lower sound id, then earlier window). */
  private bestSounds(windows: ScoredWindow[], top: number, scoreScale: number): SoundMatch[] {
    const bySound = new Map<number, ScoredWindow>();
    for (const w of windows) {
      const sound = this.rowSound[w.row];
      const seen = bySound.get(sound);
      if (!seen || w.score > seen.score || (w.score === seen.score && this.rowWindow[w.row] < this.rowWindow[seen.row])) bySound.set(sound, w);
    }
    return [...bySound.entries()]
      .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
      .slice(0, top)
      .map(([soundId, w]) => ({ soundId, score: w.score * scoreScale, offsetSec: this.rowOffset[w.row] }));
  }

  private requireFetchExact(): FetchExact {
    if (!this.fetchExact) throw new EngineError('invalid-argument', 'exact search over an int8 index needs the stored float32 embeddings (fetchExact)');
    return this.fetchExact;
  }

  private fetchChecked(fetch: FetchExact, rows: number[]): Float32Array[] {
    if (rows.length === 0) return [];
    const keys = rows.map((row) => ({ soundId: this.rowSound[row], window: this.rowWindow[row], offsetSec: this.rowOffset[row] }));
    const vectors = fetch(keys);
    if (vectors.length !== keys.length) throw new EngineError('internal', `asked the store for ${keys.length} embeddings and got ${vectors.length}`);
    for (let i = 0; i < vectors.length; i++) {
      if (vectors[i]?.length !== this.dimension) {
        throw new EngineError('corrupt', `the stored embedding of sound ${keys[i].soundId} window ${keys[i].window} has ${vectors[i]?.length ?? 0} values, expected ${this.dimension}`);
      }
    }
    return vectors;
  }

  /** Quantises the query into the kernel's int16 slot; returns the factor that turns dots into cosines. */
  private writeInt8Query(query: Float32Array): number {
    let max = 0;
    for (let i = 0; i < this.dimension; i++) max = Math.max(max, Math.abs(query[i]));
    // The widest query keeping the int32 sum of stride * 127 * level products in range: the
    // query's own rounding error then vanishes next to the rows' int8 error.
    const levels = Math.min(32767, Math.floor(0x7fffffff / (this.stride * 128)));
    const target = new Int16Array(this.memory.buffer, this.queryAt, this.stride);
    const step = max > 0 ? max / levels : 1;
    for (let i = 0; i < this.dimension; i++) target[i] = Math.round(query[i] / step);
    return step;
  }

  private writeVector(row: number, embedding: Float32Array): void {
    const at = this.matrixAt + row * this.rowBytes;
    if (this.precision === 'float32') {
      new Float32Array(this.memory.buffer, at, this.dimension).set(embedding);
      return;
    }
    let max = 0;
    for (let i = 0; i < this.dimension; i++) max = Math.max(max, Math.abs(embedding[i]));
    const step = max > 0 ? max / 127 : 0;
    const target = new Int8Array(this.memory.buffer, at, this.dimension);
    if (step > 0) for (let i = 0; i < this.dimension; i++) target[i] = Math.round(embedding[i] / step);
    else target.fill(0);
    this.rowScale[row] = step;
  }

  /** The stored embedding of a row: exact when the store can give it, else the int8 reconstruction. */
  private rowEmbedding(row: number): Float32Array {
    const at = this.matrixAt + row * this.rowBytes;
    if (this.precision === 'float32') return new Float32Array(this.memory.buffer.slice(at, at + this.dimension * 4));
    if (this.fetchExact) return this.fetchChecked(this.fetchExact, [row])[0];
    const stored = new Int8Array(this.memory.buffer, at, this.dimension);
    const out = new Float32Array(this.dimension);
    for (let i = 0; i < this.dimension; i++) out[i] = stored[i] * this.rowScale[row];
    return out;
  }

  /** Fills `row` with the last row (fixing the link that pointed at it) and drops the last row. */
  private moveLastRowTo(row: number): void {
    const last = this.count - 1;
    if (row !== last) {
      const bytes = new Uint8Array(this.memory.buffer);
      bytes.copyWithin(this.matrixAt + row * this.rowBytes, this.matrixAt + last * this.rowBytes, this.matrixAt + (last + 1) * this.rowBytes);
      const sound = this.rowSound[last];
      this.rowScale[row] = this.rowScale[last];
      this.rowSound[row] = sound;
      this.rowOffset[row] = this.rowOffset[last];
      this.rowWindow[row] = this.rowWindow[last];
      this.rowNext[row] = this.rowNext[last];
      const head = this.firstRow.get(sound) as number;
      if (head === last) this.firstRow.set(sound, row);
      else {
        let r = head;
        while (this.rowNext[r] !== last) r = this.rowNext[r];
        this.rowNext[r] = row;
      }
    }
    this.count--;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    // Metadata arrays are copied on growth, so they grow geometrically; the vectors' WebAssembly
    // memory grows in place (untouched pages cost no RAM), so it grows just a little ahead.
    const capacity = Math.max(rows, Math.ceil(this.capacity * 1.5), 1024);
    this.rowScale = grown(this.rowScale, capacity);
    this.rowSound = grown(this.rowSound, capacity);
    this.rowOffset = grown(this.rowOffset, capacity);
    this.rowWindow = grown(this.rowWindow, capacity);
    this.rowNext = grown(this.rowNext, capacity);
    this.capacity = capacity;
    const neededBytes = this.matrixAt + capacity * this.rowBytes;
    const pages = Math.ceil(neededBytes / WASM_PAGE);
    const havePages = this.memory.buffer.byteLength / WASM_PAGE;
    if (pages > MAX_PAGES) {
      throw new EngineError('too-large', `${rows} windows of ${this.dimension} dimensions do not fit in the 4 GiB an index can hold`);
    }
    if (pages > havePages) this.memory.grow(pages - havePages);
  }

  private checkNotScanning(): void {
    if (this.scanning) throw new EngineError('internal', 'the index was changed while a search was reading it');
  }

  private checkVector(vector: Float32Array, what: string): void {
    if (!(vector instanceof Float32Array) || vector.length !== this.dimension) {
      throw new EngineError('invalid-argument', `${what} has ${vector?.length ?? 0} values but the index holds ${this.dimension}-dimensional embeddings`);
    }
    if (!allFinite(vector)) throw new EngineError('invalid-argument', `${what} contains a value that is not a finite number`);
  }
}

/** Whether every value is a finite number: one NaN or infinity would poison every score it meets. */
export function allFinite(vector: ArrayLike<number>): boolean {
  for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) return false;
  return true;
}

type Allowed = (soundId: number) => boolean;

interface ScoredWindow {
  row: number;
  score: number;
}

function allowCheck(allow: AllowedSounds | undefined, exclude: number): Allowed {
  let check: Allowed;
  if (allow === undefined) check = () => true;
  else if (allow instanceof Uint8Array) return bitsetCheck(allow, exclude);
  else if (typeof allow === 'function') check = allow;
  else check = (id) => allow.has(id);
  if (exclude < 0) return check;
  return (id) => id !== exclude && check(id);
}

/** Exact scores need no spare candidates, only room for sounds with several good windows. */
function exactKeep(top: number): number {
  return top * 2 + 16;
}

function distinctSounds(windows: Array<{ row: number }>, rowSound: Int32Array): number {
  const sounds = new Set<number>();
  for (const w of windows) sounds.add(rowSound[w.row]);
  return sounds.size;
}

function checkSoundId(soundId: number): void {
  if (!Number.isInteger(soundId) || soundId < 0 || soundId > MAX_SOUND_ID) {
    throw new EngineError('invalid-argument', `a sound id must be a whole number from 0 to ${MAX_SOUND_ID}, not ${soundId}`);
  }
}

/** A larger copy, in shared memory so a scan helper thread reads the same rows. */
function grown<T extends Float32Array | Int32Array | Uint16Array>(array: T, capacity: number): T {
  const Type = array.constructor as (new (buffer: SharedArrayBuffer) => T) & { BYTES_PER_ELEMENT: number };
  const next = new Type(new SharedArrayBuffer(capacity * Type.BYTES_PER_ELEMENT));
  next.set(array);
  return next;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
