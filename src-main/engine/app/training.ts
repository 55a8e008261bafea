import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventBus } from '../../contract/events.ts';
import type { Job as JobView, ModelVersionView, TrainConfig } from '../../contract/schema.ts';
import { EngineError } from '../errors.ts';
import { loadDataset } from '../evaluation/datasets.ts';
import { Job } from '../jobs/job.ts';
import { RateEstimator, type RateEstimate } from '../jobs/rate.ts';
import type { LibraryStore, PairOrigin, TrainingCurvePoint } from '../library/store.ts';
import { isWithin, type DataPaths } from '../paths.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { datasetRetrievalSet } from '../training/pair-features.ts';
import { personalPairs } from '../training/personal-pairs.ts';
import { PERSONAL_MAP_MAX_PAIRS } from '../training/personal-map.ts';
import { readRunCheckpoint, startTrainingRun } from '../training/run-job.ts';
import type { RunInput, RunProgress } from '../training/run.ts';
import { activateModelVersion, exportModelVersion, importModelVersion, listModelVersions, loadModelVersion, reembedLibrary, saveModelVersion } from '../library/model-versions.ts';
import type { Jobs } from './jobs.ts';
import type { Library } from './library.ts';
import type { Takes } from './takes.ts';

/**
 * Fine-tuning on the user's own imitations, and the model versions it makes. A run trains in a
 * worker; an accepted run becomes the active version (the library is re-embedded from cached
 * features, no decoding); a run that measured worse is kept as a record and not activated.
 */
