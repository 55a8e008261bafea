import { LibraryStore } from '../../engine/library/store.ts';
import { LIBRARY_OPTIONS, libraryLocation, parse, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  summary: 'show what the library holds: folders, sounds, windows, failures, size, model',
  usage: `usage: onomato stats [--db <path> | --data-dir <dir>] [--json]`,

  async run(argv, io) {
    const { values } = parse(argv, { ...LIBRARY_OPTIONS, json: { type: 'boolean' } }, false);
    const location = libraryLocation(values);
    const store = LibraryStore.open(location.database);
    try {
      const counts = store.counts();
      const stats = {
        database: location.database,
        databaseBytes: store.databaseBytes(),
        ...counts,
        roots: store.roots().map((r) => ({ path: r.path, lastScanAt: r.lastScanAt && new Date(r.lastScanAt).toISOString() })),
        model: store.activeModelVersion()?.id ?? null,
        failures: store.failures(20).map((f) => ({ path: f.path, kind: f.kind, reason: f.reason })),
      };
      if (values.json) {
        io.stdout.write(`${JSON.stringify(stats, null, 1)}\n`);
        return 0;
      }
      const mb = (stats.databaseBytes / 2 ** 20).toFixed(1);
      const lines = [
        `library   ${stats.database} (${mb} MB)`,
        `model     ${stats.model ?? 'none yet'}`,
        `sounds    ${counts.sounds} (${counts.indexed} indexed, ${counts.pending} pending, ${counts.failed} failed)`,
        `windows   ${counts.windows}`,
        `folders   ${stats.roots.length}`,
        ...stats.roots.map((r) => `  ${r.path}${r.lastScanAt ? ` (scanned ${r.lastScanAt})` : ''}`),
      ];
      if (stats.failures.length) lines.push('failed (first 20):', ...stats.failures.map((f) => `  ${f.path}: ${f.reason} (${f.kind})`));
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } finally {
      store.close();
    }
  },
};
