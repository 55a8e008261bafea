import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeAudio, downmix, resample } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { Dataset } from './dataset-types.ts';
import type { ItemRef, QueryRef, SimilarityMatrix } from './metrics.ts';
import { seededRandom } from './random.ts';
import { TWO_DFT_SAMPLE_RATE, TWO_DFT_SECONDS, twoDftFeature } from './two-dft.ts';

/** Which encoder a sound goes through: library sounds the reference tower, takes the imitation tower. */
export type Tower = 'imitation' | 'reference';

/** Where embeddings of unchanged files are kept between runs. Keys already name the system and the file's state. */
export interface EmbeddingCache {
  get(key: string): Promise<Float32Array | undefined>;
  set(key: string, embedding: Float32Array): Promise<void>;
}

export interface SimilarityOptions {
  signal?: AbortSignal;
  /** Sounds processed so far out of all sounds (items + queries). */
  onProgress?: (done: number, total: number) => void;
  cache?: EmbeddingCache;
}

/** Anything that can be compared: a baseline, the zero-shot AudioSet model, a trained model version. */
export interface RetrievalSystem {
  id: string;
  label: string;
  similarity(dataset: Dataset, opts?: SimilarityOptions): Promise<SimilarityMatrix>;
}

/** The queries and items of a dataset as the metrics see them, in the dataset's order. */
export function similarityShape(dataset: Dataset): { queries: QueryRef[]; items: ItemRef[] } {
  return {
    queries: dataset.queries.map((q) => ({ id: q.id, class: q.class, itemId: q.itemId })),
    items: dataset.items.map((it) => ({ id: it.id, class: it.class })),
  };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'the evaluation was cancelled');
}

/** The official submission form: {query_file_name: {item_file_name: score}}, higher = more similar. */
export function exportSimilarityJson(matrix: SimilarityMatrix): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const n = matrix.items.length;
  matrix.queries.forEach((q, qi) => {
    const row: Record<string, number> = {};
    matrix.items.forEach((it, ii) => (row[it.id] = matrix.data[qi * n + ii]));
    out[q.id] = row;
  });
  return out;
}

/**
 * Reads a similarity JSON in the official form (e.g. a challenge submission) against a
 * dataset. Every query and item of the dataset must have a score; extra entries are ignored.
 */
export function importSimilarityJson(json: unknown, dataset: Dataset): SimilarityMatrix {
  if (typeof json !== 'object' || json === null) throw new EngineError('invalid-argument', 'a similarity file must hold {query: {item: score}}');
  const table = json as Record<string, unknown>;
  const shape = similarityShape(dataset);
  const n = shape.items.length;
  const data = new Float64Array(shape.queries.length * n);
  const missing: string[] = [];
  shape.queries.forEach((q, qi) => {
    const row = table[q.id];
    if (typeof row !== 'object' || row === null) return void missing.push(`query "${q.id}"`);
    shape.items.forEach((it, ii) => {
      const v = (row as Record<string, unknown>)[it.id];
      if (typeof v !== 'number') missing.push(`"${q.id}" x "${it.id}"`);
      else data[qi * n + ii] = v;
    });
  });
  if (missing.length) {
    throw new EngineError('invalid-argument', `the similarity file lacks ${missing.length} scores, e.g. ${missing.slice(0, 5).join(', ')}`);
  }
  return { ...shape, data };
}

