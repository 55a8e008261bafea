import { EngineError } from '../errors.ts';
import type { Dataset, DatasetLayout } from './dataset-types.ts';
import { evaluate, expectedRandomMrr, type EvalMetrics, type SimilarityMatrix, type TieRule } from './metrics.ts';
import type { EmbeddingCache, RetrievalSystem } from './systems.ts';

export interface SystemResult {
  id: string;
  label: string;
  metrics: Omit<EvalMetrics, 'ranks'>;
  /** For the random baseline: the MRR a uniform random ranking gives on average, H_N / N. */
  expectedMrr?: number;
  seconds: number;
}

export interface EvalReport {
  dataset: { name: string; layout: DatasetLayout; root: string; queries: number; items: number; problems: number };
  startedAt: string;
  finishedAt: string;
  systems: SystemResult[];
}

export interface RunProgress {
  systemId: string;
  /** 0-based position of the system in the run, and how many systems there are. */
  system: number;
  systems: number;
  done: number;
  total: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  cache?: EmbeddingCache;
  ties?: TieRule;
  /** Each system's full similarity matrix as it is scored, e.g. to export it in the official form. */
  onSimilarity?: (systemId: string, matrix: SimilarityMatrix) => void;
}

/** Scores every system on one dataset, one after the other, with the official metrics. */
export async function runEvaluation(dataset: Dataset, systems: RetrievalSystem[], opts: RunOptions = {}): Promise<EvalReport> {
  if (systems.length === 0) throw new EngineError('invalid-argument', 'choose at least one system to evaluate');
  const startedAt = new Date().toISOString();
  const results: SystemResult[] = [];
  for (const [index, system] of systems.entries()) {
    if (opts.signal?.aborted) throw new EngineError('cancelled', 'the evaluation was cancelled');
    const t0 = performance.now();
    const matrix = await system.similarity(dataset, {
      signal: opts.signal,
      cache: opts.cache,
      onProgress: (done, total) => opts.onProgress?.({ systemId: system.id, system: index, systems: systems.length, done, total }),
    });
    opts.onSimilarity?.(system.id, matrix);
    const { ranks: _ranks, ...metrics } = evaluate(matrix, { ties: opts.ties });
    results.push({
      id: system.id,
      label: system.label,
      metrics,
      ...(system.id === 'random' ? { expectedMrr: expectedRandomMrr(matrix.items.length) } : {}),
      seconds: (performance.now() - t0) / 1000,
    });
  }
  return {
    dataset: {
      name: dataset.name,
      layout: dataset.layout,
      root: dataset.root,
      queries: dataset.queries.length,
      items: dataset.items.length,
      problems: dataset.problems.length,
    },
    startedAt,
    finishedAt: new Date().toISOString(),
    systems: results,
  };
}

const f4 = (x: number): string => x.toFixed(4);

/**
 * The table in the seed's form (system, MRR, NDCG), headed by what was measured, with recall
 * and time after. A tie-sensitive result shows its pessimistic..optimistic range.
 */
export function formatReportTable(report: EvalReport): string {
  const d = report.dataset;
  const lines = [
    `${d.name}: ${d.queries} queries, ${d.items} items (${d.layout} layout${d.problems ? `, ${d.problems} problems reported` : ''})`,
    '',
    '| system | MRR | NDCG | R@1 | R@5 | R@10 | seconds |',
    '|---|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  for (const s of report.systems) {
    const m = s.metrics;
    const range = (v: number, [opt, pes]: [number, number]): string => (opt - pes > 5e-5 ? `${f4(v)} (${f4(pes)}..${f4(opt)})` : f4(v));
    lines.push(
      `| ${s.label} | ${range(m.mrr, m.bounds.mrr)} | ${range(m.ndcg, m.bounds.ndcg)} | ${f4(m.recallAt[1])} | ${f4(m.recallAt[5])} | ${f4(m.recallAt[10])} | ${s.seconds.toFixed(1)} |`,
    );
    if (s.expectedMrr !== undefined) notes.push(`${s.label}: expected MRR of a random ranking H_N/N = ${f4(s.expectedMrr)} (N = ${m.items})`);
    if (m.tiedQueries > 0) notes.push(`${s.label}: ${m.tiedQueries} queries tie their reference with another item (ties broken by ${m.ties} order)`);
  }
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
