import { applyHeadBatch, searchDimension, type ModelVersion } from '../model-version/heads.ts';
import { matmulABt } from '../model-version/matrix.ts';
import type { PairFeatures } from './trainer.ts';

/**
 * Quick held-out retrieval measures over cached features, for validation curves and the
 * before/after table. Rank rule: 1 + the number of items scoring strictly higher (the
 * optimistic bound of evaluation/metrics.ts); the official report uses that module.
 */
export interface RetrievalSet {
  dimension: number;
  /** One feature row per query, [queries x D]. */
  queries: Float32Array;
  /** The item index each query imitates. */
  answers: Int32Array;
  /** One feature row per item window, [windows x D]. */
  items: Float32Array;
  /** The item each window belongs to (items are scored by their best window, as search does). */
  windowItem: Int32Array;
  itemCount: number;
}

export function similarity(version: ModelVersion, set: RetrievalSet): Float32Array {
  const nq = set.answers.length;
  const nw = set.windowItem.length;
  const q = applyHeadBatch(version, 'imitation', set.queries, nq);
  const w = applyHeadBatch(version, 'reference', set.items, nw);
  const windowScores = new Float32Array(nq * nw);
  matmulABt(q, w, windowScores, nq, nw, searchDimension(version));
  const scores = new Float32Array(nq * set.itemCount).fill(-Infinity);
  for (let i = 0; i < nq; i++) {
    for (let k = 0; k < nw; k++) {
      const at = i * set.itemCount + set.windowItem[k];
      const s = windowScores[i * nw + k];
      if (s > scores[at]) scores[at] = s;
    }
  }
  return scores;
}

export function ranksOf(scores: Float32Array, answers: Int32Array, itemCount: number): Int32Array {
  const ranks = new Int32Array(answers.length);
  for (let i = 0; i < answers.length; i++) {
    const own = scores[i * itemCount + answers[i]];
    let higher = 0;
    for (let j = 0; j < itemCount; j++) if (scores[i * itemCount + j] > own) higher++;
    ranks[i] = higher + 1;
  }
  return ranks;
}

export function meanReciprocalRank(version: ModelVersion, set: RetrievalSet): number {
  if (set.answers.length === 0) return NaN;
  const ranks = ranksOf(similarity(version, set), set.answers, set.itemCount);
  let sum = 0;
  for (const r of ranks) sum += 1 / r;
  return sum / ranks.length;
}

/** The held-out measure: the chosen pairs' imitations ranked against every reference in the data (plus distractors). */
export function heldOutSet(pairs: readonly PairFeatures[], heldOut: (p: PairFeatures) => boolean, distractors: readonly Float32Array[] = []): RetrievalSet {
  const dimension = pairs[0].imitation[0].length;
  const itemIndex = new Map<string, number>();
  const itemRows: Float32Array[] = [];
  for (const p of pairs) {
    if (!itemIndex.has(p.reference)) {
      itemIndex.set(p.reference, itemRows.length);
      itemRows.push(p.referenceCopies[0]);
    }
  }
  for (const d of distractors) itemRows.push(d);
  const queries = pairs.filter(heldOut);
  const q = new Float32Array(queries.length * dimension);
  queries.forEach((p, i) => q.set(p.imitation[0], i * dimension));
  const items = new Float32Array(itemRows.length * dimension);
  itemRows.forEach((r, i) => items.set(r, i * dimension));
  return {
    dimension,
    queries: q,
    answers: Int32Array.from(queries, (p) => itemIndex.get(p.reference)!),
    items,
    windowItem: Int32Array.from(itemRows, (_, i) => i),
    itemCount: itemRows.length,
  };
}
