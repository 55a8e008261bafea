import type { LibraryStore } from '../library/store.ts';
import type { EvaluationRun } from '../library/types.ts';
import type { EvaluationOutcome } from './evaluate-protocol.ts';
import type { EvalReport } from './run.ts';

/** What a finished run keeps: the report, the library's model version at the time, and what the cache saved. */
export interface RecordedReport extends EvalReport {
  modelVersion: string | null;
  cache: EvaluationOutcome['cache'];
}

/** Stores a finished run in the library's database, where the app's Evaluation panel lists it. */
export function recordEvaluation(store: LibraryStore, outcome: EvaluationOutcome, modelVersion: string | null): { run: EvaluationRun; report: RecordedReport } {
  const report: RecordedReport = { ...outcome.report, modelVersion, cache: outcome.cache };
  const run = store.addEvaluationRun({
    dataset: report.dataset.root,
    systems: report.systems.map((s) => s.id),
    report,
    modelId: modelVersion,
    createdAt: Date.parse(report.finishedAt),
  });
  return { run, report };
}

/** A stored report, or null when the row holds something this version does not read. */
export function readRecordedReport(run: EvaluationRun): RecordedReport | null {
  const r = run.report as Partial<RecordedReport> | null;
  if (!r || typeof r !== 'object' || !r.dataset || !Array.isArray(r.systems)) return null;
  return r as RecordedReport;
}
