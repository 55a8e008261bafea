import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SettingsStore } from '../../engine/app/settings.ts';
import { EngineError } from '../../engine/errors.ts';
import { problemText } from '../../engine/evaluation/dataset-types.ts';
import { loadDatasetForRun } from '../../engine/evaluation/datasets.ts';
import { startEvaluation, type EvaluationOutcome } from '../../engine/evaluation/evaluate-run.ts';
import { recordEvaluation } from '../../engine/evaluation/run-record.ts';
import { formatReportTable } from '../../engine/evaluation/run.ts';
import { resolveSystems } from '../../engine/evaluation/system-choices.ts';
import { LibraryStore } from '../../engine/library/store.ts';
import { LIBRARY_OPTIONS, UsageError, cancelOnInterrupt, libraryLocation, parse, type CliCommand } from '../command.ts';
import { formatDuration, ProgressBar } from '../progress-bar.ts';

const DEFAULT_SYSTEMS = ['random', '2dft', 'zero-shot'];

export const command: CliCommand = {
  summary: 'score retrieval systems on a dataset of imitations (MRR, NDCG, recall@k)',
  usage: `usage: onomato eval --dataset <dir> [--systems random,2dft,zero-shot,<model version>...] [--json]
       [--report <file>] [--export-similarities <file>] [--allow-problems] [--no-cache] [--db <path> | --data-dir <dir>]

  Reads a dataset in the QVIM DEV, VimSketch or CSV layout, scores each system with the
  challenge's metrics and prints the table (system, MRR, NDCG, R@1/5/10). The run is recorded in
  the library (the app's Evaluation panel lists it) and written as JSON to --report, else to
  evaluations/ beside the library database. Embeddings are cached in <data>/models/eval-cache,
  so unchanged files are not embedded again. Ctrl-C cancels; nothing is recorded then.
  --systems LIST               comma-separated ids (default ${DEFAULT_SYSTEMS.join(',')}); model version ids
                               of the library are accepted too, and backbone:<id> for any backbone on this
                               machine (onomato models backbones), to compare backbones side by side
  --export-similarities FILE   the official {query: {item: score}} JSON (one file per system, id before
                               the extension, when there are several)
  --allow-problems             evaluate a dataset with problems, leaving the broken rows out
  --no-cache                   embed every file afresh
  --json                       print the report as JSON on stdout instead of the table
  Exit code 1 on an error, 2 on wrong usage, 130 when cancelled.`,

  async run(argv, io) {
    const { values } = parse(argv, {
      ...LIBRARY_OPTIONS,
      dataset: { type: 'string' },
      systems: { type: 'string' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      'export-similarities': { type: 'string' },
      'allow-problems': { type: 'boolean' },
      'no-cache': { type: 'boolean' },
    }, false);
    if (!values.dataset) throw new UsageError('name the dataset folder with --dataset <dir>');
    const ids = values.systems === undefined ? DEFAULT_SYSTEMS : values.systems.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length === 0) throw new UsageError('--systems needs at least one system id');

    const dataset = await loadDatasetForRun(values.dataset, { allowProblems: values['allow-problems'] });
    for (const p of dataset.problems) io.stderr.write(`warning: left out: ${problemText(p)}\n`);

    const location = libraryLocation(values);
    const store = LibraryStore.open(location.database);
    try {
      const { specs, modelVersion } = await resolveSystems(ids, { store, modelsDir: location.models, hopSec: new SettingsStore(store).get().windowHopSec });
      const bar = new ProgressBar(io.stderr);
      const handle = startEvaluation(
        {
          dataset, specs,
          cacheDir: values['no-cache'] ? null : join(location.models, 'eval-cache'),
          exportFile: values['export-similarities'] ? resolve(values['export-similarities']) : null,
          threads: 0,
        },
        {
          onProgress: (p) => bar.step(p.overallDone, p.overallTotal,
            `${p.label}: ${p.done}/${p.total} sounds, ${p.ratePerSec.toFixed(1)}/s${p.etaSec === null ? '' : ` ETA ${formatDuration(p.etaSec)}`}`),
        },
      );
      const release = cancelOnInterrupt(() => handle.cancel());
      let outcome: EvaluationOutcome;
      try {
        outcome = await handle.result;
      } catch (err) {
        if (EngineError.from(err).kind !== 'cancelled') throw err;
        bar.done();
        io.stderr.write('onomato eval: cancelled; nothing was recorded\n');
        return 130;
      } finally {
        release();
        bar.done();
      }

      const { run, report } = recordEvaluation(store, outcome, modelVersion);
      const reportFile = values.report ? resolve(values.report) : join(dirname(location.database), 'evaluations', `${report.finishedAt.replace(/[:.]/g, '-')}-run-${run.id}.json`);
      try {
        await mkdir(dirname(reportFile), { recursive: true });
        await writeFile(reportFile, `${JSON.stringify({ run: run.id, ...report, exported: outcome.exported }, null, 1)}\n`);
      } catch (err) {
        throw EngineError.from(err, reportFile);
      }
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ run: run.id, ...report, exported: outcome.exported, reportFile }, null, 1)}\n`);
        return 0;
      }
      const { hits, misses } = outcome.cache;
      const lines = [
        formatReportTable(report),
        '',
        `model version: ${modelVersion ?? 'none'}; cached embeddings reused: ${hits} of ${hits + misses}`,
        ...outcome.exported.map((f) => `similarities: ${f}`),
        `report: ${reportFile} (run ${run.id} in ${location.database})`,
      ];
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};
