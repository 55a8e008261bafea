import { EngineError } from '../errors.ts';

/**
 * The QVIM challenge's retrieval metrics, computed the way the official baseline code
 * (qvim_mn_baseline/metrics.py: compute_mrr, compute_ndcg) computes them:
 *
 * - MRR (exact match): every query ranks all N items by score, descending; rank is the
 *   1-based position of the query's own reference; RR = 1/rank; MRR = mean RR. No cutoff.
 * - NDCG (category match): relevance 1 for each unique item of the query's class (its own
 *   reference included), 0 otherwise; DCG = sum over all N positions of rel_i / log2(i + 1);
 *   IDCG puts all R relevant items first; NDCG = DCG / IDCG, averaged over queries.
 *
 * Ties. The official code orders items with pandas `sort_values(ascending=False)`, which
 * leaves equal scores in the order the items are listed (the similarity table's columns)
 * whenever its sort is stable; the baseline lists items by file name (np.unique). So the
 * default rule, `listed`, breaks ties by item order, and the loaders list items by file name.
 * Two bounds are also exposed:
 * - `optimistic`: the reference (and, for NDCG, every relevant item) comes first among
 *   equals, i.e. rank = 1 + #items scoring strictly higher;
 * - `pessimistic`: it comes last, i.e. rank = #items scoring >= (its own score included).
 * NaN scores rank below every number. A report always carries both bounds, so a system that
 * wins only by ties (a constant scorer) shows as such.
 */
export type TieRule = 'listed' | 'optimistic' | 'pessimistic';

/** An item (a reference sound) as the metrics see it. */
export interface ItemRef {
  id: string;
  class: string;
}

/** A query (an imitation): its own reference item and its class. */
export interface QueryRef {
  id: string;
  class: string;
  itemId: string;
}

/** Scores of every query against every item, row-major [queries x items]; higher = more similar. */
export interface SimilarityMatrix {
  queries: QueryRef[];
  items: ItemRef[];
  data: Float32Array | Float64Array;
}

export interface ClassMetrics {
  class: string;
  queries: number;
  /** Unique items of this class (R, the number of relevant items for NDCG). */
  items: number;
  mrr: number;
  ndcg: number;
  recallAt1: number;
}

export interface EvalMetrics {
  ties: TieRule;
  queries: number;
  items: number;
  mrr: number;
  ndcg: number;
  /** Share of queries whose reference is within the first k results. */
  recallAt: { 1: number; 5: number; 10: number };
  /** MRR and NDCG under the two tie bounds; equal to `mrr`/`ndcg` when no score ties matter. */
  bounds: { mrr: [optimistic: number, pessimistic: number]; ndcg: [optimistic: number, pessimistic: number] };
  /** Queries whose reference shares its score with at least one other item. */
  tiedQueries: number;
  perClass: ClassMetrics[];
  /** Per query, in input order: rank of its reference under `ties`. */
  ranks: Int32Array;
}

interface QueryScore {
  rank: number;
  ndcg: number;
}

/** Checks the matrix's shape and references, so a malformed input fails with a sentence, not NaN. */
function validate(sim: SimilarityMatrix): { refIndex: Int32Array; itemClass: string[] } {
  const nQ = sim.queries.length;
  const nI = sim.items.length;
  if (nI === 0) throw new EngineError('invalid-argument', 'the similarity matrix has no items');
  if (sim.data.length !== nQ * nI) {
    throw new EngineError('invalid-argument', `the similarity matrix holds ${sim.data.length} scores, expected ${nQ} queries x ${nI} items`);
  }
  const byId = new Map<string, number>();
  sim.items.forEach((it, i) => {
    if (byId.has(it.id)) throw new EngineError('invalid-argument', `item "${it.id}" is listed twice`);
    byId.set(it.id, i);
  });
  const seen = new Set<string>();
  const refIndex = new Int32Array(nQ);
  sim.queries.forEach((q, i) => {
    if (seen.has(q.id)) throw new EngineError('invalid-argument', `query "${q.id}" is listed twice`);
    seen.add(q.id);
    const r = byId.get(q.itemId);
    if (r === undefined) throw new EngineError('invalid-argument', `query "${q.id}" refers to item "${q.itemId}", which is not among the items`);
    refIndex[i] = r;
  });
  return { refIndex, itemClass: sim.items.map((it) => it.class) };
}

/** Descending score, NaN last, then listed order: the official code's order when its sort is stable. */
function listedOrder(row: ArrayLike<number>, order: Int32Array): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => {
    const sa = row[a];
    const sb = row[b];
    const na = Number.isNaN(sa);
    const nb = Number.isNaN(sb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return sb - sa || a - b;
  });
}

function sameScore(a: number, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/**
 * Reorders each run of equal scores in a listed order by tie rule: the reference first, then
 * other relevant items (optimistic) or the reverse (pessimistic); listed order within a group.
 */
function applyTieRule(row: ArrayLike<number>, order: Int32Array, rule: TieRule, ref: number, relevant: (i: number) => boolean): void {
  if (rule === 'listed') return;
  const key = (i: number): number => {
    const k = i === ref ? 0 : relevant(i) ? 1 : 2;
    return rule === 'optimistic' ? k : 2 - k;
  };
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && sameScore(row[order[end]], row[order[start]])) end++;
    if (end - start > 1) {
      const group = Array.from(order.subarray(start, end)).sort((a, b) => key(a) - key(b) || a - b);
      order.set(group, start);
    }
    start = end;
  }
}

