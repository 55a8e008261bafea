import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError } from '../../engine/errors.ts';
import { loadDatasetForRun } from '../../engine/evaluation/datasets.ts';
import { augmentBank, heldOutReferences, qualityBank } from '../../engine/quality/bank.ts';
import { formatPersonalCheck, personalCheck } from '../../engine/quality/personal.ts';
import { parseHeadsSpec } from '../../engine/quality/candidates.ts';
import { formatQualityTable } from '../../engine/quality/matrix.ts';
import { DEFAULT_CANDIDATES, formatQualityReport, qualityCandidates, qualityReport, TABLE_REFERENCES } from '../../engine/quality/run.ts';
import { folderEmbeddingCache } from '../../engine/evaluation/systems.ts';
import { ensureModel } from '../../engine/model/backbone.ts';
import { EmbeddingModel } from '../../engine/model/runtime.ts';
import { defaultModelVersion } from '../../engine/model-version/versions.ts';
import { LIBRARY_OPTIONS, UsageError, cancelOnInterrupt, libraryLocation, parse, positiveInteger, type CliCommand } from '../command.ts';
import { ProgressBar } from '../progress-bar.ts';

export const command: CliCommand = {
  summary: 'the leave-one-family-out quality matrix: retrieval for imitators a model never heard',
  usage: `usage: onomato quality --dataset <proxy dir>[,<proxy dir>...] [--candidates LIST] [--test-references N]
       [--train-references N] [--source-share S] [--seed N] [--classes] [--json] [--report <file>]
       [--db <path> | --data-dir <dir>]

  For each imitator family F of a proxy built with several (onomato proxy --imitators ...):
  candidates train on the other families' imitations of training references only, and are
  scored on F's imitations of held-out references (the same for every family). A second table
  holds whole library packages out as well. Several proxies of one library (same seed and
  references, e.g. one family each) are read as one benchmark. Each cell: MRR with a 95% interval from resampling
  the held-out references. Features are cached in <data>/models/training-features, 2DFT's
  scores in <data>/models/eval-cache, so a rerun only trains.
  --candidates LIST     comma-separated; default ${DEFAULT_CANDIDATES.join(',')}
                        (heads:rank=R,reg=L,epochs=E,temperature=T,shared,weights=default|selected|b.m.e.r.
                        joins several options with "+" instead of "," inside a list)
  --test-references N   held-out references (default 120)
  --train-references N  at most N training references (default all the others)
  --source-share S      share of references whose packages are held out (default 0.25; 0 = none)
  --classes             add MRR per class (all left-out families pooled)
  --augment K           K augmented copies (pitch, tempo, band, noise, room, partial) of every training
                        reference and imitation of the family split, for heads:...+augmented=S candidates
  --personal F[,F...]   also fine-tune, as a user whose voice is family F would, the first candidate
                        that is a model version (its version for the fold that never saw F)
                        on 20 of F's imitations, and print personal and general MRR before and after
  --personal-options L  other fine-tuning settings to measure as well, ";" between them, each like
                        adaptation=gradient,reg=100,epochs=10,lr=5e-4,rank=8 (default: what
                        onomato train --pairs personal does, adaptation=personal-map)
  --json                print the report as JSON`,

  async run(argv, io) {
    const { values } = parse(argv, {
      ...LIBRARY_OPTIONS,
      dataset: { type: 'string' },
      candidates: { type: 'string' },
      'test-references': { type: 'string' },
      'train-references': { type: 'string' },
      'source-share': { type: 'string' },
      seed: { type: 'string' },
      classes: { type: 'boolean' },
      json: { type: 'boolean' },
      report: { type: 'string' },
      personal: { type: 'string' },
      augment: { type: 'string' },
      'personal-options': { type: 'string' },
    }, false);
    if (!values.dataset) throw new UsageError('name the proxy benchmark with --dataset <dir>');
    const names = values.candidates ? values.candidates.split(',').map((s) => s.trim().replace(/\+/g, ',')).filter(Boolean) : [...DEFAULT_CANDIDATES];
    const share = values['source-share'] === undefined ? undefined : Number(values['source-share']);
    if (share !== undefined && !(share >= 0 && share < 1)) throw new UsageError(`--source-share needs a share from 0 to below 1, not "${values['source-share']}"`);
    const location = libraryLocation(values);
    const datasets = [];
    for (const d of values.dataset.split(',').filter(Boolean)) datasets.push(await loadDatasetForRun(resolve(d)));
    const built = await ensureModel(location.models);
    const model = await EmbeddingModel.open(built.onnxPath, { log: () => undefined });
    const controller = new AbortController();
    const release = cancelOnInterrupt(() => controller.abort());
    const bar = new ProgressBar(io.stderr);
    try {
      const bank = await qualityBank(model, datasets, {
        cacheDir: join(location.models, 'training-features'),
        signal: controller.signal,
        onProgress: (done, total) => bar.step(done, total, 'sounds with features'),
      });
      bar.done();
      const trainReferences = positiveInteger(values['train-references'], '--train-references');
      const testReferences = positiveInteger(values['test-references'], '--test-references');
      const seed = values.seed === undefined ? undefined : positiveInteger(values.seed, '--seed');
      const augment = positiveInteger(values.augment, '--augment');
      if (augment) {
        const split = heldOutReferences(bank, { testReferences: testReferences ?? 120, trainReferences, seed: seed ?? 1 });
        await augmentBank(model, bank, split.train, augment, {
          cacheDir: join(location.models, 'training-features'),
          signal: controller.signal,
          onProgress: (done, total) => bar.step(done, total, 'training sounds augmented'),
        });
        bar.done();
      }
      const candidates = qualityCandidates(names, { cache: folderEmbeddingCache(join(location.models, 'eval-cache')), shipped: defaultModelVersion() });
      const report = await qualityReport(bank, candidates, {
        testReferences,
        trainReferences,
        sourceShare: share,
        seed,
        signal: controller.signal,
        onCell: (c, f) => io.stderr.write(`scored ${c} on ${f}\n`),
        // The full report comes at the end; each table goes to stderr as soon as it is done.
        onTable: (t) => io.stderr.write(`\n${formatQualityTable(t, { ...TABLE_REFERENCES, classes: values.classes })}\n\n`),
      });
      const personal = [];
      const tuned = candidates.find((c) => c.fit);
      for (const family of values.personal?.split(',').filter(Boolean) ?? []) {
        if (!tuned) throw new UsageError('--personal needs a candidate that is a model version (untrained, weights, heads:...)');
        for (const options of (values['personal-options'] ?? '').split(';')) {
          const config = options.trim() ? parseHeadsSpec(`heads:${options.trim()}`).config : undefined;
          personal.push(await personalCheck(bank, report.family.split, tuned, { family, config }));
        }
      }
      if (values.report) {
        try {
          await writeFile(resolve(values.report), `${JSON.stringify(report, (_, v: unknown) => (v instanceof Set ? [...v] : v), 1)}\n`);
        } catch (err) {
          throw EngineError.from(err, values.report);
        }
      }
      const text = [formatQualityReport(report, { classes: values.classes }), ...personal.map((p) => `${tuned!.id}: ${formatPersonalCheck(p)}`)].join('\n\n');
      const json = { ...report, personal: personal.map((p) => ({ family: p.family, pairs: p.pairs, metrics: p.result.metrics, decision: p.result.reason })) };
      io.stdout.write(values.json ? `${JSON.stringify(json, (_, v: unknown) => (v instanceof Set ? v.size : v), 1)}\n` : `${text}\n`);
      return 0;
    } catch (err) {
      if (EngineError.from(err).kind === 'cancelled') {
        io.stderr.write('onomato quality: cancelled\n');
        return 130;
      }
      throw err;
    } finally {
      bar.done();
      release();
      await model.close();
    }
  },
};
