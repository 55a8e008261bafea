import { relative } from 'node:path';
import { loadMono32k } from '../../engine/audio/decode.ts';
import { EngineError } from '../../engine/errors.ts';
import { analyseQuery } from '../../engine/library/analyse.ts';
import { prepareLibraryModel } from '../../engine/library/library-model.ts';
import { LibrarySearch } from '../../engine/library/search.ts';
import { LibraryStore } from '../../engine/library/store.ts';
import { openModelPair } from '../../engine/model/runtime.ts';
import { LIBRARY_OPTIONS, UsageError, libraryLocation, parse, positiveInteger, positiveNumber, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  summary: 'find the library sounds closest to an imitation (an audio file)',
  usage: `usage: onomato search <audio file> [--db <path> | --data-dir <dir>] [--top N] [--json]
       [--as imitation|sound] [--folder F]... [--text WORDS] [--tag LABEL]... [--category UCS]... [--min-sec S] [--max-sec S] [--exact]

  Embeds the file (10 s windows every 5 s, the first minute at most) with the imitation tower,
  as the app does with a take, and ranks every library sound by its best window. --as sound
  searches for sounds like the file instead (reference path, as for a dropped file). Prints rank, score, the best window's start, name and folder.`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      ...LIBRARY_OPTIONS,
      top: { type: 'string' },
      json: { type: 'boolean' },
      folder: { type: 'string', multiple: true },
      text: { type: 'string' },
      tag: { type: 'string', multiple: true },
      category: { type: 'string', multiple: true },
      'min-sec': { type: 'string' },
      'max-sec': { type: 'string' },
      exact: { type: 'boolean' },
      as: { type: 'string' },
    });
    if (values.as !== undefined && values.as !== 'imitation' && values.as !== 'sound') throw new UsageError(`--as is imitation or sound, not "${values.as}"`);
    if (positionals.length !== 1) throw new UsageError('name exactly one audio file to search with');
    const top = positiveInteger(values.top, '--top') ?? 10;
    const location = libraryLocation(values);
    const store = LibraryStore.open(location.database);
    try {
      const model = await prepareLibraryModel(store, location.models);
      const active = store.activeModelVersion();
      if (active && active.id !== model.versionId) {
        throw new EngineError('model', `the library's active model is "${active.id}"; this command embeds imitations with "${model.versionId}" only`);
      }
      const search = await LibrarySearch.open(store, { modelId: model.versionId });
      // The next search starts from the snapshot instead of re-reading every vector.
      if (search.source === 'database') await search.saveSnapshot().catch(() => undefined);
      const { samples } = await loadMono32k(positionals[0], { maxSeconds: 60 });
      if (samples.length === 0) throw new EngineError('empty-file', 'the imitation holds no audio', { file: positionals[0] });
      const pair = await openModelPair(model.built, { threads: 0, log: () => undefined });
      let queries: Float32Array[];
      try {
        queries = (await analyseQuery(samples, pair, model.version, values.as === 'sound' ? 'reference' : 'imitation')).queries;
      } finally {
        await pair.close();
      }
      const results = await search.searchWindows(queries, {
        top, exact: values.exact,
        filter: {
          folders: values.folder, text: values.text, tags: values.tag, categories: values.category,
          minDurationSec: positiveNumber(values['min-sec'], '--min-sec'), maxDurationSec: positiveNumber(values['max-sec'], '--max-sec'),
        },
      });
      if (values.json) {
        io.stdout.write(`${JSON.stringify(results.map((r, i) => ({
          rank: i + 1, score: r.score, offsetSec: r.offsetSec, soundId: r.sound.id, path: r.sound.path, name: r.sound.name, folder: r.sound.folder,
        })), null, 1)}\n`);
      } else {
        const root = (id: number) => store.roots().find((x) => x.id === id)?.path;
        for (const [i, r] of results.entries()) {
          const base = root(r.sound.rootId);
          const folder = base ? relative(base, r.sound.folder) || '.' : r.sound.folder;
          io.stdout.write(`${String(i + 1).padStart(3)}  ${r.score.toFixed(3)}  ${r.offsetSec.toFixed(1).padStart(6)}s  ${r.sound.name}  (${folder})\n`);
        }
        if (results.length === 0) io.stdout.write('no sounds match\n');
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
