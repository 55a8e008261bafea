import { availableParallelism } from 'node:os';
import { errorSentence } from '../../contract/errors.ts';
import { EngineError } from '../errors.ts';
import { Job, type JobControl } from '../jobs/job.ts';
import { RateEstimator } from '../jobs/rate.ts';
import { ensureModel, type BuiltModel, type EnsureOptions } from '../model/backbone.ts';
import { baseModelVersion, type ModelVersion } from '../model-version/heads.ts';
import { encodeModelVersion } from '../model-version/model-file.ts';
import { defaultModelVersion } from '../model-version/versions.ts';
import { DEFAULT_ANALYSIS, type AnalysisSettings } from './analyse.ts';
import { analyseEach, AnalysisPool } from './analysis-pool.ts';
import { registerBackbone } from './library-model.ts';
import { listModelVersions, loadModelVersion, saveModelVersion } from './model-versions.ts';
import type { LibraryStore } from './store.ts';

/**
 * Switching the library to another backbone: every sound is analysed again through the new
 * backbone's reference tower (and the heads of a model version made for it), as a job with
 * progress, pause and cancel. The new vectors are written beside the ones search uses, so search
 * keeps answering with the previous model until the new one covers the whole library; then the
 * new version becomes the library's in one transaction. A killed switch keeps every sound it
 * finished: the next one (the app resumes it by itself) analyses only the sounds still missing.
 */

/** The backbone to switch to and the model version (heads over its features) the library will search with. */
export interface SwitchTarget {
  built: BuiltModel;
  version: ModelVersion;
}

/** Kind of the switch's durable job record; its config names the backbone and the version. */
export const BACKBONE_JOB = 'backbone';

/**
 * The backbone built (downloaded first for a catalogue entry not on this machine) and the version
 * the library will use over it: the one asked for, which must read that backbone's features (heads
 * are never applied to another backbone's); else the shipped default when it reads this backbone;
 * else the newest accepted version trained over it; else the backbone as it comes (identity heads
 * over its embedding: a two-tower checkpoint's towers are then the whole model, as in the QVIM
 * baseline). The version is saved in the library, not activated.
 */
export async function switchTarget(store: LibraryStore, modelsDir: string, backboneId: string, options: EnsureOptions & { versionId?: string } = {}): Promise<SwitchTarget> {
  const built = await ensureModel(modelsDir, { ...options, id: backboneId });
  registerBackbone(store, built);
  const version = chooseVersion(store, built, options.versionId);
  if (!store.modelVersion(version.id)) saveModelVersion(store, version);
  return { built, version };
}

function chooseVersion(store: LibraryStore, built: BuiltModel, versionId: string | undefined): ModelVersion {
  if (versionId) {
    const v = loadModelVersion(store, versionId);
    if (v.features.backbone !== built.id) {
      throw new EngineError('forbidden', `model "${v.id}" reads the ${v.features.backbone} backbone, not ${built.id}; its heads are never applied to another backbone's features`);
    }
    return v;
  }
  const shipped = defaultModelVersion();
  if (shipped.features.backbone === built.id) return shipped;
  const trained = listModelVersions(store).filter((v) => v.status === 'accepted').sort((a, b) => b.createdAt - a.createdAt)
    .map((v) => loadModelVersion(store, v.id)).find((v) => v.features.backbone === built.id);
  if (trained) return trained;
  const untrained = baseModelVersion({ backbone: built.id, backboneSize: built.embeddingSize, parts: [{ name: 'backbone', weight: 1 }] }, `untrained-${built.id}`);
  return { ...untrained, name: `${built.id} as it comes (no trained heads)` };
}

export interface SwitchProgress {
  phase: 'analysing' | 'swapping' | 'done';
  backbone: string;
  versionId: string;
  /** Sounds that have the new model's vectors (those of an earlier, interrupted switch included), of `total` searchable sounds. */
  done: number;
  total: number;
  failed: number;
  filesPerSec: number;
  etaSec: number | null;
  current: string | null;
}

