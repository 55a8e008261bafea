import { resolve } from 'node:path';
import { startBackboneSwitch, switchTarget } from '../../engine/library/backbone-switch.ts';
import { LibraryStore } from '../../engine/library/store.ts';
import { addBackbone, listBackbones } from '../../engine/model/backbone.ts';
import { formatBytes } from '../../engine/model/zip.ts';
import {
  activateModelVersion, exportModelVersion, importModelVersion, listModelVersions, reembedLibrary,
} from '../../engine/library/model-versions.ts';
import { cancelOnInterrupt, LIBRARY_OPTIONS, UsageError, libraryLocation, parse, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  summary: 'list, activate, export and import trained model versions; add and list backbones',
  usage: `usage: onomato models list [--json]
       onomato models backbones [--json]          (the backbones the library can use)
       onomato models add-backbone <file> [--id <name>]
                                  (an EfficientAT state dict of any width, or a QVIM two-tower Lightning checkpoint)
       onomato models use-backbone <backbone> [--version <id>]
                                  (re-analyses the library with it; search keeps the current model until
                                   every sound is done; run it again to continue a switch that was stopped)
       onomato models activate <id> [--force]   (re-embeds the library from cached features)
       onomato models export <id> <file.onomato-model>
       onomato models import <file.onomato-model>
       [--db <path> | --data-dir <dir>]`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...LIBRARY_OPTIONS, json: { type: 'boolean' }, force: { type: 'boolean' }, id: { type: 'string' }, version: { type: 'string' } });
    const [action, ...args] = positionals;
    const location = libraryLocation(values);
    // Backbones live in the models folder; these two never open the library.
    if (action === 'backbones' && args.length === 0) {
      const list = await listBackbones(location.models);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(list, null, 1)}\n`);
        return 0;
      }
      for (const b of list) {
        const size = b.bytes !== undefined ? formatBytes(b.bytes) : 'size not published';
        const towers = b.twoTowers ? 'two towers' : 'one network for both sides';
        io.stdout.write(`${b.id.padEnd(16)} ${b.present ? 'on this machine' : 'downloads when chosen'}  ${b.embeddingSize}-d, ${towers}, ${size}\n    ${b.name}; licence: ${b.licence}\n    source: ${b.source}\n`);
      }
      return 0;
    }
    if (action === 'add-backbone' && args.length === 1) {
      const built = await addBackbone(location.models, args[0], { id: values.id });
      const towers = built.added.twoTowers ? 'two towers (takes go through the imitation tower, library sounds through the reference tower)' : 'one network for takes and library sounds';
      io.stdout.write(`${built.id} added: ${built.embeddingSize}-d embeddings, ${towers}; the library's model is unchanged until you switch to it\n`);
      return 0;
    }
    const store = LibraryStore.open(location.database);
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
      if (action === 'use-backbone' && args.length === 1) {
        const target = await switchTarget(store, location.models, args[0], { versionId: values.version });
        if (store.activeModelVersion()?.id === target.version.id) {
          io.stdout.write(`the library already searches with ${target.version.id} over ${target.built.id}\n`);
          return 0;
        }
        const job = startBackboneSwitch({ store, target });
        let shown = -1;
        job.on('progress', (p) => {
          if (p.phase === 'analysing' && p.done !== shown && (p.done === p.total || p.done % 25 === 0)) {
            shown = p.done;
            const eta = p.etaSec === null ? '' : `, about ${Math.ceil(p.etaSec)} s left`;
            io.stderr.write(`analysed ${p.done}/${p.total} sounds with ${p.backbone}${eta}\n`);
          }
        });
        const release = cancelOnInterrupt(() => job.cancel());
        try {
          const summary = await job.result;
          const failed = summary.failures.length ? `; ${summary.failures.length} could not be read and wait for the next scan` : '';
          const carried = summary.carriedOver ? ` (${summary.carriedOver} kept from a switch that was stopped)` : '';
          io.stdout.write(`the library now searches with ${summary.versionId} over ${summary.backbone}: ${summary.analysed} sounds analysed${carried}${failed}\n`);
          for (const f of summary.failures) io.stderr.write(`  ${f.path}: ${f.reason}\n`);
        } finally {
          release();
        }
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
      throw new UsageError('say list, activate <id>, export <id> <file>, import <file>, backbones, add-backbone <file> or use-backbone <backbone>');
    } finally {
      store.close();
    }
  },
};
