import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EngineError } from '../errors.ts';
import type { EmbeddingModel } from '../model/runtime.ts';
import { DEFAULT_FEATURES } from '../training/default-recipe.ts';
import type { FeatureRecipe } from '../model-version/features.ts';
import { datasetPairs, itemWindowFeatures } from '../training/pair-features.ts';
import { hashString } from '../random.ts';
import { parseCsv } from '../csv.ts';
import type { Dataset } from '../evaluation/dataset-types.ts';
import { IMITATORS_CSV, readImitatorFamilies } from '../evaluation/proxy.ts';

/**
 * The features of a multi-imitator proxy benchmark, computed once and cached, from which every
 * fold of the leave-one-family-out matrix and every candidate system is scored without touching
 * audio again. Features are kept with every part at weight 1; any recipe over the same parts is
 * an exact rescaling of them (model-version/features.ts reweightFeatures), so part weights can be
 * searched for free.
 */

/** Every part the default model reads, each at weight 1. */
export const QUALITY_RECIPE: FeatureRecipe = { ...DEFAULT_FEATURES, parts: DEFAULT_FEATURES.parts.map((p) => ({ ...p, weight: 1 })) };

/** What the proxy has always been made with, for a proxy built before imitator families existed. */
export const LEGACY_FAMILY = 'formant';

export interface QualityBank {
  dataset: Dataset;
  recipe: FeatureRecipe;
  /** Query id -> the imitator family that made it. */
  familyOf: Map<string, string>;
  /** Item id -> the library package (manifest source) it came from. */
  sourceOf: Map<string, string>;
  /** Query id -> its features, the clean copy first, then augmented copies. */
  query: Map<string, Float32Array[]>;
  /** Item id -> its first 10 s (what training pairs with), clean first, then augmented copies. */
  itemClip: Map<string, Float32Array[]>;
  /** Item id -> its windows (10 s every 5 s), as search scores it. */
  itemWindows: Map<string, Float32Array[]>;
  families: string[];
}

export interface BankOptions {
  cacheDir?: string;
  augmentedCopies?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

async function csvRows(file: string): Promise<Array<Record<string, string>> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw EngineError.from(err, file);
  }
  const [header, ...rows] = parseCsv(text);
  const names = header?.fields.map((h) => h.trim().toLowerCase()) ?? [];
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, (r.fields[i] ?? '').trim()])));
}

/**
 * The family of every query of a proxy (proxy.ts reads `<proxy>/imitators.csv`); a proxy without
 * one was made by the one formant imitator. Every query must have a family.
 */
export async function queryFamilies(dataset: Dataset): Promise<Map<string, string>> {
  const byName = await readImitatorFamilies(dataset.root);
  if (!byName) return new Map(dataset.queries.map((q) => [q.id, LEGACY_FAMILY]));
  const out = new Map<string, string>();
  const missing: string[] = [];
  for (const q of dataset.queries) {
    const family = byName.get(q.id) ?? byName.get(basename(q.path));
    if (family) out.set(q.id, family);
    else missing.push(q.id);
  }
  if (missing.length) {
    throw new EngineError('dataset', `${missing.length} imitation${missing.length > 1 ? 's have' : ' has'} no family in ${IMITATORS_CSV} (first: ${missing[0]})`, { file: join(dataset.root, IMITATORS_CSV) });
  }
  return out;
}

/** `<proxy>/licenses.csv` (item,library_path,source,license): the package each reference came from. */
export async function readReferenceSources(dataset: Dataset): Promise<Map<string, string>> {
  const rows = (await csvRows(join(dataset.root, 'licenses.csv'))) ?? [];
  const byItem = new Map(rows.map((r) => [r.item, r.source || 'unknown']));
  return new Map(dataset.items.map((it) => [it.id, byItem.get(it.id) ?? 'unknown']));
}

/**
 * Several proxies of one library built with the same seed and references, one per family
 * (`onomato proxy --imitators F` into a folder each), read as one benchmark: adding a family
 * then costs only its own imitations' features. Items come from the first; a reference missing
 * from any of them is left out, with its imitations.
 */
export async function mergeProxies(datasets: readonly Dataset[]): Promise<{ dataset: Dataset; familyOf: Map<string, string> }> {
  if (datasets.length === 0) throw new EngineError('invalid-argument', 'name at least one proxy benchmark');
  const common = new Set(datasets[0].items.map((it) => it.id).filter((id) => datasets.every((d) => d.items.some((it) => it.id === id))));
  const familyOf = new Map<string, string>();
  const queries: Dataset['queries'] = [];
  for (const d of datasets) {
    const families = await queryFamilies(d);
    for (const q of d.queries) {
      if (!common.has(q.itemId)) continue;
      if (familyOf.has(q.id)) throw new EngineError('dataset', `imitation ${q.id} is in two of the proxies; build each family into its own folder`, { file: d.root });
      familyOf.set(q.id, families.get(q.id)!);
      queries.push(q);
    }
  }
  const first = datasets[0];
  const name = datasets.length === 1 ? first.name : `${first.name} x ${datasets.length} proxies`;
  return { dataset: { ...first, name, items: first.items.filter((it) => common.has(it.id)), queries }, familyOf };
}