export interface SwitchSummary {
  backbone: string;
  versionId: string;
  /** Sounds analysed in this run. */
  analysed: number;
  /** Sounds an earlier switch to the same version had already analysed. */
  carriedOver: number;
  failures: { path: string; reason: string }[];
  elapsedMs: number;
}

export type BackboneSwitchJob = Job<SwitchProgress, SwitchSummary>;

export interface SwitchOptions {
  store: LibraryStore;
  target: SwitchTarget;
  workers?: number;
  providers?: string[];
  analysis?: Partial<AnalysisSettings>;
  /**
   * Puts the new model in use once every sound has its vectors: by default the store's switch
   * alone; the app first builds the new index and opens the new towers, then switches both with the store.
   */
  swap?: () => Promise<void>;
}

export function startBackboneSwitch(options: SwitchOptions): BackboneSwitchJob {
  const { store, target } = options;
  try {
    store.markInterruptedJobs();
  } catch {
    // bookkeeping only; a full disk is reported by the run itself
  }
  const config = { backbone: target.built.id, version: target.version.id };
  const body = (control: JobControl<SwitchProgress>) => runSwitch(options, control).catch((err: unknown) => { throw store.describeError(err); });
  return new Job<SwitchProgress, SwitchSummary>(BACKBONE_JOB, body, { recorder: store, config });
}

async function runSwitch(options: SwitchOptions, control: JobControl<SwitchProgress>): Promise<SwitchSummary> {
  const { store, target } = options;
  const started = Date.now();
  const versionId = target.version.id;
  const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS, ...options.analysis };
  const failures = new Map<number, { path: string; reason: string }>();
  const missing = () => store.soundsWithoutEmbeddings(versionId).filter((s) => !failures.has(s.id));
  let todo = missing();
  // The indexed sounds alone (counts() would also count every window and tag, on the engine's thread).
  const carriedOver = store.countMatching({}) - todo.length;
  const progress: SwitchProgress = {
    phase: 'analysing', backbone: target.built.id, versionId, done: carriedOver, total: carriedOver + todo.length,
    failed: 0, filesPerSec: 0, etaSec: null, current: null,
  };
  control.report({ ...progress });
  let analysed = 0;
  let pool: AnalysisPool | undefined;
  try {
    const rate = new RateEstimator();
    // Sounds a scan added or changed while the switch ran are missing too: go on until none is.
    while (todo.length > 0) {
      pool ??= await AnalysisPool.start(target.built.towers.reference, settings, {
        workers: Math.min(options.workers ?? availableParallelism(), todo.length), providers: options.providers,
        version: encodeModelVersion(target.version),
      });
      await analyseEach(pool, todo, control, (sound, outcome) => {
        if (outcome.ok) {
          const a = outcome.analysis;
          // A file that changed since its scan is left to the scan, which analyses it again with the model then in use.
          if (!store.putReanalysed(sound.id, versionId, a.contentHash, a.windows, a.features)) {
            failures.set(sound.id, { path: sound.path, reason: 'it changed since the library last scanned it; the next scan analyses it again' });
          }
        } else {
          failures.set(sound.id, { path: sound.path, reason: errorSentence(outcome.error) });
        }
        analysed++;
        progress.done++;
        progress.failed = failures.size;
        progress.current = sound.path;
        const estimate = rate.update(analysed, progress.total - carriedOver);
        progress.filesPerSec = estimate.ratePerSec;
        progress.etaSec = estimate.etaSec;
        control.report({ ...progress });
      }, (err) => store.describeError(err));
      todo = missing();
      progress.total = progress.done + todo.length;
    }
  } finally {
    await pool?.close();
  }
  await control.checkpoint();
  progress.phase = 'swapping';
  progress.current = null;
  control.report({ ...progress });
  await (options.swap ?? (async () => store.switchModel(versionId)))();
  // Sounds the new model could not read are out of search until a scan analyses them again with it.
  if (failures.size) store.markPending([...failures.keys()]);
  progress.phase = 'done';
  control.report({ ...progress });
  return { backbone: target.built.id, versionId, analysed, carriedOver, failures: [...failures.values()], elapsedMs: Date.now() - started };
}
