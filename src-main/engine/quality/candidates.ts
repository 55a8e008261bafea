import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { EngineError } from '../errors.ts';
import { DEFAULT_FEATURES } from '../training/default-recipe.ts';
import { BACKBONE_ONLY, reweightFeatures, type FeaturePartName, type FeatureRecipe } from '../model-version/features.ts';
import { baseModelVersion, type ModelVersion } from '../model-version/heads.ts';
import { matmulABt } from '../model-version/matrix.ts';
import { hashString } from '../random.ts';
import { DEFAULT_TRAIN_CONFIG, trainHeads, type PairFeatures, type TrainConfig } from '../training/trainer.ts';
import { contourDistance, rerankRow, type Contours } from '../search/contour-rerank.ts';
import { randomSystem, similarityShape, twoDftSystem, type EmbeddingCache, type RetrievalSystem } from '../evaluation/systems.ts';
import type { QualityBank } from './bank.ts';
import { reweightPairs, versionScores, type QualityCandidate, type QualityFold } from './matrix.ts';

/**
 * The systems the quality matrix compares. Baselines are scored as `onomato eval` scores them;
 * every trained candidate is trained afresh on each fold's training side only (other families,
 * training references), and whatever it chooses (part weights) it chooses there too, never on
 * the family or references it is scored on.
 */

/**
 * A file-based system (random, 2DFT) scored as `onomato eval` scores it, over all held-out
 * references. Each query's row of scores is cached under the item set and the query file, so a
 * new family (or a rerun) scores only the queries not seen before.
 */
export function systemCandidate(system: RetrievalSystem, opts: { label?: string; cache?: EmbeddingCache } = {}): QualityCandidate {
  const fileKey = async (path: string): Promise<string> => {
    const s = await stat(path);
    return `${path}\n${s.size}\n${s.mtimeMs}`;
  };
  return {
    id: system.id,
    label: opts.label ?? system.label,
    async score(fold, bank) {
      const { items, queries } = fold.test.dataset;
      const itemHash = createHash('sha256').update(system.id);
      for (const it of items) itemHash.update(`\n${it.id}\n${await fileKey(it.path)}`);
      const itemsKey = itemHash.digest('hex');
      const n = items.length;
      const data = new Float64Array(queries.length * n);
      const missing: number[] = [];
      const keys: string[] = [];
      for (const [i, q] of queries.entries()) {
        keys.push(`quality row\n${itemsKey}\n${q.itemId}\n${await fileKey(q.path)}`);
        const hit = await opts.cache?.get(keys[i]);
        if (hit?.length === n) data.set(hit, i * n);
        else missing.push(i);
      }
      if (missing.length) {
        // Every family's unscored imitations of these references at once: the items' features are made once.
        const ids = new Set(items.map((it) => it.id));
        const all = [];
        for (const q of bank.dataset.queries.filter((x) => ids.has(x.itemId))) {
          const key = `quality row\n${itemsKey}\n${q.itemId}\n${await fileKey(q.path)}`;
          if ((await opts.cache?.get(key))?.length === n) continue;
          all.push({ q, key });
        }
        const m = await system.similarity({ ...fold.test.dataset, queries: all.map((x) => x.q) });
        const at = new Map(all.map((x, k) => [x.q.id, k]));
        for (const [k, { key }] of all.entries()) await opts.cache?.set(key, Float32Array.from(m.data.subarray(k * n, (k + 1) * n)));
        for (const i of missing) data.set(m.data.subarray(at.get(queries[i].id)! * n, (at.get(queries[i].id)! + 1) * n), i * n);
      }
      return { matrix: { ...similarityShape(fold.test.dataset), data } };
    },
  };
}

export function randomCandidate(): QualityCandidate {
  return systemCandidate(randomSystem(1));
}

export function twoDftCandidate(cache?: EmbeddingCache): QualityCandidate {
  return systemCandidate(twoDftSystem(), { label: '2DFT', cache });
}

/** A fixed model version (no training per fold): the zero-shot backbone, the untrained fusion, a shipped file. */
export function versionCandidate(id: string, label: string, version: ModelVersion): QualityCandidate {
  return fittedCandidate(id, label, async () => ({ version }));
}

