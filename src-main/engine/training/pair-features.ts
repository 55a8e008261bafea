import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadMono32k } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { Dataset } from '../evaluation/dataset-types.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { augmentedCopies } from './augment.ts';
import { featureExtractor, type FeatureRecipe } from '../model-version/features.ts';
import { decodeTensorFile, encodeTensorFile } from '../model-version/model-file.ts';
import { hashString } from '../random.ts';
import type { RetrievalSet } from './retrieval.ts';
import type { PairFeatures } from './trainer.ts';
import { clipFeatures, soundWindowFeatures } from '../model-version/window-features.ts';

/**
 * Training pairs as cached features, from a dataset folder (imitation -> reference rows) or from
 * a library (synthetic imitations of its sounds). Every file's features, clean and augmented,
 * are computed once and kept in `cacheDir` under a key naming the file's state and the recipe.
 */

export interface PairOptions {
  /** Augmented copies per side (0 = clean only). */
  augmentedCopies?: number;
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

async function cached(cacheDir: string | undefined, key: string, make: () => Promise<Float32Array[]>): Promise<Float32Array[]> {
  if (!cacheDir) return make();
  const file = join(cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.features`);
  try {
    const { tensors } = decodeTensorFile(await readFile(file), file);
    return [...tensors.values()];
  } catch {
    const rows = await make();
    await mkdir(cacheDir, { recursive: true });
    await writeFile(file, encodeTensorFile({ key }, Object.fromEntries(rows.map((r, i) => [String(i), r]))));
    return rows;
  }
}

async function fileKey(path: string): Promise<string> {
  const s = await stat(path);
  return `${resolve(path)}\n${s.size}\n${s.mtimeMs}`;
}

/** Clean features of a clip's first 10 s and of `copies` augmented versions of it. */
async function clipWithCopies(model: EmbeddingModel, recipe: FeatureRecipe, clip: Float32Array, copies: number, seed: number): Promise<Float32Array[]> {
  return clipFeatures(model, featureExtractor(recipe), [clip, ...augmentedCopies(clip.subarray(0, Math.min(clip.length, 320_000)), copies, seed)]);
}

/** Pairs from a dataset's rows: each query (imitation) with its item (reference). */
export async function datasetPairs(model: EmbeddingModel, recipe: FeatureRecipe, dataset: Dataset, opts: PairOptions = {}): Promise<PairFeatures[]> {
  const copies = opts.augmentedCopies ?? 0;
  const id = featureExtractor(recipe).id;
  const features = async (path: string): Promise<Float32Array[]> => {
    if (opts.signal?.aborted) throw new EngineError('cancelled', 'preparing training pairs was cancelled');
    return cached(opts.cacheDir, `${id}\n${copies}\n${await fileKey(path)}`, async () => {
      const { samples } = await loadMono32k(path, { maxSeconds: 10, signal: opts.signal });
      return clipWithCopies(model, recipe, samples, copies, hashString(path));
    });
  };
  const items = new Map(dataset.items.map((it) => [it.id, it]));
  const refFeatures = new Map<string, Float32Array[]>();
  const pairs: PairFeatures[] = [];
  let done = 0;
  for (const q of dataset.queries) {
    const item = items.get(q.itemId)!;
    if (!refFeatures.has(item.id)) refFeatures.set(item.id, await features(item.path));
    pairs.push({ reference: item.id, imitation: await features(q.path), referenceCopies: refFeatures.get(item.id)! });
    opts.onProgress?.(++done, dataset.queries.length);
  }
  return pairs;
}

/** A dataset as a quick retrieval set (items by windows, queries by their first 10 s) for validation. */
export async function datasetRetrievalSet(model: EmbeddingModel, recipe: FeatureRecipe, dataset: Dataset, opts: PairOptions = {}): Promise<RetrievalSet> {
  const extractor = featureExtractor(recipe);
  const d = extractor.dimension;
  const itemRows: Float32Array[] = [];
  const windowItem: number[] = [];
  const itemIndex = new Map<string, number>();
  for (const [i, it] of dataset.items.entries()) {
    itemIndex.set(it.id, i);
    const windows = await cached(opts.cacheDir, `windows\n${extractor.id}\n${await fileKey(it.path)}`, async () => {
      const { samples } = await loadMono32k(it.path, { signal: opts.signal });
      return (await soundWindowFeatures(model, extractor, samples)).map((w) => w.vector);
    });
    for (const w of windows) {
      itemRows.push(w);
      windowItem.push(i);
    }
  }
  const queries = await datasetPairs(model, recipe, { ...dataset, queries: dataset.queries }, { ...opts, augmentedCopies: 0 });
  const q = new Float32Array(queries.length * d);
  queries.forEach((p, i) => q.set(p.imitation[0], i * d));
  const items = new Float32Array(itemRows.length * d);
  itemRows.forEach((r, i) => items.set(r, i * d));
  return { dimension: d, queries: q, answers: Int32Array.from(dataset.queries, (x) => itemIndex.get(x.itemId)!), items, windowItem: Int32Array.from(windowItem), itemCount: dataset.items.length };
}
