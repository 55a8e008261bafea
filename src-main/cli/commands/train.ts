import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError } from '../../engine/errors.ts';
import { loadDataset } from '../../engine/evaluation/datasets.ts';
import { LibraryStore } from '../../engine/library/store.ts';
import { ensureModel } from '../../engine/model/backbone.ts';
import { EmbeddingModel } from '../../engine/model/runtime.ts';
import { DEFAULT_FEATURES, proxyReferenceFiles, proxySources } from '../../engine/training/default-recipe.ts';
import { featureExtractor, recipeId } from '../../engine/model-version/features.ts';
import { baseModelVersion, type ModelVersion } from '../../engine/model-version/heads.ts';
import { encodeModelVersion } from '../../engine/model-version/model-file.ts';
import { datasetPairs, datasetRetrievalSet } from '../../engine/training/pair-features.ts';
import { personalPairs } from '../../engine/training/personal-pairs.ts';
import { startTrainingRun, readRunCheckpoint } from '../../engine/training/run-job.ts';
import type { RunInput, RunResult } from '../../engine/training/run.ts';
import type { PairFeatures, TrainConfig } from '../../engine/training/trainer.ts';
import { defaultModelVersion } from '../../engine/model-version/versions.ts';
import { activateModelVersion, loadModelVersion, reembedLibrary, saveModelVersion } from '../../engine/library/model-versions.ts';
import { DATASETS, listDatasets } from '../../engine/evaluation/dataset-fetch.ts';
import { LIBRARY_OPTIONS, UsageError, cancelOnInterrupt, libraryLocation, parse, positiveInteger, positiveNumber, type CliCommand, type CliIo } from '../command.ts';

