import { EngineError } from '../errors.ts';
import { reweightFeatures, type FeatureRecipe } from '../model-version/features.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { mulberry32, randomInt } from '../random.ts';
import { similarity, type RetrievalSet } from '../training/retrieval.ts';
import type { PairFeatures } from '../training/trainer.ts';
import type { Dataset } from '../evaluation/dataset-types.ts';
import { evaluate, type SimilarityMatrix } from '../evaluation/metrics.ts';
import { similarityShape } from '../evaluation/systems.ts';
import type { QualityBank, ReferenceSplit } from './bank.ts';

/**
 * The leave-one-family-out matrix: for each imitator family F, a candidate may learn from the
 * other families' imitations of the training references only, and is scored on F's imitations
 * of held-out references (never trained on, by any family). Scores are the official metrics of
 * metrics.ts; each cell carries a 95% interval from resampling the held-out references.
 */

/** One cell's problem: what a candidate may learn from, and what it is scored on. */
export interface QualityFold {
  split: ReferenceSplit;
  /** The family scored; null when there is only one family (then training sees it too). */
  family: string;
  /** The other families' imitations of the training references (the bank's features). */
  train: PairFeatures[];
  /** The family of each training pair, in the same order. */
  trainFamilies: string[];
  /** The family's imitations of the held-out references, all held-out references as items. */
  test: { dataset: Dataset; set: RetrievalSet };
  /** True when no family was left out (the benchmark has one): the cell is in-family. */
  inFamily: boolean;
}

/** A system the matrix scores: fixed (a baseline) or trained afresh on every fold. */
export interface QualityCandidate {
  id: string;
  label: string;
  score(fold: QualityFold, bank: QualityBank): Promise<{ matrix: SimilarityMatrix; note?: string }>;
  /** For candidates that are a model version: the version this fold gives (what score() scores). */
  fit?(fold: QualityFold, bank: QualityBank): Promise<{ version: ModelVersion; note?: string }>;
}

export interface QualityCell {
  family: string;
  queries: number;
  items: number;
  mrr: number;
  /** 95% bootstrap interval over held-out references. */
  interval: [number, number];
  inFamily: boolean;
  note?: string;
  /** Per class of the queries: [class, reciprocal-rank sum, queries], to pool across cells. */
  classes: Array<[string, number, number]>;
}

export interface QualityRow {
  id: string;
  label: string;
  cells: QualityCell[];
  /** Mean over the cells (each family counts once). */
  mean: number;
}

export interface QualityTable {
  split: ReferenceSplit;
  rows: QualityRow[];
}

/** A retrieval set over some queries and items, from the bank's features (items by their windows). */
export function bankSet(bank: QualityBank, queryIds: readonly string[], itemIds: readonly string[]): RetrievalSet {
  const d = bank.query.get(queryIds[0] ?? '')?.[0].length ?? bank.itemWindows.get(itemIds[0])![0].length;
  const index = new Map(itemIds.map((id, i) => [id, i]));
  const byId = new Map(bank.dataset.queries.map((q) => [q.id, q]));
  const windows: Float32Array[] = [];
  const windowItem: number[] = [];
  itemIds.forEach((id, i) => {
    for (const w of bank.itemWindows.get(id)!) {
      windows.push(w);
      windowItem.push(i);
    }
  });
  const queries = new Float32Array(queryIds.length * d);
  queryIds.forEach((id, i) => queries.set(bank.query.get(id)![0], i * d));
  const items = new Float32Array(windows.length * d);
  windows.forEach((w, i) => items.set(w, i * d));
  const answers = Int32Array.from(queryIds, (id) => {
    const at = index.get(byId.get(id)!.itemId);
    if (at === undefined) throw new EngineError('internal', `query ${id} imitates a reference outside the set`);
    return at;
  });
  return { dimension: d, queries, answers, items, windowItem: Int32Array.from(windowItem), itemCount: itemIds.length };
}