/** Computes (or reads from the cache) the features of every file of the benchmark (one proxy, or one per family). */
export async function qualityBank(model: EmbeddingModel, proxies: Dataset | readonly Dataset[], opts: BankOptions = {}): Promise<QualityBank> {
  const { dataset, familyOf } = await mergeProxies(Array.isArray(proxies) ? proxies : [proxies as Dataset]);
  const sourceOf = await readReferenceSources(dataset);
  const total = dataset.queries.length + dataset.items.length;
  const pairs = await datasetPairs(model, QUALITY_RECIPE, dataset, {
    augmentedCopies: opts.augmentedCopies ?? 0,
    cacheDir: opts.cacheDir,
    signal: opts.signal,
    onProgress: (done) => opts.onProgress?.(done, total),
  });
  const query = new Map<string, Float32Array[]>();
  const itemClip = new Map<string, Float32Array[]>();
  dataset.queries.forEach((q, i) => {
    query.set(q.id, pairs[i].imitation);
    itemClip.set(q.itemId, pairs[i].referenceCopies);
  });
  const itemWindows = new Map<string, Float32Array[]>();
  for (const [i, it] of dataset.items.entries()) {
    itemWindows.set(it.id, await itemWindowFeatures(model, QUALITY_RECIPE, it.path, opts));
    opts.onProgress?.(dataset.queries.length + i + 1, total);
  }
  const families = [...new Set(familyOf.values())].sort();
  return { dataset, recipe: QUALITY_RECIPE, familyOf, sourceOf, query, itemClip, itemWindows, families };
}

/**
 * Which references are tested and which may be trained on. `family`: the same held-out
 * references for every family (chosen by a seeded hash of the item, so the split does not move
 * when references are added). `source`: whole library packages held out, so that a model cannot
 * win by learning a package's house sound.
 */
export interface ReferenceSplit {
  kind: 'family' | 'source';
  /** Says what was held out, for the report. */
  description: string;
  train: Set<string>;
  test: Set<string>;
}

const bySeededHash = (seed: number) => (a: string, b: string): number => hashString(`${seed}:${a}`) - hashString(`${seed}:${b}`) || (a < b ? -1 : 1);

export function heldOutReferences(bank: QualityBank, opts: { testReferences: number; trainReferences?: number; seed: number }): ReferenceSplit {
  const ids = bank.dataset.items.map((it) => it.id).sort(bySeededHash(opts.seed));
  const testCount = Math.min(opts.testReferences, Math.floor(ids.length / 2));
  if (testCount < 2) throw new EngineError('invalid-argument', `${ids.length} references are too few to hold some out and train on the rest`);
  const test = new Set(ids.slice(0, testCount));
  const train = new Set(ids.slice(testCount, opts.trainReferences ? testCount + opts.trainReferences : undefined));
  return { kind: 'family', description: `${test.size} held-out references, ${train.size} training references`, train, test };
}

/** Whole packages held out until about `share` of the references are (never more than half). */
export function heldOutSources(bank: QualityBank, opts: { share: number; seed: number; trainReferences?: number }): ReferenceSplit {
  const count = new Map<string, number>();
  for (const s of bank.sourceOf.values()) count.set(s, (count.get(s) ?? 0) + 1);
  const total = bank.dataset.items.length;
  const testSources: string[] = [];
  let held = 0;
  for (const s of [...count.keys()].sort(bySeededHash(opts.seed))) {
    if (held >= opts.share * total) break;
    if (held + count.get(s)! > total / 2) continue;
    testSources.push(s);
    held += count.get(s)!;
  }
  if (testSources.length === 0 || testSources.length === count.size) {
    throw new EngineError('invalid-argument', `the references come from ${count.size} package${count.size === 1 ? '' : 's'}; a source split needs some to train on and some to test`);
  }
  const isTest = new Set(testSources);
  const test = new Set<string>();
  const trainIds: string[] = [];
  for (const it of bank.dataset.items) {
    if (isTest.has(bank.sourceOf.get(it.id)!)) test.add(it.id);
    else trainIds.push(it.id);
  }
  trainIds.sort(bySeededHash(opts.seed));
  const train = new Set(opts.trainReferences ? trainIds.slice(0, opts.trainReferences) : trainIds);
  return { kind: 'source', description: `test packages ${testSources.sort().join(', ')} (${test.size} references); ${train.size} training references from the others`, train, test };
}

/**
 * Adds `copies` augmented copies (training/augment.ts) to the features of the given references
 * and of their imitations, on both sides: only what training reads, so test sounds cost nothing.
 */
export async function augmentBank(model: EmbeddingModel, bank: QualityBank, references: ReadonlySet<string>, copies: number, opts: BankOptions = {}): Promise<void> {
  const dataset = { ...bank.dataset, items: bank.dataset.items.filter((it) => references.has(it.id)), queries: bank.dataset.queries.filter((q) => references.has(q.itemId)) };
  const pairs = await datasetPairs(model, QUALITY_RECIPE, dataset, { ...opts, augmentedCopies: copies });
  dataset.queries.forEach((q, i) => {
    bank.query.set(q.id, pairs[i].imitation);
    bank.itemClip.set(q.itemId, pairs[i].referenceCopies);
  });
}
