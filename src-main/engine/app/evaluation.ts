import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EvalRun, EvalSystem, Job as JobView } from '../../contract/schema.ts';
import { EngineError } from '../errors.ts';
import { loadDatasetForRun } from '../evaluation/datasets.ts';
import { startEvaluation, type EvaluationProgress } from '../evaluation/evaluate-run.ts';
import { readRecordedReport, recordEvaluation } from '../evaluation/run-record.ts';
import { availableSystems, resolveSystems } from '../evaluation/system-choices.ts';
import { Job } from '../jobs/job.ts';
import type { LibraryStore } from '../library/store.ts';
import type { EvaluationRun } from '../library/types.ts';
import type { DataPaths } from '../paths.ts';
import type { Jobs } from './jobs.ts';
import type { SettingsStore } from './settings.ts';

/**
 * Evaluation as the app sees it: which systems can be compared, a run on a dataset folder as a
 * tracked job (in a worker that pauses and cancels between sounds, reusing cached embeddings in <data>/models/eval-cache),
 * and the finished runs the library has recorded.
 */
export class Evaluation {
  private current: Job<EvaluationProgress, EvaluationRun> | null = null;

  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly jobs: Jobs,
    private readonly settings: SettingsStore,
  ) {}

  systems(): Promise<EvalSystem[]> {
    return availableSystems(this.store, this.paths.models);
  }

  /** Checks the dataset and the systems first: a dataset with problems is refused with each problem listed. */
  async start(datasetDir: string, systemIds: string[]): Promise<JobView> {
    if (this.current && (this.current.state === 'running' || this.current.state === 'paused')) {
      throw new EngineError('invalid-argument', 'An evaluation is already running; wait for it or cancel it first.');
    }
    const dataset = await loadDatasetForRun(datasetDir);
    const { specs, modelVersion } = await resolveSystems(systemIds, { store: this.store, modelsDir: this.paths.models, hopSec: this.settings.get().windowHopSec });
    const job = new Job<EvaluationProgress, EvaluationRun>(
      'evaluation',
      async (control) => {
        const handle = startEvaluation(
          // One core is left to the app's main process and the renderer.
          { dataset, specs, cacheDir: join(this.paths.models, 'eval-cache'), exportFile: null, threads: Math.max(1, availableParallelism() - 1) },
          { onProgress: (p) => control.report(p) },
        );
        const cancel = () => handle.cancel();
        const follow = (s: string) => (s === 'paused' ? handle.pause() : s === 'running' ? handle.resume() : undefined);
        control.signal.addEventListener('abort', cancel, { once: true });
        job.on('state', follow);
        try {
          return recordEvaluation(this.store, await handle.result, modelVersion).run;
        } finally {
          control.signal.removeEventListener('abort', cancel);
          job.off('state', follow);
        }
      },
      { recorder: this.store, config: { dataset: dataset.root, datasetName: dataset.name, systems: systemIds } },
    );
    this.current = job;
    return this.jobs.track(job, 'evaluation', (p) => ({
      done: p.overallDone, total: p.overallTotal, ratePerSec: p.ratePerSec, etaSec: p.etaSec, current: p.label,
      message: `${p.label}: ${p.done} of ${p.total} sounds (system ${p.system + 1} of ${p.systems})`,
    }));
  }

  /** The job of the run in progress (or the last one), for callers that wait on it. */
  get running(): Job<EvaluationProgress, EvaluationRun> | null {
    return this.current;
  }

  /** Finished runs, newest first. */
  runs(): EvalRun[] {
    return this.store.evaluationRuns().flatMap((r) => {
      const view = runView(r);
      return view ? [view] : [];
    });
  }

  async close(): Promise<void> {
    this.current?.cancel();
    await this.current?.result.catch(() => undefined);
  }
}

function runView(run: EvaluationRun): EvalRun | null {
  const report = readRecordedReport(run);
  if (!report) return null;
  return {
    id: run.id,
    createdAt: new Date(run.createdAt).toISOString(),
    dataset: report.dataset.root,
    datasetName: report.dataset.name,
    queries: report.dataset.queries,
    items: report.dataset.items,
    modelVersion: run.modelId,
    state: 'done',
    scores: report.systems.map((s) => ({
      system: s.id,
      label: s.label,
      mrr: s.metrics.mrr,
      ndcg: s.metrics.ndcg,
      recallAt: { '1': s.metrics.recallAt[1], '5': s.metrics.recallAt[5], '10': s.metrics.recallAt[10] },
      perClass: s.metrics.perClass.map((c) => ({ class: c.class, queries: c.queries, mrr: c.mrr, ndcg: c.ndcg })),
      seconds: s.seconds,
    })),
  };
}