/** The folds of one split: one per family (the others' imitations train, its own test). */
export function qualityFolds(bank: QualityBank, split: ReferenceSplit): QualityFold[] {
  const items = bank.dataset.items.filter((it) => split.test.has(it.id));
  const itemIds = items.map((it) => it.id);
  const oneFamily = bank.families.length === 1;
  return bank.families.map((family) => {
    const testQueries = bank.dataset.queries.filter((q) => split.test.has(q.itemId) && bank.familyOf.get(q.id) === family);
    const trainQueries = bank.dataset.queries.filter((q) => split.train.has(q.itemId) && (oneFamily || bank.familyOf.get(q.id) !== family));
    return {
      split,
      family,
      inFamily: oneFamily,
      train: trainQueries.map((q) => ({ reference: q.itemId, imitation: bank.query.get(q.id)!, referenceCopies: bank.itemClip.get(q.itemId)! })),
      trainFamilies: trainQueries.map((q) => bank.familyOf.get(q.id)!),
      test: { dataset: { ...bank.dataset, items, queries: testQueries }, set: bankSet(bank, testQueries.map((q) => q.id), itemIds) },
    };
  });
}

/** A set's features as a recipe over the same parts would have them. */
export function reweightSet(set: RetrievalSet, from: FeatureRecipe, to: FeatureRecipe): RetrievalSet {
  const queries = reweightFeatures(set.queries, from, to);
  return { ...set, dimension: queries.length / Math.max(1, set.answers.length), queries, items: reweightFeatures(set.items, from, to) };
}

/** Training pairs read through another recipe over the same parts. */
export function reweightPairs(pairs: readonly PairFeatures[], from: FeatureRecipe, to: FeatureRecipe): PairFeatures[] {
  const memo = new Map<Float32Array, Float32Array>();
  const one = (x: Float32Array): Float32Array => {
    let y = memo.get(x);
    if (!y) memo.set(x, (y = reweightFeatures(x, from, to)));
    return y;
  };
  return pairs.map((p) => ({ reference: p.reference, imitation: p.imitation.map(one), referenceCopies: p.referenceCopies.map(one) }));
}

/** A model version's scores on a fold's test, exactly as search scores (best window per item). */
export function versionScores(version: ModelVersion, fold: QualityFold, bank: QualityBank): SimilarityMatrix {
  const set = reweightSet(fold.test.set, bank.recipe, version.features);
  return { ...similarityShape(fold.test.dataset), data: similarity(version, set) };
}

/** 95% interval of the MRR when the held-out references are drawn again with replacement. */
export function referenceBootstrap(ranks: Int32Array, references: readonly string[], opts: { draws?: number; seed?: number } = {}): [number, number] {
  const groups = new Map<string, number[]>();
  references.forEach((r, i) => groups.set(r, [...(groups.get(r) ?? []), 1 / ranks[i]]));
  const sums = [...groups.values()].map((g) => [g.reduce((a, b) => a + b, 0), g.length]);
  const random = mulberry32(opts.seed ?? 1);
  const draws = opts.draws ?? 1000;
  const means = new Float64Array(draws);
  for (let b = 0; b < draws; b++) {
    let rr = 0;
    let n = 0;
    for (let k = 0; k < sums.length; k++) {
      const [s, c] = sums[randomInt(random, sums.length)];
      rr += s;
      n += c;
    }
    means[b] = rr / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * draws)], means[Math.min(draws - 1, Math.ceil(0.975 * draws) - 1)]];
}

/** Scores every candidate on every fold of a split. */
export async function qualityTable(
  bank: QualityBank,
  split: ReferenceSplit,
  candidates: readonly QualityCandidate[],
  opts: { signal?: AbortSignal; onCell?: (candidate: string, family: string) => void } = {},
): Promise<QualityTable> {
  const folds = qualityFolds(bank, split).filter((f) => f.test.dataset.queries.length > 0);
  const rows: QualityRow[] = [];
  for (const c of candidates) {
    const cells: QualityCell[] = [];
    for (const fold of folds) {
      if (opts.signal?.aborted) throw new EngineError('cancelled', 'the quality matrix was cancelled');
      const { matrix, note } = await c.score(fold, bank);
      const m = evaluate(matrix);
      const classes = new Map<string, [number, number]>();
      fold.test.dataset.queries.forEach((q, i) => {
        const acc = classes.get(q.class) ?? [0, 0];
        acc[0] += 1 / m.ranks[i];
        acc[1]++;
        classes.set(q.class, acc);
      });
      cells.push({
        family: fold.family,
        queries: m.queries,
        items: m.items,
        mrr: m.mrr,
        interval: referenceBootstrap(m.ranks, fold.test.dataset.queries.map((q) => q.itemId)),
        inFamily: fold.inFamily,
        note,
        classes: [...classes].map(([k, [s, n]]) => [k, s, n]),
      });
      opts.onCell?.(c.id, fold.family);
    }
    rows.push({ id: c.id, label: c.label, cells, mean: cells.reduce((s, x) => s + x.mrr, 0) / Math.max(1, cells.length) });
  }
  return { split, rows };
}

