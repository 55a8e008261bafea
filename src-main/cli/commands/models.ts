import { resolve } from 'node:path';
import { LibraryStore } from '../../engine/library/store.ts';
import {
  activateModelVersion, exportModelVersion, importModelVersion, listModelVersions, reembedLibrary,
} from '../../engine/library/model-versions.ts';
import { LIBRARY_OPTIONS, UsageError, libraryLocation, parse, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  summary: 'list, activate, export and import trained model versions',
  usage: `usage: onomato models list [--json]
       onomato models activate <id> [--force]   (re-embeds the library from cached features)
       onomato models export <id> <file.onomato-model>
       onomato models import <file.onomato-model>
       [--db <path> | --data-dir <dir>]`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...LIBRARY_OPTIONS, json: { type: 'boolean' }, force: { type: 'boolean' } });
    const [action, ...args] = positionals;
    const store = LibraryStore.open(libraryLocation(values).database);
    try {
      if (action === 'list') {
        const versions = listModelVersions(store);
        if (values.json) {
          io.stdout.write(`${JSON.stringify(versions, null, 1)}\n`);
          return 0;
        }
        if (versions.length === 0) io.stdout.write('no trained model versions yet\n');
        for (const v of versions) {
          const held = (v.metrics.heldOut ?? {}) as { before?: number; after?: number };
          const mrr = held.after !== undefined ? ` held-out MRR ${held.before?.toFixed(3)} -> ${held.after.toFixed(3)}` : '';
          io.stdout.write(`${v.active ? '*' : ' '} ${v.id}  ${v.status}  ${new Date(v.createdAt).toISOString().slice(0, 16)}${mrr}  ${v.name}\n`);
        }
        return 0;
      }
      if (action === 'activate' && args.length === 1) {
        const v = activateModelVersion(store, args[0], { force: values.force });
        const n = await reembedLibrary(store, v, { onProgress: (done, total) => io.stderr.write(`re-embedding ${done}/${total}\r`) });
        io.stdout.write(`${v.id} is active; ${n} sounds re-embedded from cached features\n`);
        return 0;
      }
      if (action === 'export' && args.length === 2) {
        await exportModelVersion(store, args[0], resolve(args[1]));
        io.stdout.write(`${args[0]} written to ${resolve(args[1])}\n`);
        return 0;
      }
      if (action === 'import' && args.length === 1) {
        const v = await importModelVersion(store, resolve(args[0]));
        io.stdout.write(`${v.id} imported (${v.status}); activate it with: onomato models activate ${v.id}\n`);
        return 0;
      }
      throw new UsageError('say list, activate <id>, export <id> <file> or import <file>');
    } finally {
      store.close();
    }
  },
};