export const command: CliCommand = {
  summary: 'train imitation/reference heads on pairs and report held-out MRR before and after',
  usage: `usage: onomato train (--dataset <dir> | --pairs personal) [options]
  --dataset <dir>        pairs from a dataset folder (QVIM DEV, VimSketch or CSV layout), or
                         vimsketch / qvim-dev for one fetched with onomato datasets fetch; training on
                         vimsketch measures on the fetched QVIM DEV when present (unless --general)
  --pairs personal       the library's own pairs (takes marked as matches, taught imitations)
  --exclude <proxy dir>  leave out the references of a proxy benchmark built from the same library
                         (when the --dataset is itself such a proxy: onomato proxy makes both)
  --general <dir>        a general benchmark (dataset folder) measured before and after
  --general-tolerance D  how much its MRR may fall before the run is rejected (default 0.01)
  --from <version>       start from a stored version, "default" (shipped heads) or "zero-shot"
  --epochs N  --temperature T  --rank R  --learning-rate LR  --regularisation L  --augment K
  --seed S
  --adaptation A         gradient (InfoNCE steps) or personal-map (a closed-form offset and ridge map on
                         the imitation head, chosen by cross-validation on the pairs; at most 200
                         pairs); personal-map is the default for --pairs personal
  --id <id>  --name <text>   --out <file.onomato-model>   --save (store it in the library)
  --activate             store it, and make it the library's model if it measured better
  --resume               continue the run this id left (checkpoint in the data folder)
  [--db <path> | --data-dir <dir>] [--json]

  Pairs are held out by reference sound (k-fold when there are few). A run that makes the
  held-out or the general MRR worse is kept as 'rejected' and never activated.`,

  async run(argv, io) {
    const { values } = parse(argv, {
      ...LIBRARY_OPTIONS,
      dataset: { type: 'string' },
      pairs: { type: 'string' },
      exclude: { type: 'string' },
      general: { type: 'string' },
      from: { type: 'string' },
      epochs: { type: 'string' },
      temperature: { type: 'string' },
      rank: { type: 'string' },
      'learning-rate': { type: 'string' },
      regularisation: { type: 'string' },
      augment: { type: 'string' },
      'general-tolerance': { type: 'string' },
      seed: { type: 'string' },
      adaptation: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      save: { type: 'boolean' },
      activate: { type: 'boolean' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
    }, false);
    const sources = [values.dataset, values.pairs].filter((v) => v !== undefined);
    if (sources.length !== 1) throw new UsageError('choose exactly one of --dataset, --pairs personal');
    if (values.pairs !== undefined && values.pairs !== 'personal') throw new UsageError('--pairs takes "personal"');
    const augment = values.augment === undefined ? 0 : Number(values.augment);
    if (!(Number.isInteger(augment) && augment >= 0)) throw new UsageError('--augment needs a whole number of copies (0 or more)');
    // Personal runs adapt the imitation head only, by a closed-form map on top of it chosen by
    // inner cross-validation (training/personal-map.ts): gradient steps from 20 pairs made a
    // new voice worse and every other voice worse too (models/heads/fusion-lofo-v3.md).
    const adaptation = (values.adaptation ?? (values.pairs ? 'personal-map' : 'gradient')) as TrainConfig['adaptation'];
    if (adaptation !== 'gradient' && adaptation !== 'personal-map') throw new UsageError(`--adaptation takes "gradient" or "personal-map", not "${adaptation}"`);
    const config = {
      adaptation,
      ...(values.pairs ? { trainReference: false, regularisation: 10 } : {}),
      ...(values.epochs ? { epochs: positiveInteger(values.epochs, '--epochs') } : {}),
      ...(values.temperature ? { temperature: positiveNumber(values.temperature, '--temperature') } : {}),
      ...(values.rank ? { rank: positiveInteger(values.rank, '--rank') } : {}),
      ...(values['learning-rate'] ? { learningRate: positiveNumber(values['learning-rate'], '--learning-rate') } : {}),
      ...(values.regularisation !== undefined ? { regularisation: Number(values.regularisation) } : {}),
      ...(values.seed ? { seed: positiveInteger(values.seed, '--seed') } : {}),
    };
    const location = libraryLocation(values);
    const log = (line: string) => io.stderr.write(`${line}\n`);
    if (values.activate) values.save = true;
    const fetched = values.dataset !== undefined ? await fetchedDataset(values.dataset, location.datasets) : undefined;
    if (fetched) {
      values.dataset = fetched.root;
      // Trained on VimSketch, measured on QVIM DEV: the challenge's own protocol, when the user has both.
      if (fetched.id === 'vimsketch' && values.general === undefined) {
        const dev = (await listDatasets(location.datasets)).find((d) => d.id === 'qvim-dev');
        if (dev?.state === 'present' && dev.root) {
          values.general = dev.root;
          log(`measuring before and after on QVIM DEV (${dev.root})`);
        }
      }
    }
    const needsStore = values.pairs !== undefined || values.save || (values.from !== undefined && !['default', 'zero-shot'].includes(values.from));
    const store = needsStore ? LibraryStore.open(location.database) : undefined;
    const built = await ensureModel(location.models);
    const model = await EmbeddingModel.open(built.onnxPath, { log: () => undefined });
    try {
      const start = startVersion(values.from, store);
      const recipe = start.features;
      const cacheDir = join(location.models, 'training-features');
      const progress = (what: string) => (done: number, total: number) => { if (done === total || done % 100 === 0) log(`${what} ${done}/${total}`); };
      let pairs: PairFeatures[];
      let data: Record<string, unknown>;
      if (values.dataset) {
        let ds = await loadDataset(resolve(values.dataset));
        let excluded = 0;
        if (values.exclude) {
          // Both are proxies of one library: drop the training references the benchmark also uses.
          const benchmark = await proxyReferenceFiles(resolve(values.exclude));
          const sources = await proxySources(resolve(values.dataset));
          const keep = new Set(ds.items.filter((it) => !benchmark.has(sources.get(it.id) ?? '')).map((it) => it.id));
          excluded = ds.items.length - keep.size;
          ds = { ...ds, items: ds.items.filter((it) => keep.has(it.id)), queries: ds.queries.filter((q) => keep.has(q.itemId)) };
        }
        pairs = await datasetPairs(model, recipe, ds, { augmentedCopies: augment, cacheDir, onProgress: progress('features') });
        data = { origin: 'dataset', dataset: ds.name, excludedReferences: excluded };
      } else {
        pairs = await personalPairs(store!, model, recipe, { augmentedCopies: augment, onProgress: progress('pairs') });
        data = { origin: 'personal pairs' };
      }
      if (pairs.length < 2) throw new EngineError('invalid-argument', `only ${pairs.length} training pair${pairs.length === 1 ? '' : 's'}; teach a few more imitations first`);
      let general: RunInput['general'];
      if (values.general) {
        const ds = await loadDataset(resolve(values.general));
        general = { name: ds.name, set: await datasetRetrievalSet(model, recipe, ds, { cacheDir, onProgress: progress('benchmark') }) };
      }
      const id = values.id ?? `heads-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
      const generalTolerance = values['general-tolerance'] === undefined ? undefined : Number(values['general-tolerance']);
      if (generalTolerance !== undefined && !(generalTolerance >= 0)) throw new UsageError('--general-tolerance needs an MRR difference of 0 or more');
      const input: RunInput = { id, name: values.name ?? id, start, pairs, config, general, retain: general?.set, generalTolerance, data: { ...data, augmentedCopies: augment } };
      const checkpointFile = join(location.models, `training-${id}.checkpoint`);
      const resume = values.resume ? await readRunCheckpoint(checkpointFile) : undefined;
      log(`training ${id}: ${pairs.length} pairs, ${new Set(pairs.map((p) => p.reference)).size} reference sounds, features ${recipeId(recipe)} (${featureExtractor(recipe).dimension}-d)${resume ? `, resuming after epoch ${(resume.trainer?.epoch ?? -1) + 1}` : ''}`);
      const job = startTrainingRun(input, {
        checkpointFile,
        resume,
        onProgress: (p) => {
          const phase = p.phase.kind === 'fold' ? `fold ${p.phase.fold + 1}/${p.phase.folds}` : p.phase.kind;
          const step = Number.isFinite(p.loss) ? `epoch ${p.epoch + 1}/${p.epochs} loss ${p.loss.toFixed(4)}` : 'personal map fitted';
          log(`${phase} ${step}${p.validationMrr !== undefined ? ` held-out MRR ${p.validationMrr.toFixed(4)}` : ''}`);
        },
      });
      const release = cancelOnInterrupt(() => job.cancel());
      let result: RunResult;
      try {
        result = await job.result;
      } finally {
        release();
      }
      if (values.out) await writeFile(resolve(values.out), encodeModelVersion(result.version));
      if (store && (values.save || values.pairs)) saveModelVersion(store, result.version);
      report(io, result, Boolean(values.json));
      if (store && values.activate) {
        if (!result.accepted) {
          log(`${result.version.id} is kept but not activated: it did not measure better (${result.reason})`);
        } else {
          const v = activateModelVersion(store, result.version.id);
          const n = await reembedLibrary(store, v, { onProgress: (done, total) => { if (done === total) log(`re-embedded ${done}/${total} sounds`); } });
          log(`${v.id} is the library's model now; ${n} sounds re-embedded from cached features`);
        }
      }
      return 0;
    } finally {
      await model.close();
      store?.close();
    }
  },
};