export class Training {
  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly events: EventBus,
    private readonly jobs: Jobs,
    private readonly library: Library,
    private readonly takes: Takes,
  ) {}

  /**
   * Imports a dataset's imitation -> reference pairs (VimSketch, QVIM DEV or plain CSV layouts):
   * its reference folder joins the library (indexed like any folder), each imitation is kept as a
   * take, and each pair is recorded with origin 'dataset'.
   */
  importPairs(datasetDir: string): Promise<JobView> {
    return loadDataset(datasetDir).then((ds) => {
      const job = new Job<{ done: number; total: number; message: string }, number>('import', async (control) => {
        const folders = [...new Set(ds.items.map((it) => dirname(it.path)))];
        control.report({ done: 0, total: ds.queries.length, message: `Indexing the ${ds.items.length} reference sounds of ${ds.name}…` });
        for (const folder of commonFolders(folders)) await this.library.indexFolder(folder);
        const items = new Map(ds.items.map((it) => [it.id, it]));
        let done = 0;
        for (const q of ds.queries) {
          await control.checkpoint();
          const sound = this.store.soundByPath(items.get(q.itemId)!.path);
          if (sound?.status === 'indexed') {
            const take = await this.takes.importPath(q.path);
            this.store.addPair(take.id, sound.id, 'dataset');
          }
          control.report({ done: ++done, total: ds.queries.length, message: `Imported ${done} of ${ds.queries.length} imitations` });
        }
        return done;
      }, { recorder: this.store, config: { dataset: ds.root } });
      return this.jobs.track(job, 'import', (p) => ({ done: p.done, total: p.total, ratePerSec: 0, etaSec: null, current: null, message: p.message }));
    });
  }

  /**
   * The general benchmark every personal run is measured on before and after: a dataset the
   * user keeps at <data>/benchmarks/general (e.g. `onomato proxy <library> <data>/benchmarks/general`).
   */
  private get generalBenchmarkDir(): string {
    return join(this.paths.root, 'benchmarks', 'general');
  }

  versions(): ModelVersionView[] {
    const pairs = this.store.pairs().length;
    return listModelVersions(this.store).map((s) => {
      const v = loadModelVersion(this.store, s.id);
      return {
        id: s.id,
        name: s.name,
        createdAt: new Date(s.createdAt).toISOString(),
        active: s.active,
        state: s.status === 'base' ? 'base' : s.status === 'rejected' ? 'rejected' : 'trained',
        metrics: versionMetrics(s.metrics),
        curve: this.store.trainingCurve(s.id),
        decision: typeof s.metrics.decision === 'string' ? s.metrics.decision : null,
        pairs: Number((v.training.data as { pairs?: number } | undefined)?.pairs ?? pairs),
        backbone: v.features.backbone,
      };
    });
  }

  /** Makes a version the one search uses; a rejected one only when `force` says the user means it. */
  activate(versionId: string, opts: { force?: boolean } = {}): JobView {
    const version = activateModelVersion(this.store, versionId, opts);
    return this.reembed(version);
  }

  /** Re-embeds the library for a version from cached features, then points search at it. */
  private reembed(version: ModelVersion): JobView {
    const job = new Job<{ done: number; total: number }, number>('reembed', async (control) => {
      const n = await reembedLibrary(this.store, version, {
        signal: control.signal,
        onProgress: (done, total) => control.report({ done, total }),
      });
      control.report({ done: n, total: n });
      await this.library.useVersion(version);
      return n;
    }, { recorder: this.store, config: { version: version.id } });
    return this.jobs.track(job, 'reembed', (p) => ({ done: p.done, total: p.total, ratePerSec: 0, etaSec: null, current: version.id, message: `Re-embedding the library for ${version.name}` }));
  }

  async export(versionId: string): Promise<{ path: string }> {
    const path = join(this.paths.exports, `${versionId.replace(/[^\w.-]/g, '_')}.onomato-model`);
    await exportModelVersion(this.store, versionId, path);
    return { path };
  }

  async import(path: string): Promise<ModelVersionView> {
    const v = await importModelVersion(this.store, path);
    return this.versions().find((x) => x.id === v.id)!;
  }

  train(config: TrainConfig): JobView {
    if (this.jobs.running('training')) throw new EngineError('invalid-argument', 'A training run is already going; wait for it or cancel it.');
    // One personal run at a time, so one checkpoint: a run cancelled or cut off by a crash goes
    // on from its last finished epoch when training is started again.
    const checkpointFile = join(this.paths.models, 'training-personal.checkpoint');
    const fresh = `personal-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
    const origins = PAIR_ORIGINS[config.pairs];
    // Refused at once, so the form says why instead of a job that fails.
    const chosen = this.store.pairs().filter((p) => origins.includes(p.origin)).length;
    if (chosen < 2) throw new EngineError('invalid-argument', `Too few ${PAIR_WORDS[config.pairs]} to train on (${chosen}): ${config.pairs === 'dataset' ? 'import a dataset first, or train on all pairs' : 'mark a few more matches or teach a few imitations first'}.`);
    const job = new Job<{ done: number; total: number; message: string; unit: 'pairs' | 'epochs' } & RateEstimate, ModelVersion>('training', async (control) => {
      const model = await this.library.readyModel();
      const start = model.library.version;
      const recipe = start.features;
      const resume = await readRunCheckpoint(checkpointFile);
      const id = resume?.runId ?? fresh;
      const idle: RateEstimate = { ratePerSec: 0, etaSec: null };
      control.report({ done: 0, total: chosen, unit: 'pairs', message: resume ? `Resuming ${id}: features of ${chosen} pairs…` : `Features of ${chosen} pairs…`, ...idle });
      // Features are cached, so a second run goes through them quickly; the estimate follows.
      const featureRate = new RateEstimator({ settleAfter: 2 });
      const pairs = await personalPairs(this.store, model.pair.reference, recipe, {
        origins,
        augmentedCopies: config.augmentCopies,
        signal: control.signal,
        onProgress: (done, total) => control.report({ done, total, unit: 'pairs', message: `Features of ${done} of ${total} pairs`, ...featureRate.update(done, total) }),
      });
      if (pairs.length < 2) throw new EngineError('invalid-argument', `Only ${pairs.length} of the ${chosen} ${PAIR_WORDS[config.pairs]} still have their take and sound: mark a few more matches or teach a few imitations first.`);
      let general: RunInput['general'];
      if (existsSync(this.generalBenchmarkDir)) {
        const ds = await loadDataset(this.generalBenchmarkDir);
        general = { name: ds.name, set: await datasetRetrievalSet(model.pair.reference, recipe, ds, { cacheDir: join(this.paths.models, 'training-features') }) };
      }
      // Runs are held close to where they start (see models/heads/*.md). A personal set adapts the
      // imitation head by a closed-form map on top of it, chosen by cross-validation on the pairs
      // (training/personal-map.ts; gradient steps from 20 pairs made a new voice worse,
      // models/heads/fusion-lofo-v3.md); by gradient once the pairs are a dataset, or when the
      // sounds' side is to adapt too.
      const adaptation = config.adaptation === 'personal-map' && config.head !== 'both' && pairs.length <= PERSONAL_MAP_MAX_PAIRS ? 'personal-map' : 'gradient';
      const input: RunInput = {
        // The map keeps to settings that leave the general benchmark within its tolerance.
        id, name: config.name ?? id, start, pairs, general, retain: general?.set,
        config: { adaptation, epochs: config.epochs, temperature: config.temperature, learningRate: config.learningRate, weightDecay: config.weightDecay, regularisation: Math.max(config.towardBase, 1), trainReference: config.head === 'both' },
        data: { origin: PAIR_WORDS[config.pairs], pairs: pairs.length, augmentedCopies: config.augmentCopies, head: config.head },
      };
      let epochs = 0;
      // The panel shows the last pass only (hold-out or final); k-fold passes before it are timed
      // out of its rate. Epochs are alike, so one finished epoch already gives a fair estimate;
      // a resumed run counts only the epochs this process trained.
      const rate = new RateEstimator({ settleAfter: 1 });
      let firstEpoch: number | undefined;
      let estimate = idle;
      control.report({ done: 0, total: config.epochs, unit: 'epochs', message: 'Training…', ...idle });
      const run = startTrainingRun(input, {
        checkpointFile,
        resume,
        onProgress: (p) => {
          if (p.phase.kind === 'fold') return rate.mark();
          if (firstEpoch === undefined) {
            firstEpoch = p.epoch;
            rate.nextPhase();
          }
          epochs++;
          estimate = rate.update(p.epoch - firstEpoch + 1, p.epochs - firstEpoch);
          // A closed-form personal map has no loss curve: one point per phase, no epochs.
          if (!Number.isFinite(p.loss)) return control.report({ done: config.epochs, total: config.epochs, unit: 'epochs', message: 'Personal map fitted', ...estimate });
          this.events.emit('train.curve', { jobId: job.id ?? 0, point: { epoch: epochs, loss: p.loss, validationMrr: p.validationMrr ?? null } });
          control.report({ done: p.epoch + 1, total: p.epochs, unit: 'epochs', message: `${p.phase.kind} epoch ${p.epoch + 1}/${p.epochs}, loss ${p.loss.toFixed(3)}`, ...estimate });
        },
      });
      control.signal.addEventListener('abort', () => run.cancel(), { once: true });
      const result = await run.result;
      saveModelVersion(this.store, result.version);
      this.store.putTrainingCurve(result.version.id, versionCurve(result.history));
      if (result.accepted) {
        activateModelVersion(this.store, result.version.id);
        this.reembed(result.version);
      }
      control.report({ done: config.epochs, total: config.epochs, unit: 'epochs', message: `${result.accepted ? 'Activated' : 'Kept but not activated'}: ${result.reason}`, ...estimate });
      return result.version;
    }, { recorder: this.store, config: { ...config } });
    return this.jobs.track(job, 'training', (p) => ({ done: p.done, total: p.total, ratePerSec: p.ratePerSec, etaSec: p.etaSec, current: null, message: p.message, unit: p.unit }));
  }
}

/**
 * The curve a version keeps: the loss of the pass its heads come from, by epoch, and the held-out
 * MRR by epoch. A small personal set is measured by k-fold and its final pass holds nothing out,
 * so there the MRR at each epoch is the folds' mean (what the version's held-out MRR averages).
 */
function versionCurve(history: readonly RunProgress[]): TrainingCurvePoint[] {
  // A closed-form personal map reports no loss (NaN): it has no curve to keep.
  const shipped = history.filter((p) => p.phase.kind !== 'fold' && Number.isFinite(p.loss));
  const folds = history.filter((p) => p.phase.kind === 'fold' && p.validationMrr !== undefined);
  return shipped.map((p, i) => {
    const atEpoch = folds.filter((f) => f.epoch === p.epoch).map((f) => f.validationMrr!);
    const foldMean = atEpoch.length ? atEpoch.reduce((a, b) => a + b, 0) / atEpoch.length : null;
    return { epoch: i + 1, loss: p.loss, validationMrr: p.validationMrr ?? foldMean };
  });
}

/** The Train form's Pairs choice as the pairs' origins. */
const PAIR_ORIGINS: Record<TrainConfig['pairs'], readonly PairOrigin[]> = {
  all: ['match', 'teach', 'dataset'],
  personal: ['match', 'teach'],
  dataset: ['dataset'],
};
const PAIR_WORDS: Record<TrainConfig['pairs'], string> = { all: 'training pairs', personal: 'pairs of your own', dataset: 'imported pairs' };

/** The numbers the panel shows first (held-out and general MRR, before and after), then the rest. */
function versionMetrics(metrics: Record<string, unknown>): Record<string, number> {
  const all = flattenNumbers(metrics);
  const named: Record<string, number> = {};
  const pick = (name: string, key: string) => { if (all[key] !== undefined) named[name] = all[key]; };
  pick('personalMrr', 'heldOut.after');
  pick('personalMrrBefore', 'heldOut.before');
  pick('generalMrr', 'general.after');
  pick('generalMrrBefore', 'general.before');
  return { ...named, ...all };
}

/** The fewest folders that contain all of these (a folder inside another is covered by it). */
function commonFolders(folders: string[]): string[] {
  const sorted = [...folders].sort();
  return sorted.filter((f, i) => !sorted.slice(0, i).some((g) => isWithin(g, f)));
}

function flattenNumbers(value: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof value === 'number' && Number.isFinite(value)) out[prefix || 'value'] = value;
  else if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}