/** Uniform random scores: the floor every system must clear. Its expected MRR is H_N / N (expectedRandomMrr). */
export function randomSystem(seed = 1): RetrievalSystem {
  return {
    id: 'random',
    label: `random (seed ${seed})`,
    async similarity(dataset, opts = {}) {
      checkAborted(opts.signal);
      const shape = similarityShape(dataset);
      const next = seededRandom(seed);
      const data = new Float64Array(shape.queries.length * shape.items.length);
      for (let i = 0; i < data.length; i++) data[i] = next();
      const total = shape.items.length + shape.queries.length;
      opts.onProgress?.(total, total);
      return { ...shape, data };
    },
  };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Cosine with a tiny floor under the norms' product, so a silent clip scores 0 instead of NaN. */
const COSINE_EPS = 1e-12;

/** One sound's embedding rows (one per window) with their norms. */
interface Rows {
  rows: (Float32Array | Float64Array)[];
  norms: Float64Array;
}

function splitRows(e: Float32Array | Float64Array, dimension: number | undefined): Rows {
  const d = dimension ?? e.length;
  if (d < 1 || e.length % d !== 0 || e.length === 0) {
    throw new EngineError('internal', `an embedding of ${e.length} values cannot be cut into windows of ${d}`);
  }
  const rows: (Float32Array | Float64Array)[] = [];
  for (let at = 0; at < e.length; at += d) rows.push(e.subarray(at, at + d));
  return { rows, norms: Float64Array.from(rows, (r) => Math.sqrt(dot(r, r))) };
}

/** The best cosine over every pair of a query window and an item window (one pair when each has one row). */
function bestPairCosine(q: Rows, item: Rows): number {
  let best = -Infinity;
  for (let a = 0; a < q.rows.length; a++) {
    for (let b = 0; b < item.rows.length; b++) {
      const c = dot(q.rows[a], item.rows[b]) / Math.max(q.norms[a] * item.norms[b], COSINE_EPS);
      if (c > best) best = c;
    }
  }
  return best;
}

export interface EmbeddingSystemOptions {
  /**
   * Length of one window's embedding, when `embed` returns several windows one after another:
   * a sound then scores by its best window against the query's best window, as search scores
   * library sounds. Unset: the whole embedding is one vector.
   */
  dimension?: number;
  /** Names what the embeddings depend on (model, windowing) in cache keys; defaults to the id. */
  cacheName?: string;
  /**
   * Turns what `embed` returned (and the cache keeps) into the embedding that is scored. A model
   * version caches its raw window features, which every version over the same recipe shares, and
   * runs its heads here.
   */
  afterCache?: (cached: Float32Array | Float64Array, tower: Tower) => Float32Array | Float64Array;
}

/**
 * Builds a system from per-sound embeddings: items through the reference tower, queries
 * through the imitation tower, cosine between them. Query embeddings are not kept, so a large
 * dataset needs memory for its items only. With a cache, unchanged files are not embedded again.
 * The zero-shot AudioSet model and trained model versions (evaluation/model-version-system.ts) plug in here.
 */
export function embeddingSystem(
  id: string,
  label: string,
  embed: (path: string, tower: Tower, signal?: AbortSignal) => Promise<Float32Array | Float64Array>,
  options: EmbeddingSystemOptions = {},
): RetrievalSystem {
  const cacheName = options.cacheName ?? id;
  return {
    id,
    label,
    async similarity(dataset, opts = {}) {
      const shape = similarityShape(dataset);
      const total = dataset.items.length + dataset.queries.length;
      let done = 0;
      const embedCached = async (path: string, tower: Tower): Promise<Rows> => {
        checkAborted(opts.signal);
        const key = opts.cache ? await cacheKey(cacheName, tower, path) : '';
        const hit = opts.cache ? await opts.cache.get(key) : undefined;
        const e = hit ?? (await embed(path, tower, opts.signal));
        if (opts.cache && !hit) await opts.cache.set(key, Float32Array.from(e));
        opts.onProgress?.(++done, total);
        return splitRows(options.afterCache ? options.afterCache(e, tower) : e, options.dimension);
      };
      const items: Rows[] = [];
      for (const it of dataset.items) items.push(await embedCached(it.path, 'reference'));
      const n = items.length;
      const data = new Float64Array(dataset.queries.length * n);
      for (let qi = 0; qi < dataset.queries.length; qi++) {
        const q = await embedCached(dataset.queries[qi].path, 'imitation');
        for (let i = 0; i < n; i++) data[qi * n + i] = bestPairCosine(q, items[i]);
      }
      return { ...shape, data };
    },
  };
}

/** A cache key that changes when the file does, so an edited sound is embedded again. */
async function cacheKey(systemId: string, tower: Tower, path: string): Promise<string> {
  const s = await stat(path);
  return `${systemId}\n${tower}\n${path}\n${s.size}\n${s.mtimeMs}`;
}

/** Embeddings as little float32 files in a folder, named by a hash of the key. */
export function folderEmbeddingCache(dir: string): EmbeddingCache {
  const file = (key: string): string => join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.f32`);
  return {
    async get(key) {
      try {
        const b = await readFile(file(key));
        return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      } catch {
        return undefined;
      }
    },
    async set(key, embedding) {
      await mkdir(dir, { recursive: true });
      await writeFile(file(key), Buffer.from(embedding.buffer, embedding.byteOffset, embedding.byteLength));
    },
  };
}

/**
 * The first 5 s of a sound as mono 8 kHz, as the 2DFT baseline reads it. Departure: the
 * baseline resamples with librosa (soxr); ours is the engine's Kaiser-windowed sinc resampler,
 * which differs only in the last fraction of a dB near 4 kHz, far above the CQT's 2090 Hz.
 */
export async function load8k(path: string, signal?: AbortSignal): Promise<Float32Array> {
  const { channels, sampleRate } = await decodeAudio(path, { maxSeconds: TWO_DFT_SECONDS, signal });
  const mono = resample(downmix(channels), sampleRate, TWO_DFT_SAMPLE_RATE);
  return mono.length > TWO_DFT_SAMPLE_RATE * TWO_DFT_SECONDS ? mono.subarray(0, TWO_DFT_SAMPLE_RATE * TWO_DFT_SECONDS) : mono;
}

/**
 * The challenge's 2DFT baseline: the same feature for items and queries (no towers), cosine.
 * Its features (72k values, 288 KB each) are cheaper to recompute than to keep on disk, so it
 * never uses the embedding cache.
 */
export function twoDftSystem(): RetrievalSystem {
  const inner = embeddingSystem('2dft', '2DFT (2-D FFT of a constant-Q spectrogram)', async (path, _tower, signal) => {
    // Item features are kept for the whole run: float32 halves their memory.
    return Float32Array.from(twoDftFeature(await load8k(path, signal)));
  });
  return { ...inner, similarity: (dataset, opts = {}) => inner.similarity(dataset, { ...opts, cache: undefined }) };
}

/** A cache that counts its hits and misses, so a report can say how much was reused. */
export function countingCache(inner: EmbeddingCache): EmbeddingCache & { readonly stats: { hits: number; misses: number } } {
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    async get(key) {
      const e = await inner.get(key);
      if (e) stats.hits++;
      else stats.misses++;
      return e;
    },
    set: (key, embedding) => inner.set(key, embedding),
  };
}