/** `vimsketch` / `qvim-dev` name a dataset fetched into the data folder (a folder of that name wins). */
async function fetchedDataset(value: string, datasetsDir: string): Promise<{ id: string; root: string } | undefined> {
  if (!DATASETS.some((d) => d.id === value) || existsSync(resolve(value))) return undefined;
  const status = (await listDatasets(datasetsDir)).find((d) => d.id === value)!;
  if (status.state !== 'present' || !status.root) {
    throw new EngineError('not-found', `${status.name} is not in the data folder${status.state === 'partial-download' ? ' (its download was cut off)' : ''}; get it with: onomato datasets fetch ${value}`, { file: status.folder });
  }
  return { id: value, root: status.root };
}

function startVersion(from: string | undefined, store: LibraryStore | undefined): ModelVersion {
  if (from === undefined || from === 'default') {
    const d = defaultModelVersion();
    return d.features && recipeId(d.features) === recipeId(DEFAULT_FEATURES) ? d : baseModelVersion(DEFAULT_FEATURES);
  }
  if (from === 'zero-shot') return baseModelVersion(DEFAULT_FEATURES);
  if (!store) throw new UsageError('--from <version> needs the library');
  return loadModelVersion(store, from);
}

function report(io: CliIo, r: RunResult, json: boolean): void {
  if (json) {
    io.stdout.write(`${JSON.stringify({ id: r.version.id, status: r.version.status, accepted: r.accepted, reason: r.reason, metrics: r.metrics, history: r.history }, null, 1)}\n`);
    return;
  }
  const f = (x: number) => x.toFixed(4);
  const rows = [`| measure | before | after |`, `|---|---|---|`];
  rows.push(`| held-out MRR (${r.metrics.heldOut.scheme}, ${r.metrics.heldOut.pairs} pairs) | ${f(r.metrics.heldOut.before)} | ${f(r.metrics.heldOut.after)} |`);
  if (r.metrics.general) rows.push(`| ${r.metrics.general.name} MRR | ${f(r.metrics.general.before)} | ${f(r.metrics.general.after)} |`);
  io.stdout.write(`${rows.join('\n')}\n\n${r.version.id}: ${r.version.status} (${r.reason})\n`);
}