/** A candidate that is a model version made for each fold (trained or chosen on its training side). */
function fittedCandidate(id: string, label: string, make: NonNullable<QualityCandidate['fit']>): QualityCandidate {
  // One version per fold, however often it is asked for (scoring, then fine-tuning from it).
  const made = new Map<string, ReturnType<typeof make>>();
  const fit: typeof make = (fold, bank) => {
    const key = `${fold.split.kind}\n${fold.split.description}\n${fold.family}`;
    if (!made.has(key)) made.set(key, make(fold, bank));
    return made.get(key)!;
  };
  return {
    id,
    label,
    fit,
    async score(fold, bank) {
      const { version, note } = await fit(fold, bank);
      return { matrix: versionScores(version, fold, bank), note };
    },
  };
}

export const zeroShotCandidate = (): QualityCandidate =>
  versionCandidate('zero-shot', 'zero-shot mn04_as (pooled embedding, identity heads)', baseModelVersion(BACKBONE_ONLY));

export const UNTRAINED_ID = 'untrained';
export const untrainedCandidate = (): QualityCandidate =>
  versionCandidate(UNTRAINED_ID, 'untrained fused features (712, identity heads)', baseModelVersion(DEFAULT_FEATURES));

const PARTS: FeaturePartName[] = ['backbone', 'modulation', 'envelope', 'brightness'];
const WEIGHT_STEPS = [0, 0.1, 0.25, 0.5, 1];

/** A recipe from part weights (parts at 0 are left out; weights summing to 1). */
export function weightedRecipe(weights: Partial<Record<FeaturePartName, number>>): FeatureRecipe {
  const total = PARTS.reduce((s, p) => s + (weights[p] ?? 0), 0);
  if (!(total > 0)) throw new EngineError('invalid-argument', 'at least one part needs a positive weight');
  return { backbone: 'mn04_as', parts: PARTS.filter((p) => (weights[p] ?? 0) > 0).map((name) => ({ name, weight: +((weights[name] ?? 0) / total).toFixed(4) })) };
}

export const describeRecipe = (r: FeatureRecipe): string => r.parts.map((p) => `${p.name} ${p.weight}`).join(', ');

/** The training side of a fold as per-part cosine matrices: up to `references` training references ranked among themselves. */
export interface TrainingSide {
  picked: Array<{ p: PairFeatures; family: string }>;
  refs: string[];
  cos: Float32Array[];
  nq: number;
  ni: number;
  answer: Int32Array;
  familyIndex: Int32Array;
  families: string[];
}

export function trainingSide(fold: QualityFold, bank: QualityBank, opts: { references?: number; seed?: number } = {}): TrainingSide {
  const refs = [...new Set(fold.train.map((p) => p.reference))].sort((a, b) => hashString(`${opts.seed ?? 1}:${a}`) - hashString(`${opts.seed ?? 1}:${b}`)).slice(0, opts.references ?? 200);
  const index = new Map(refs.map((r, i) => [r, i]));
  const picked = fold.train.map((p, i) => ({ p, family: fold.trainFamilies[i] })).filter((x) => index.has(x.p.reference));
  const families = [...new Set(picked.map((x) => x.family))];
  const nq = picked.length;
  const ni = refs.length;
  const clipOf = new Map(fold.train.map((p) => [p.reference, p.referenceCopies[0]]));
  const cos = PARTS.map((name) => {
    const one: FeatureRecipe = { backbone: bank.recipe.backbone, parts: [{ name, weight: 1 }] };
    const d = reweightFeatures(picked[0].p.imitation[0], bank.recipe, one).length;
    const q = new Float32Array(nq * d);
    picked.forEach((x, i) => q.set(reweightFeatures(x.p.imitation[0], bank.recipe, one), i * d));
    const items = new Float32Array(ni * d);
    refs.forEach((r, i) => items.set(reweightFeatures(clipOf.get(r)!, bank.recipe, one), i * d));
    const out = new Float32Array(nq * ni);
    matmulABt(q, items, out, nq, ni, d);
    return out;
  });
  return {
    picked, refs, cos, nq, ni, families,
    answer: Int32Array.from(picked, (x) => index.get(x.p.reference)!),
    familyIndex: Int32Array.from(picked, (x) => families.indexOf(x.family)),
  };
}

/** How a choice made on the training side weighs its families: their mean MRR, or the worst one's. */
export type SideObjective = 'mean' | 'worst';

