import { prepareLibraryModel } from '../../engine/library/library-model.ts';
import { startIndexing, type IndexSummary } from '../../engine/library/indexer.ts';
import { LibraryStore } from '../../engine/library/store.ts';
import { LIBRARY_OPTIONS, UsageError, cancelOnInterrupt, libraryLocation, parse, positiveInteger, positiveNumber, type CliCommand } from '../command.ts';
import { ProgressBar } from '../progress-bar.ts';

export const command: CliCommand = {
  summary: 'add folders to the library and index new, changed, moved and deleted sounds',
  usage: `usage: onomato index [<folder>...] [--db <path> | --data-dir <dir>] [--workers N] [--max-seconds S] [--json]

  With folders, adds them to the library and brings them up to date; without, rescans every
  library folder. Ctrl-C stops cleanly: finished files stay indexed and the next run goes on.
  --workers N        analysis workers (default: one per core)
  --max-seconds S    index at most the first S seconds of each file (default 600)
  --json             print the summary as JSON on stdout
  Exit code 1 when some files failed (they are listed), 2 on wrong usage.`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      ...LIBRARY_OPTIONS,
      workers: { type: 'string' },
      'max-seconds': { type: 'string' },
      json: { type: 'boolean' },
    });
    const location = libraryLocation(values);
    const store = LibraryStore.open(location.database);
    try {
      if (positionals.length === 0 && store.roots().length === 0) throw new UsageError('the library has no folders yet: name at least one folder to index');
      const model = await prepareLibraryModel(store, location.models);
      const maxSeconds = positiveNumber(values['max-seconds'], '--max-seconds');
      const job = startIndexing({
        store, model, folders: positionals, workers: positiveInteger(values.workers, '--workers'),
        analysis: maxSeconds ? { maxSeconds } : {},
      });
      const bar = new ProgressBar(io.stderr);
      job.on('progress', (p) => bar.update(p));
      const release = cancelOnInterrupt(() => job.cancel());
      let summary: IndexSummary;
      try {
        summary = await job.result;
      } finally {
        release();
        if (job.progress) bar.update(job.progress, true);
        bar.done();
      }
      store.checkpoint();
      if (values.json) io.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
      else io.stdout.write(formatSummary(summary));
      return summary.failed > 0 ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

export function formatSummary(s: IndexSummary): string {
  const rate = s.decoded && s.elapsedMs ? ` (${(s.decoded / (s.elapsedMs / 1000)).toFixed(1)} files/s on ${s.workers} workers, ${s.provider})` : '';
  const lines = [
    `${s.found} sound files in ${s.roots.length} folder${s.roots.length === 1 ? '' : 's'}, ${(s.elapsedMs / 1000).toFixed(1)} s${rate}`,
    `  indexed ${s.indexed}, unchanged ${s.unchanged}, moved ${s.moved}, deleted ${s.deleted}, skipped ${s.skipped}, failed ${s.failed}`,
  ];
  for (const u of s.unavailable) lines.push(`  not available (sounds kept): ${u.path}: ${u.reason}`);
  for (const u of s.unreadable) lines.push(`  could not read: ${u.path}: ${u.reason}`);
  if (s.failures.length) {
    lines.push('failed:');
    for (const f of s.failures) lines.push(`  ${f.path}: ${f.reason} (${f.kind})`);
  }
  return `${lines.join('\n')}\n`;
}