function scoreQuery(order: Int32Array, ref: number, relevant: (i: number) => boolean, nRelevant: number, idcg: Float64Array): QueryScore {
  let rank = 0;
  let dcg = 0;
  for (let pos = 0; pos < order.length; pos++) {
    const item = order[pos];
    if (item === ref) rank = pos + 1;
    if (relevant(item)) dcg += 1 / Math.log2(pos + 2);
  }
  const ideal = idcg[Math.min(nRelevant, order.length)];
  return { rank, ndcg: ideal > 0 ? dcg / ideal : 0 };
}

/** Scores a similarity matrix with the official MRR and NDCG, recall@1/5/10 and a per-class breakdown. */
export function evaluate(sim: SimilarityMatrix, opts: { ties?: TieRule } = {}): EvalMetrics {
  const ties = opts.ties ?? 'listed';
  const { refIndex, itemClass } = validate(sim);
  const nQ = sim.queries.length;
  const nI = sim.items.length;

  const classSize = new Map<string, number>();
  for (const c of itemClass) classSize.set(c, (classSize.get(c) ?? 0) + 1);
  // idcg[r] = sum_{i=1..r} 1/log2(i+1): the DCG of r relevant items ranked first.
  const idcg = new Float64Array(nI + 1);
  for (let r = 1; r <= nI; r++) idcg[r] = idcg[r - 1] + 1 / Math.log2(r + 1);

  const rules: TieRule[] = ['listed', 'optimistic', 'pessimistic'];
  const sums = new Map<TieRule, { rr: number; ndcg: number }>(rules.map((r) => [r, { rr: 0, ndcg: 0 }]));
  const ranks = new Int32Array(nQ);
  const recallHits = { 1: 0, 5: 0, 10: 0 };
  const perClass = new Map<string, { queries: number; rr: number; ndcg: number; top1: number }>();
  let tiedQueries = 0;
  const order = new Int32Array(nI);
  const base = new Int32Array(nI);

  for (let q = 0; q < nQ; q++) {
    const row = sim.data.subarray(q * nI, (q + 1) * nI);
    const query = sim.queries[q];
    const ref = refIndex[q];
    const relevant = (i: number): boolean => itemClass[i] === query.class;
    const nRelevant = classSize.get(query.class) ?? 0;
    listedOrder(row, base);
    let chosen: QueryScore | undefined;
    for (const rule of rules) {
      order.set(base);
      applyTieRule(row, order, rule, ref, relevant);
      const s = scoreQuery(order, ref, relevant, nRelevant, idcg);
      const acc = sums.get(rule)!;
      acc.rr += 1 / s.rank;
      acc.ndcg += s.ndcg;
      if (rule === ties) chosen = s;
    }
    const refScore = row[ref];
    for (let i = 0; i < nI; i++) {
      if (i !== ref && sameScore(row[i], refScore)) {
        tiedQueries++;
        break;
      }
    }
    const { rank, ndcg } = chosen!;
    ranks[q] = rank;
    if (rank <= 1) recallHits[1]++;
    if (rank <= 5) recallHits[5]++;
    if (rank <= 10) recallHits[10]++;
    const pc = perClass.get(query.class) ?? { queries: 0, rr: 0, ndcg: 0, top1: 0 };
    pc.queries++;
    pc.rr += 1 / rank;
    pc.ndcg += ndcg;
    if (rank === 1) pc.top1++;
    perClass.set(query.class, pc);
  }

  const mean = (x: number): number => (nQ > 0 ? x / nQ : 0);
  const pick = (rule: TieRule): { rr: number; ndcg: number } => sums.get(rule)!;
  return {
    ties,
    queries: nQ,
    items: nI,
    mrr: mean(pick(ties).rr),
    ndcg: mean(pick(ties).ndcg),
    recallAt: { 1: mean(recallHits[1]), 5: mean(recallHits[5]), 10: mean(recallHits[10]) },
    bounds: {
      mrr: [mean(pick('optimistic').rr), mean(pick('pessimistic').rr)],
      ndcg: [mean(pick('optimistic').ndcg), mean(pick('pessimistic').ndcg)],
    },
    tiedQueries,
    perClass: [...perClass.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([cls, pc]) => ({
        class: cls,
        queries: pc.queries,
        items: classSize.get(cls) ?? 0,
        mrr: pc.rr / pc.queries,
        ndcg: pc.ndcg / pc.queries,
        recallAt1: pc.top1 / pc.queries,
      })),
    ranks,
  };
}

/** The harmonic number H_n = 1 + 1/2 + ... + 1/n. */
export function harmonic(n: number): number {
  let h = 0;
  for (let k = n; k >= 1; k--) h += 1 / k;
  return h;
}

/** MRR expected from a scorer that ranks items uniformly at random: H_N / N (0.0444 for N = 121). */
export function expectedRandomMrr(items: number): number {
  return items > 0 ? harmonic(items) / items : 0;
}
