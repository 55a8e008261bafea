import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { AUDIO_EXTENSIONS } from '../audio/decode.ts';
import { errorSentence } from '../../contract/errors.ts';
import { EngineError } from '../errors.ts';
import { isWithin } from '../paths.ts';
import { RateEstimator } from '../jobs/rate.ts';
import { Job, type JobControl, type JobRecorder } from '../jobs/job.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { encodeModelVersion } from '../model-version/model-file.ts';
import { DEFAULT_ANALYSIS, type AnalysisSettings } from './analyse.ts';
import { analyseEach, AnalysisPool, type AnalysisOutcome } from './analysis-pool.ts';
import { applyScanPlan, planScan, type RootOnDisk } from './scan-plan.ts';
import { scanFolder } from './scanner.ts';
import type { JobRecord, LibraryStore } from './store.ts';

export const AUDIO_EXTENSION_SET: ReadonlySet<string> = new Set(AUDIO_EXTENSIONS.map((e) => `.${e}`));

/** The reference model the library is indexed with: a model version in the store plus its ONNX file. */
export interface IndexModel {
  versionId: string;
  onnxPath: string;
  /** The version's features and heads; without it the backbone embedding is the search vector. */
  version?: ModelVersion;
}

export interface IndexOptions {
  store: LibraryStore;
  model: IndexModel;
  /** Folders to add to the library before scanning; with none, every library folder is scanned. */
  folders?: string[];
  /** Scan only these existing roots (by path) instead of all of them. */
  only?: string[];
  workers?: number;
  providers?: string[];
  analysis?: Partial<AnalysisSettings>;
}

export interface IndexProgress {
  phase: 'scanning' | 'analysing';
  /** Files analysed (or failed) in this run, out of `total` to analyse. */
  done: number;
  total: number;
  filesPerSec: number;
  etaSec: number | null;
  current: string | null;
  /** The sound just committed (indexed or failed): call LibrarySearch.refresh on it to search it at once. */
  lastSoundId: number | null;
  indexed: number;
  failed: number;
}

export interface IndexSummary {
  roots: string[];
  found: number;
  added: number;
  changed: number;
  moved: number;
  deleted: number;
  unchanged: number;
  skipped: number;
  indexed: number;
  failed: number;
  /** Files handed to a decoder in this run (unchanged and moved files cost none). */
  decoded: number;
  failures: { path: string; kind: string; reason: string }[];
  /** Sounds whose vectors appeared, changed or went away in this run (what a search index must refresh). */
  touchedSoundIds: number[];
  unreadable: { path: string; reason: string }[];
  unavailable: { path: string; reason: string }[];
  workers: number;
  provider: string;
  elapsedMs: number;
}

export type IndexJob = Job<IndexProgress, IndexSummary>;

/**
 * Brings the library up to date with the disk: adds the given folders, scans every root,
 * applies what changed (moves without decoding), then analyses each pending file on a worker
 * pool. The main thread is the only writer; each file is committed in one transaction as it
 * finishes, so killing the process at any instant leaves every file fully indexed or pending,
 * and the next run continues with the pending ones. Per-file failures are recorded and never
 * stop the run.
 */
export function startIndexing(options: IndexOptions): IndexJob {
  const { store } = options;
  try {
    store.markInterruptedJobs();
  } catch {
    // bookkeeping only; a full disk is reported by the run itself
  }
  const folders = (options.folders ?? []).map((f) => resolve(f));
  // A write that fails anywhere in the run (a full disk) ends it with a sentence naming the folder to free.
  const body = (control: JobControl<IndexProgress>) => runIndexing(options, folders, control).catch((err: unknown) => { throw store.describeError(err); });
  const config = { folders, model: options.model.versionId, workers: options.workers ?? null, analysis: options.analysis ?? {} };
  // One process at a time scans a library: two CLI runs decoded every file twice. The claim is
  // the job's record; the loser's job fails at once with 'busy' and a sentence (never a throw here,
  // which a watcher's timer would turn into a crash).
  let claimed: JobRecord | undefined;
  try {
    claimed = store.claimScan(config);
  } catch (err) {
    if (err instanceof EngineError && err.kind === 'busy') return new Job<IndexProgress, IndexSummary>('scan', () => Promise.reject(err));
    // bookkeeping that cannot be written (a full disk): the run itself says why
  }
  const recorder: JobRecorder = claimed
    ? { createJob: () => claimed, updateJob: (id, patch) => store.updateJob(id, patch) }
    : store;
  return new Job<IndexProgress, IndexSummary>('scan', body, { recorder, config });
}

