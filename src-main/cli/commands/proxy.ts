import { buildProxyDataset } from '../../engine/evaluation/proxy.ts';
import { IMITATOR_FAMILIES, imitatorFamilies } from '../../engine/evaluation/imitators/registry.ts';
import { UsageError, cancelOnInterrupt, parse, positiveInteger, type CliCommand } from '../command.ts';
import { ProgressBar } from '../progress-bar.ts';

export const command: CliCommand = {
  summary: 'build the QVIM-proxy benchmark: synthetic imitations of a library with a manifest.csv',
  usage: `usage: onomato proxy <library dir> <out dir> [--seed N] [--references N] [--queries-per-reference N]
                      [--imitators ID,ID,...|all] [--json]

  Draws references from the library (balanced over the categories of its manifest.csv, columns
  path,source,category,license) and writes synthetic vocal imitations of each, in the QVIM DEV
  layout, named "QVIM-proxy (synthetic imitations of <library>)". Same seed, same dataset.
  --seed N                   random seed (default 1)
  --references N             how many library sounds become references (default 120)
  --queries-per-reference N  imitations of each reference (default 3)
  --imitators ID,...|all     imitator families (default formant, the original proxy); with several,
                             each reference's imitations go round them, and imitators.csv
                             (query,family) says which family made each query. Families:
${IMITATOR_FAMILIES.map((f) => `                               ${f.id.padEnd(11)} ${f.description}`).join('\n')}
  --json                     print the summary as JSON on stdout`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      seed: { type: 'string' },
      references: { type: 'string' },
      'queries-per-reference': { type: 'string' },
      imitators: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (positionals.length !== 2) throw new UsageError('name the library folder and the folder to write the dataset to');
    const seed = values.seed === undefined ? 1 : Number(values.seed);
    if (!Number.isInteger(seed)) throw new UsageError(`--seed needs a whole number, not "${values.seed}"`);
    const imitators = values.imitators?.split(',');
    if (imitators) {
      try {
        imitatorFamilies(imitators);
      } catch (err) {
        throw new UsageError(`--imitators: ${(err as Error).message}`);
      }
    }
    const controller = new AbortController();
    const release = cancelOnInterrupt(() => controller.abort());
    const bar = new ProgressBar(io.stderr);
    const started = Date.now();
    try {
      const result = await buildProxyDataset(positionals[0], positionals[1], {
        seed,
        references: positiveInteger(values.references, '--references'),
        queriesPerReference: positiveInteger(values['queries-per-reference'], '--queries-per-reference'),
        imitators,
        signal: controller.signal,
        onProgress: (done, total) => bar.step(done, total, 'references imitated'),
      });
      bar.done();
      if (values.json) {
        io.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
      } else {
        const lines = [
          `${result.name}: ${result.references} references, ${result.queries} imitations in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `  imitators: ${result.imitators.join(', ')}; written to ${result.root} (seed ${seed})`,
          ...result.skipped.map((s) => `  skipped ${s.path}: ${s.reason}`),
        ];
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return 0;
    } finally {
      bar.done();
      release();
    }
  },
};