/** Mean (or worst) over families (each once) of the MRR of `score(i, j)` (optimistic ties). */
export function sideMrr(side: TrainingSide, score: (i: number, out: Float32Array) => void, objective: SideObjective = 'mean'): number {
  const row = new Float32Array(side.ni);
  const rr = new Float64Array(side.families.length);
  const count = new Float64Array(side.families.length);
  for (let i = 0; i < side.nq; i++) {
    score(i, row);
    const own = row[side.answer[i]];
    let higher = 0;
    for (let j = 0; j < side.ni; j++) if (row[j] > own) higher++;
    rr[side.familyIndex[i]] += 1 / (higher + 1);
    count[side.familyIndex[i]]++;
  }
  const perFamily = Array.from(rr, (x, f) => x / count[f]);
  return objective === 'worst' ? Math.min(...perFamily) : perFamily.reduce((a, b) => a + b, 0) / perFamily.length;
}

/**
 * Part weights chosen on a fold's training side: the identity heads' MRR, averaged over the
 * training families (each once), on up to `references` training references ranked among
 * themselves. The score of a weighting is the weighted sum of the parts' cosines, so every
 * weighting on the grid is scored from four cosine matrices.
 */
export function selectPartWeights(fold: QualityFold, bank: QualityBank, opts: { references?: number; seed?: number; objective?: SideObjective } = {}): FeatureRecipe {
  const side = trainingSide(fold, bank, opts);
  const { cos, ni } = side;
  let best = { value: -1, weights: {} as Partial<Record<FeaturePartName, number>> };
  const seen = new Set<string>();
  const grid = (k: number, w: number[]): void => {
    if (k < PARTS.length) {
      for (const s of WEIGHT_STEPS) grid(k + 1, [...w, s]);
      return;
    }
    const total = w.reduce((a, b) => a + b, 0);
    if (total === 0) return;
    const key = w.map((x) => (x / total).toFixed(4)).join(',');
    if (seen.has(key)) return;
    seen.add(key);
    const mean = sideMrr(side, (i, row) => {
      row.fill(0);
      for (let p = 0; p < PARTS.length; p++) {
        if (w[p] === 0) continue;
        const c = cos[p];
        for (let j = 0; j < ni; j++) row[j] += w[p] * c[i * ni + j];
      }
    }, opts.objective);
    if (mean > best.value) best = { value: mean, weights: Object.fromEntries(PARTS.map((name, p) => [name, w[p]])) };
  };
  grid(0, []);
  return weightedRecipe(best.weights);
}

/** Identity heads over part weights chosen on each fold's training side. */
export function selectedWeightsCandidate(objective: SideObjective = 'mean'): QualityCandidate {
  const id = objective === 'mean' ? 'weights' : `weights:${objective}`;
  const label = `identity heads, part weights chosen on the training families (${objective === 'mean' ? 'their mean' : 'the worst of them'})`;
  return fittedCandidate(id, label, async (fold, bank) => {
    const recipe = selectPartWeights(fold, bank, { objective });
    return { version: baseModelVersion(recipe), note: `weights ${describeRecipe(recipe)}` };
  });
}

export interface HeadsSpec {
  /** 'default' (the shipped recipe), 'selected' (chosen per fold as above), or fixed weights. */
  weights: 'default' | 'selected' | Partial<Record<FeaturePartName, number>>;
  config: Partial<TrainConfig>;
}

/** Reads `heads:rank=8,reg=1,epochs=10,shared,adaptation=gradient|personal-map,weights=selected|default|b0.2m0.5e0.1r0.2` (every key optional). */
export function parseHeadsSpec(text: string): HeadsSpec {
  const [kind, rest = ''] = text.split(':');
  if (kind !== 'heads') throw new EngineError('invalid-argument', `"${text}" is not a heads candidate (heads:rank=R,reg=L,epochs=E,shared,weights=...)`);
  const spec: HeadsSpec = { weights: 'default', config: {} };
  for (const part of rest.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split('=');
    const num = (): number => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new EngineError('invalid-argument', `${k} needs a number, not "${v}" (in "${text}")`);
      return n;
    };
    if (k === 'rank') spec.config.rank = num();
    else if (k === 'reg') spec.config.regularisation = num();
    else if (k === 'epochs') spec.config.epochs = num();
    else if (k === 'temperature') spec.config.temperature = num();
    else if (k === 'lr') spec.config.learningRate = num();
    else if (k === 'augmented') spec.config.augmentedShare = num();
    else if (k === 'shared') spec.config.sharedHead = true;
    else if (k === 'adaptation' && (v === 'gradient' || v === 'personal-map')) spec.config.adaptation = v;
    else if (k === 'weights' && (v === 'default' || v === 'selected')) spec.weights = v;
    else if (k === 'weights') {
      const m = /^b([\d.]+)m([\d.]+)e([\d.]+)r([\d.]+)$/.exec(v ?? '');
      if (!m) throw new EngineError('invalid-argument', `weights=${v} is not default, selected or b<w>m<w>e<w>r<w> (in "${text}")`);
      spec.weights = { backbone: +m[1], modulation: +m[2], envelope: +m[3], brightness: +m[4] };
    } else throw new EngineError('invalid-argument', `unknown heads option "${k}" (in "${text}")`);
  }
  return spec;
}