async function runIndexing(options: IndexOptions, folders: string[], control: JobControl<IndexProgress>): Promise<IndexSummary> {
  const { store, model } = options;
  const started = Date.now();
  const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS, ...options.analysis };
  for (const f of folders) addLibraryFolder(store, f);
  const only = options.only?.map((p) => resolve(p));
  const roots = store.roots().filter((r) => (only ? only.includes(r.path) : folders.length === 0 || folders.some((f) => isWithin(r.path, f))));

  const progress: IndexProgress = { phase: 'scanning', done: 0, total: 0, filesPerSec: 0, etaSec: null, current: null, lastSoundId: null, indexed: 0, failed: 0 };
  control.report({ ...progress });
  const onDisk: RootOnDisk[] = [];
  // A library folder around the data folder (the home folder, say) must not index takes and renders.
  const ownFolders = store.dataFolder ? [store.dataFolder] : [];
  for (const r of roots) {
    await control.checkpoint();
    progress.current = r.path;
    control.report({ ...progress });
    try {
      onDisk.push({ rootId: r.id, path: r.path, scan: await scanFolder(r.path, AUDIO_EXTENSION_SET, control.signal, ownFolders) });
    } catch (err) {
      const e = EngineError.from(err, r.path);
      if (e.kind === 'cancelled') throw e;
      onDisk.push({ rootId: r.id, path: r.path, error: e });
    }
  }
  await control.checkpoint();
  const plan = await planScan(store, onDisk, model.versionId);
  await applyScanPlan(store, plan);
  const scannedAt = Date.now();
  for (const r of onDisk) if (r.scan) store.markRootScanned(r.rootId, scannedAt);

  const pending = store.pendingSounds(onDisk.filter((r) => r.scan).map((r) => r.rootId));
  const summary: IndexSummary = {
    roots: roots.map((r) => r.path),
    found: onDisk.reduce((n, r) => n + (r.scan?.files.length ?? 0), 0),
    added: plan.added.length, changed: plan.changed.length, moved: plan.moved.length, deleted: plan.deleted.length,
    unchanged: plan.unchanged, skipped: plan.skipped, indexed: 0, failed: 0, decoded: 0, failures: [],
    touchedSoundIds: [],
    unreadable: plan.unreadable, unavailable: plan.unavailable, workers: 0, provider: 'none', elapsedMs: 0,
  };
  const touched = new Set<number>([...plan.deleted.map((d) => d.id), ...plan.changed.map((c) => c.id)]);
  progress.phase = 'analysing';
  progress.total = pending.length;
  progress.current = null;
  control.report({ ...progress });

  if (pending.length > 0) {
    const pool = await AnalysisPool.start(model.onnxPath, settings, {
      workers: Math.min(options.workers ?? availableParallelism(), pending.length), providers: options.providers,
      version: model.version && encodeModelVersion(model.version),
    });
    summary.workers = pool.size;
    summary.provider = pool.provider;
    const rate = new RateEstimator();
    /** Writes one file's outcome; a result the store refuses (not finite numbers) is recorded as that file's failure. */
    const commit = (p: { id: number; path: string }, outcome: AnalysisOutcome): void => {
      let error = outcome.ok ? undefined : outcome.error;
      if (outcome.ok) {
        try {
          store.commitAnalysed({ ...outcome.analysis, soundId: p.id, modelId: model.versionId });
          summary.indexed++;
          return;
        } catch (err) {
          if (!(err instanceof EngineError && err.kind === 'corrupt')) throw err;
          error = err.toJSON();
        }
      }
      // The file is the row's own; an error about another file keeps that file in its sentence.
      const reason = error!.file && error!.file !== p.path ? errorSentence(error!) : error!.message;
      store.commitFailed(p.id, { kind: error!.kind, message: reason });
      summary.failed++;
      summary.failures.push({ path: p.path, kind: error!.kind, reason });
    };
    try {
      await analyseEach(pool, pending, control, (p, outcome) => {
        commit(p, outcome);
        touched.add(p.id);
        progress.done++;
        progress.current = p.path;
        progress.lastSoundId = p.id;
        progress.indexed = summary.indexed;
        progress.failed = summary.failed;
        const estimate = rate.update(progress.done, progress.total);
        progress.filesPerSec = estimate.ratePerSec;
        progress.etaSec = estimate.etaSec;
        control.report({ ...progress });
      }, (err) => store.describeError(err), () => { summary.decoded++; });
    } finally {
      await pool.close();
    }
    await control.checkpoint();
  }
  progress.current = null;
  control.report({ ...progress });
  summary.touchedSoundIds = [...touched];
  summary.elapsedMs = Date.now() - started;
  return summary;
}

/**
 * Adds a folder to the library. A folder inside one already there adds nothing (it is scanned
 * with its parent); a folder around existing ones takes their sounds over, so nothing is indexed twice.
 */
export function addLibraryFolder(store: LibraryStore, folder: string): { rootId: number; added: boolean } {
  const path = resolve(folder);
  const roots = store.roots();
  const parent = roots.find((r) => isWithin(r.path, path));
  if (parent) return { rootId: parent.id, added: false };
  return store.transaction(() => {
    const root = store.addRoot(path);
    const children = roots.filter((r) => isWithin(path, r.path));
    if (children.length) store.adoptRoots(children.map((c) => c.id), root.id);
    return { rootId: root.id, added: true };
  });
}