/**
 * The ship rule of issue 10: beat 2DFT and the untrained fused features on every left-out
 * family, and reach 1.25x the untrained features' mean.
 */
export function shipRule(table: QualityTable, id: string, refs: { twoDft: string; untrained: string }): { passes: boolean; why: string } {
  const row = table.rows.find((r) => r.id === id);
  const twoDft = table.rows.find((r) => r.id === refs.twoDft);
  const untrained = table.rows.find((r) => r.id === refs.untrained);
  if (!row || !twoDft || !untrained) return { passes: false, why: 'not measured against both references' };
  const lost = row.cells.filter((c, i) => !(c.mrr > twoDft.cells[i].mrr && c.mrr > untrained.cells[i].mrr)).map((c) => c.family);
  const ratio = row.mean / untrained.mean;
  const passes = lost.length === 0 && ratio >= 1.25;
  const why = [lost.length ? `does not beat both on ${lost.join(', ')}` : 'beats both on every family', `mean ${ratio.toFixed(2)}x untrained`].join('; ');
  return { passes, why };
}

const f3 = (x: number): string => x.toFixed(3);

/** The table as Markdown: one column per left-out family, the mean, and the ratio to the untrained features. */
export function formatQualityTable(table: QualityTable, opts: { untrained?: string; twoDft?: string; classes?: boolean } = {}): string {
  const families = table.rows[0]?.cells.map((c) => c.family) ?? [];
  const untrained = table.rows.find((r) => r.id === opts.untrained);
  const inFamily = table.rows[0]?.cells.some((c) => c.inFamily);
  const lines = [
    `${table.split.kind === 'family' ? 'Leave one family out' : 'Leave packages out (and the family)'}: ${table.split.description}${inFamily ? '; ONE family only, so training saw the tested family (in-family, not a left-out number)' : ''}`,
    '',
    `| system | ${families.map((f) => `${f} MRR [95%]`).join(' | ')} | mean | x untrained | ship rule |`,
    `|---|${families.map(() => '---|').join('')}---|---|---|`,
  ];
  for (const r of table.rows) {
    const rule = opts.untrained && opts.twoDft && r.id !== opts.untrained && r.id !== opts.twoDft ? shipRule(table, r.id, { twoDft: opts.twoDft, untrained: opts.untrained }) : undefined;
    lines.push(`| ${r.label} | ${r.cells.map((c) => `${f3(c.mrr)} [${f3(c.interval[0])}, ${f3(c.interval[1])}]`).join(' | ')} | ${f3(r.mean)} | ${untrained ? (r.mean / untrained.mean).toFixed(2) : ''} | ${rule ? (rule.passes ? 'passes' : 'fails') : ''} |`);
  }
  const cell = table.rows[0]?.cells[0];
  if (cell) lines.push('', `Each cell: ${cell.items} held-out references as items; queries per family: ${table.rows[0].cells.map((c) => `${c.family} ${c.queries}`).join(', ')}.`);
  const notes = table.rows.flatMap((r) => r.cells.filter((c) => c.note).map((c) => `${r.id} / ${c.family}: ${c.note}`));
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  if (opts.classes) lines.push('', formatClassTable(table));
  return lines.join('\n');
}

/** MRR per class, pooled over every left-out family's queries. */
export function formatClassTable(table: QualityTable): string {
  const classes = [...new Set(table.rows.flatMap((r) => r.cells.flatMap((c) => c.classes.map(([k]) => k))))].sort();
  const lines = [`| system (per class, all left-out families pooled) | ${classes.join(' | ')} |`, `|---|${classes.map(() => '---|').join('')}`];
  for (const r of table.rows) {
    const pooled = classes.map((k) => {
      let s = 0;
      let n = 0;
      for (const c of r.cells) {
        for (const [kk, ss, nn] of c.classes) {
          if (kk !== k) continue;
          s += ss;
          n += nn;
        }
      }
      return n ? f3(s / n) : '';
    });
    lines.push(`| ${r.label} | ${pooled.join(' | ')} |`);
  }
  return lines.join('\n');
}
