import { DATASETS, datasetEntry, datasetNotice, fetchDataset, listDatasets, type DatasetStatus } from '../../engine/evaluation/dataset-fetch.ts';
import { formatBytes } from '../../engine/model/zip.ts';
import { cancelOnInterrupt, LIBRARY_OPTIONS, libraryLocation, parse, UsageError, type CliCommand } from '../command.ts';
import { ProgressBar } from '../progress-bar.ts';

export const command: CliCommand = {
  summary: 'fetch the public imitation datasets (VimSketch, QVIM DEV) and list what is present',
  usage: `usage: onomato datasets list [--json]
       onomato datasets fetch ${DATASETS.map((d) => d.id).join('|')}
       [--data-dir <dir>]
Datasets go to <data folder>/datasets/<id>. A download that is cut off resumes on the next fetch.
ONOMATO_CATALOGUE=<file.json> points a dataset at another address (a mirror, or a test server):
  { "vimsketch": { "url": "…", "sha256": "…", "bytes": 123 } }`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...LIBRARY_OPTIONS, json: { type: 'boolean' } });
    const [action, ...args] = positionals;
    const paths = libraryLocation(values);
    if (action === 'list' && args.length === 0) {
      const list = await listDatasets(paths.datasets);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(list.map(({ entry: _entry, ...s }) => s), null, 1)}\n`);
        return 0;
      }
      for (const s of list) io.stdout.write(`${describe(s)}\n`);
      return 0;
    }
    if (action === 'fetch' && args.length === 1) {
      const entry = datasetEntry(args[0]);
      // The user reads what they are about to fetch, and under which terms, before a byte moves.
      io.stdout.write(`${datasetNotice(entry)}\n`);
      const controller = new AbortController();
      const stopListening = cancelOnInterrupt(() => controller.abort());
      const bar = new ProgressBar(io.stderr);
      try {
        const status = await fetchDataset(paths.datasets, entry.id, {
          signal: controller.signal,
          onProgress: (phase, done, total) => bar.step(done, total, phase === 'check' ? 'checking the layout' : `${phase === 'download' ? 'downloading' : 'unpacking'} ${formatBytes(done)}`),
        });
        bar.done();
        io.stdout.write(`${describe(status)}\n`);
        return 0;
      } finally {
        bar.done();
        stopListening();
      }
    }
    throw new UsageError('say list, or fetch and a dataset name');
  },
};

function describe(s: DatasetStatus): string {
  if (s.state === 'present') {
    const problems = s.problems ? `, ${s.problems} problem${s.problems === 1 ? '' : 's'} (see onomato eval)` : '';
    return `${s.id.padEnd(10)} present: ${s.items} references, ${s.queries} imitations${problems}  ${s.root ?? s.folder}`;
  }
  if (s.state === 'partial-download') return `${s.id.padEnd(10)} partly downloaded (${formatBytes(s.downloadedBytes ?? 0)}); onomato datasets fetch ${s.id} resumes it`;
  return `${s.id.padEnd(10)} not fetched; onomato datasets fetch ${s.id}`;
}