/** Heads trained with InfoNCE (training/trainer.ts) on each fold's training pairs. */
export function headsCandidate(text: string): QualityCandidate {
  const spec = parseHeadsSpec(text);
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 10, ...spec.config };
  return fittedCandidate(text, `trained heads (${text.slice('heads:'.length) || 'defaults'})`, async (fold, bank) => {
    const recipe = spec.weights === 'default' ? DEFAULT_FEATURES : spec.weights === 'selected' ? selectPartWeights(fold, bank) : weightedRecipe(spec.weights);
    const start = baseModelVersion(recipe);
    const heads = await trainHeads(start, reweightPairs(fold.train, bank.recipe, recipe), config);
    return { version: { ...start, imitation: heads.imitation, reference: heads.reference }, note: spec.weights === 'selected' ? `weights ${describeRecipe(recipe)}` : undefined };
  });
}

/** The trained version a model file holds, scored as it is (its training data may overlap the test). */
export function shippedCandidate(version: ModelVersion): QualityCandidate {
  return versionCandidate(version.id, `${version.id} (fixed file; not retrained per fold)`, version);
}

const contoursOf = (bank: QualityBank) => {
  const part = (name: FeaturePartName): FeatureRecipe => ({ backbone: bank.recipe.backbone, parts: [{ name, weight: 1 }] });
  return (x: Float32Array): Contours => ({ envelope: reweightFeatures(x, bank.recipe, part('envelope')), brightness: reweightFeatures(x, bank.recipe, part('brightness')) });
};

const RERANK_ALPHAS = [0, 0.05, 0.1, 0.2, 0.4, 0.8];

/** The re-ranking strength chosen on a fold's training side, over the untrained fusion's ranking. */
export function selectRerankAlpha(fold: QualityFold, bank: QualityBank, k: number): number {
  const side = trainingSide(fold, bank);
  const contours = contoursOf(bank);
  const clipOf = new Map(fold.train.map((p) => [p.reference, p.referenceCopies[0]]));
  const items = side.refs.map((r) => [contours(clipOf.get(r)!)]);
  const queries = side.picked.map((x) => contours(x.p.imitation[0]));
  const weights = PARTS.map((name) => DEFAULT_FEATURES.parts.find((p) => p.name === name)?.weight ?? 0);
  const memo = new Map<number, number>();
  const distance = (i: number, j: number): number => {
    const key = i * side.ni + j;
    let d = memo.get(key);
    if (d === undefined) memo.set(key, (d = contourDistance(queries[i], items[j])));
    return d;
  };
  let best = { alpha: 0, value: -1 };
  for (const alpha of RERANK_ALPHAS) {
    const value = sideMrr(side, (i, row) => {
      row.fill(0);
      for (let p = 0; p < PARTS.length; p++) for (let j = 0; j < side.ni; j++) row[j] += weights[p] * side.cos[p][i * side.ni + j];
      rerankRow(row, k, alpha, (j) => distance(i, j));
    });
    if (value > best.value) best = { alpha, value };
  }
  return best.alpha;
}

/** A candidate's ranking with its top K re-scored by DTW-aligned loudness and brightness contours. */
export function rerankCandidate(base: QualityCandidate, k = 20): QualityCandidate {
  return {
    id: `rerank:${base.id}`,
    label: `${base.label} + DTW contour re-rank of the top ${k}`,
    async score(fold, bank) {
      const alpha = selectRerankAlpha(fold, bank, k);
      const { matrix, note } = await base.score(fold, bank);
      const contours = contoursOf(bank);
      const n = matrix.items.length;
      const items = matrix.items.map((it) => bank.itemWindows.get(it.id)!.map(contours));
      const data = Float64Array.from(matrix.data);
      matrix.queries.forEach((q, i) => {
        const query = contours(bank.query.get(q.id)![0]);
        rerankRow(data.subarray(i * n, (i + 1) * n), k, alpha, (j) => contourDistance(query, items[j]));
      });
      return { matrix: { ...matrix, data }, note: [note, `alpha ${alpha}`].filter(Boolean).join('; ') };
    },
  };
}
