import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { AUDIO_EXTENSIONS, loadMono32k } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import type { Dataset } from '../evaluation/dataset-types.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { augmentedCopies } from './augment.ts';
import { featureExtractor, type FeatureRecipe } from './features.ts';
import { decodeTensorFile, encodeTensorFile } from './model-file.ts';
import { hashString } from './random.ts';
import type { RetrievalSet } from './retrieval.ts';
import { syntheticImitation } from './synthetic-imitations.ts';
import type { PairFeatures } from './trainer.ts';
import { clipFeatures, soundWindowFeatures } from './window-features.ts';

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

/** Audio files of a library: its manifest.csv's paths when it has one, else every audio file below it. */
export async function libraryFiles(libraryDir: string): Promise<string[]> {
  const root = resolve(libraryDir);
  try {
    const text = await readFile(join(root, 'manifest.csv'), 'utf8');
    const [header, ...rows] = text.trim().split('\n');
    const col = header.split(',').indexOf('path');
    if (col >= 0) return rows.map((r) => join(root, r.split(',')[col])).sort();
  } catch {
    // no manifest: walk the folder
  }
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (AUDIO_EXTENSIONS.includes(e.name.split('.').pop()!.toLowerCase())) out.push(p);
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Pairs of synthetic imitations (synthetic-imitations.ts) with the library sounds they imitate,
 * leaving out `exclude` (absolute paths), e.g. the references of a benchmark built from the same
 * library, so a head is never trained on a sound it is measured on.
 */
export async function syntheticPairs(
  model: EmbeddingModel,
  recipe: FeatureRecipe,
  libraryDir: string,
  opts: PairOptions & { imitationsPerReference?: number; exclude?: ReadonlySet<string> } = {},
): Promise<PairFeatures[]> {
  const per = opts.imitationsPerReference ?? 3;
  const copies = opts.augmentedCopies ?? 0;
  const id = featureExtractor(recipe).id;
  const files = (await libraryFiles(libraryDir)).filter((f) => !opts.exclude?.has(resolve(f)));
  const pairs: PairFeatures[] = [];
  let done = 0;
  for (const file of files) {
    if (opts.signal?.aborted) throw new EngineError('cancelled', 'preparing training pairs was cancelled');
    const name = relative(resolve(libraryDir), file);
    let rows: Float32Array[];
    try {
      rows = await cached(opts.cacheDir, `synthetic\n${id}\n${per}\n${copies}\n${await fileKey(file)}`, async () => {
        const { samples } = await loadMono32k(file, { maxSeconds: 10, signal: opts.signal });
        const clip = new Float32Array(320_000);
        clip.set(samples.subarray(0, 320_000));
        const out = await clipWithCopies(model, recipe, clip, copies, hashString(name));
        const imitations = Array.from({ length: per }, (_, k) => syntheticImitation(clip, hashString(name) + 7919 * (k + 1)));
        out.push(...(await clipFeatures(model, featureExtractor(recipe), imitations)));
        return out;
      });
    } catch (e) {
      if (e instanceof EngineError && e.kind === 'cancelled') throw e;
      opts.onProgress?.(++done, files.length);
      continue; // an unreadable library file simply gives no pairs
    }
    const reference = rows.slice(0, copies + 1);
    for (const imitation of rows.slice(copies + 1)) pairs.push({ reference: name, imitation: [imitation], referenceCopies: reference });
    opts.onProgress?.(++done, files.length);
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
