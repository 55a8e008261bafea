import { statSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import type { EventBus } from '../../contract/events.ts';
import type { Folder as FolderView, Job as JobView, Match, Root, SearchFilters, SearchResult, Sound as SoundView, SoundSort as SoundSortView } from '../../contract/schema.ts';
import { loadMono32k } from '../audio/decode.ts';
import { EngineError } from '../errors.ts';
import { BACKBONE_JOB, startBackboneSwitch, switchTarget, type BackboneSwitchJob, type SwitchTarget } from '../library/backbone-switch.ts';
import { addLibraryFolder, startIndexing, type IndexJob } from '../library/indexer.ts';
import { FolderWatcher } from '../library/watcher.ts';
import { prepareLibraryModel, type LibraryModel } from '../library/library-model.ts';
import { LibraryReader } from '../library/library-reader.ts';
import { LibrarySearch, type LibraryMatch } from '../library/search.ts';
import { nextTurn } from '../search/time-slice.ts';
import type { LibraryStore } from '../library/store.ts';
import type { LibraryCounts, Sound, SoundFilter, SoundMarks, Take } from '../library/types.ts';
import { analyseQuery } from '../library/analyse.ts';
import { hasTextTerms, parseSearchText } from '../library/text-query.ts';
import { applyHead, searchDimension, type ModelVersion } from '../model-version/heads.ts';
import { featureKey } from '../model-version/versions.ts';
import { openModelPair, type ModelPair } from '../model/runtime.ts';
import { isWithin, type DataPaths } from '../paths.ts';
import type { Jobs } from './jobs.ts';
import type { SettingsStore } from './settings.ts';

/** How often the app looks for commits by another process (the CLI) to the same database. */
const EXTERNAL_POLL_MS = 2000;

export interface ReadyModel {
  library: LibraryModel;
  pair: ModelPair;
}

/** Sounds deleted per transaction when a folder is removed. */
const REMOVE_SLICE = 250;

/** Sounds changed since the index's snapshot before a finished scan writes a new one. */
const SNAPSHOT_AFTER_CHANGES = 1000;

/**
 * The library as the app sees it: folders, scans (as tracked jobs), the model the library is
 * embedded with, and search. The vector index opens from its snapshot (or is built from the
 * store a page at a time) once the model is ready; until then search reads the database.
 * It follows the library's change log: a scan, a removed folder or the CLI costs only the
 * sounds that changed.
 */
export class Library {
  private readonly model: Promise<ReadyModel>;
  private modelProblem: string | null = null;
  private modelInfo: { id: string; provider: string; embeddingSize: number; backbone: string } | null = null;
  private index: LibrarySearch | null = null;
  private opening: Promise<LibrarySearch | null> | null = null;
  private scan: IndexJob | null = null;
  private backboneSwitch: BackboneSwitchJob | null = null;
  private readonly watcher: FolderWatcher;
  /** Folders that changed while a scan was running; scanned as soon as it ends. */
  private readonly changedWhileScanning = new Set<string>();
  /** Folders whose scan was refused because another process owned the library's scan; retried when it writes. */
  private readonly refusedAsBusy = new Set<string>();
  /** What another process (a CLI run) committed is looked for this often. */
  private readonly externalPoll: NodeJS.Timeout;
  private seenDataVersion: number;
  /** Library-wide sums and ranked text, answered off the engine's thread. */
  private readonly reader: LibraryReader;
  /** The folder whose sounds are being removed, a slice at a time. */
  private removing: number | null = null;

  constructor(
    private readonly store: LibraryStore,
    private readonly paths: DataPaths,
    private readonly events: EventBus,
    private readonly jobs: Jobs,
    private readonly settings: SettingsStore,
  ) {
    this.model = (async () => {
      const library = await prepareLibraryModel(store, paths.models);
      // One inference thread: the main process must stay responsive; the indexer has its own pool.
      const pair = await openModelPair(library.built, { threads: 1 });
      this.modelInfo = { id: library.versionId, provider: pair.reference.provider, embeddingSize: searchDimension(library.version), backbone: library.built.id };
      return { library, pair };
    })();
    this.model.then(() => this.resumeBackboneSwitch(), (err: unknown) => {
      this.modelProblem = `The model could not be built: ${EngineError.from(err).message}`;
    });
    // Sounds added, changed, moved or deleted on disk while the app runs are picked up by themselves.
    // What Onomato writes itself (the database, takes, renders) must never set off a rescan.
    this.watcher = new FolderWatcher(store.roots().map((r) => r.path), (roots) => void this.onDiskChange(roots), { ignore: [paths.root] });
    this.reader = new LibraryReader(store);
    this.seenDataVersion = store.dataVersion();
    this.externalPoll = setInterval(() => this.pickUpExternalChanges(), EXTERNAL_POLL_MS);
    this.externalPoll.unref();
  }

  /**
   * Sounds and folders another process committed (a CLI index run beside the app) become
   * searchable and watched without a restart: SQLite's data_version says that someone else wrote,
   * and the index catches up with the sounds the change log stamped since it last looked (added,
   * re-analysed or removed). A scan refused because the other process owned the library runs now.
   */
  private pickUpExternalChanges(): void {
    try {
      const version = this.store.dataVersion();
      if (version === this.seenDataVersion) return;
      this.seenDataVersion = version;
      const roots = this.store.roots().map((r) => r.path);
      for (const r of roots) this.watcher.add(r);
      for (const r of Object.keys(this.watcher.modes)) if (!roots.includes(r)) this.watcher.remove(r);
      void this.syncIndex().catch(() => undefined);
      this.events.emit('library.changed', { rootId: null });
      if (!this.scanning && this.refusedAsBusy.size) {
        const refused = [...this.refusedAsBusy];
        this.refusedAsBusy.clear();
        void this.onDiskChange(refused);
      }
    } catch {
      // a busy or full database: the next look tries again
    }
  }

  private async onDiskChange(roots: string[]): Promise<void> {
    if (this.scanning || this.switching) {
      for (const r of roots) this.changedWhileScanning.add(r);
      return;
    }
    await this.startScan({ only: roots }).catch(() => undefined);
  }

  private get scanning(): boolean {
    return this.scan !== null && (this.scan.state === 'running' || this.scan.state === 'paused');
  }

  private get switching(): boolean {
    return this.backboneSwitch !== null && (this.backboneSwitch.state === 'running' || this.backboneSwitch.state === 'paused');
  }

  /** The backbone the library's sounds are analysed with (null until the model is ready). */
  get backbone(): string | null {
    return this.modelInfo?.backbone ?? null;
  }

  get info(): { model: { id: string; provider: string; embeddingSize: number } | null; problem: string | null } {
    const model = this.modelInfo && { id: this.modelInfo.id, provider: this.modelInfo.provider, embeddingSize: this.modelInfo.embeddingSize };
    return { model, problem: this.modelInfo ? null : (this.modelProblem ?? 'The model is being prepared…') };
  }

  /** How many sounds, windows and tags the library holds (counted off the engine's thread). */
  counts(): Promise<LibraryCounts> {
    return this.reader.read('counts');
  }

  async roots(): Promise<Root[]> {
    return (await this.reader.read('rootSummaries')).map((r) => ({ id: r.id, path: r.path, sounds: r.sounds, failed: r.failed, bytes: r.bytes, addedAt: new Date(r.addedAt).toISOString() }));
  }

  async addRoot(path: string): Promise<{ root: Root; job: JobView }> {
    let isFolder = false;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (err) {
      const e = EngineError.from(err, path);
      // It was asked for as a folder: say so, not "the file does not exist".
      throw e.kind === 'not-found' ? new EngineError('not-found', 'this folder does not exist', { file: path }) : e;
    }
    if (!isFolder) throw new EngineError('invalid-argument', 'this is not a folder', { file: path });
    // The folder is in the library even when its scan has to wait (another process owns the scan).
    if (!this.scanning) addLibraryFolder(this.store, path);
    const job = await this.startScan({ folders: [path] });
    this.watcher.add(this.store.rootByPath(path)?.path ?? path);
    const roots = await this.roots();
    const root = roots.find((r) => r.path === this.store.rootByPath(path)?.path) ?? roots.find((r) => isWithin(r.path, path));
    if (!root) throw new EngineError('internal', 'the folder was not added', { file: path });
    return { root, job };
  }

  /** Adds a folder (if new), scans it, and resolves once its sounds are indexed. */
  async indexFolder(path: string): Promise<void> {
    if (this.scanning) await this.scan!.result.catch(() => undefined);
    await this.startScan({ folders: [path] });
    await this.scan!.result;
    this.watcher.add(this.store.rootByPath(path)?.path ?? path);
  }

  async removeRoot(rootId: number): Promise<void> {
    const root = this.store.roots().find((r) => r.id === rootId);
    if (!root) throw new EngineError('not-found', `Folder ${rootId} is not in the library.`);
    if (this.scanning) {
      this.scan!.cancel();
      await this.scan!.result.catch(() => undefined);
    }
    this.watcher.remove(root.path);
    // Its sounds go a slice at a time (about 10 ms each), giving way between slices; the folder
    // itself goes last, so a removal cut short leaves a smaller folder that can be removed again.
    if (this.removing !== null) throw new EngineError('busy', 'Another folder is being removed; try again once it is gone.');
    this.removing = rootId;
    try {
      for (let ids = this.store.soundIdsOfRoot(rootId, REMOVE_SLICE); ids.length; ids = this.store.soundIdsOfRoot(rootId, REMOVE_SLICE)) {
        this.store.deleteSounds(ids);
        await nextTurn();
      }
      this.store.removeRoot(rootId);
    } finally {
      this.removing = null;
    }
    await this.syncIndex();
    this.events.emit('library.changed', { rootId });
  }

  async rescan(rootId?: number): Promise<JobView> {
    const only = rootId === undefined ? undefined : this.store.roots().filter((r) => r.id === rootId).map((r) => r.path);
    if (only && only.length === 0) throw new EngineError('not-found', `Folder ${rootId} is not in the library.`);
    return this.startScan({ only });
  }

  private async startScan(target: { folders?: string[]; only?: string[] }): Promise<JobView> {
    if (this.scanning) throw new EngineError('invalid-argument', 'A scan is already running; wait for it or cancel it first.');
    // A scan now would find the folder half removed and add its files back.
    if (this.removing !== null) throw new EngineError('busy', 'A folder is being removed; scan again once it is gone.');
    if (this.switching) throw new EngineError('invalid-argument', 'The library is being analysed with another backbone; scan when that is done (or cancel it).');
    const { library } = await this.model;
    const job = startIndexing({ store: this.store, model: library, ...target, analysis: { hopSec: this.settings.get().windowHopSec } });
    this.scan = job;
    // Each sound becomes searchable the moment its transaction commits.
    job.on('progress', (p) => {
      // A listener must not throw inside the indexer's commit: catching up runs on its own, and a
      // failure costs at most this sound's place in the index until the next catch-up.
      if (p.lastSoundId !== null) void this.syncIndex().catch(() => undefined);
    });
    const finished = () => {
      void this.syncIndex().then(() => {
        if (this.index && this.index.unsaved >= SNAPSHOT_AFTER_CHANGES) void this.index.saveSnapshot().catch(() => undefined);
        this.events.emit('library.changed', { rootId: null });
        if (this.changedWhileScanning.size) {
          const roots = [...this.changedWhileScanning];
          this.changedWhileScanning.clear();
          void this.onDiskChange(roots);
        }
      });
    };
    job.result.then(finished, (err: unknown) => {
      if (EngineError.from(err).kind === 'busy') for (const r of target.only ?? target.folders ?? this.store.roots().map((x) => x.path)) this.refusedAsBusy.add(r);
      finished();
    });
    return this.jobs.track(job, 'scan', (p) => ({
      done: p.done, total: p.total, ratePerSec: p.filesPerSec, etaSec: p.etaSec, current: p.current,
      message: p.phase === 'scanning' ? 'Looking for sound files…' : `${p.indexed} indexed, ${p.failed} failed`,
    }));
  }

  /**
   * Opens the active version's index (from its snapshot when valid, else built from the store,
   * giving way between pages); calls made while it opens share it. A built index writes its
   * snapshot in the background, so the next start is fast.
   */
  private openIndex(): Promise<LibrarySearch | null> {
    this.opening ??= (async () => {
      try {
        const { library } = await this.model;
        const active = this.store.activeModelVersion();
        if (!active || !this.store.hasIndexedSounds()) return null;
        // Sounds indexed only with an older version (waiting to be analysed again) leave this one's
        // index empty for now, not missing: it fills as they are analysed.
        const dimension = active.id === library.versionId ? searchDimension(library.version) : undefined;
        const index = await LibrarySearch.open(this.store, { modelId: active.id, dimension });
        this.index = index;
        // Rows an older version stored with NaN in them are left out of search and analysed again by the next scan.
        if (index.unusable.length) this.store.markPending(index.unusable);
        if (index.source === 'database') void index.saveSnapshot().catch(() => undefined);
        return index;
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  /** Brings the index in line with the store's change log, or opens it when there is none yet. */
  private async syncIndex(): Promise<void> {
    if (this.index) await this.index.sync();
    else await this.openIndex();
  }

  readyModel(): Promise<ReadyModel> {
    return this.model;
  }

  /**
   * Search and new scans use this version from now on (its vectors must already be in the store).
   * With `backbone`, its towers replace the current ones too (takes through its imitation tower),
   * and `commit` records the switch in the store just before the swap.
   */
  async useVersion(version: ModelVersion, backbone?: { built: SwitchTarget['built']; pair: ModelPair; commit: () => void }): Promise<void> {
    const model = await this.model;
    // The new index is built while the old one keeps answering; both switch in one step.
    const index = this.store.hasIndexedSounds() ? await LibrarySearch.open(this.store, { modelId: version.id, dimension: searchDimension(version) }) : null;
    backbone?.commit();
    const previousPair = backbone ? model.pair : null;
    if (backbone) {
      model.pair = backbone.pair;
      model.library = { ...model.library, built: backbone.built, onnxPath: backbone.built.towers.reference };
    }
    model.library = { ...model.library, version, versionId: version.id };
    this.modelInfo = this.modelInfo && { ...this.modelInfo, id: version.id, embeddingSize: searchDimension(version), backbone: model.library.built.id };
    const previous = this.index;
    this.index = index;
    // Searches already queued on the old index finish first; then its helper thread stops.
    void previous?.close().then(() => previousPair?.close());
    if (index?.source === 'database') void index.saveSnapshot().catch(() => undefined);
    this.events.emit('library.changed', { rootId: null });
  }

  /**
   * Re-analyses the library with another backbone as a job (see library/backbone-switch.ts): search
   * keeps answering with the current model until every sound has the new one's vectors, then the
   * new index and towers take over in one step. `versionId` picks the heads (made for that backbone).
   */
  async useBackbone(backboneId: string, versionId?: string): Promise<JobView> {
    if (this.switching) throw new EngineError('invalid-argument', 'The library is already being analysed with another backbone; wait for it or cancel it first.');
    if (this.scanning) throw new EngineError('invalid-argument', 'A scan is running; switch the backbone when it is done (or cancel it).');
    const model = await this.model;
    const target = await switchTarget(this.store, this.paths.models, backboneId, { versionId });
    if (target.version.id === model.library.versionId) throw new EngineError('invalid-argument', `the library already searches with ${target.version.name} over ${target.built.id}`);
    const job = startBackboneSwitch({
      store: this.store, target, analysis: { hopSec: this.settings.get().windowHopSec },
      swap: async () => {
        // One inference thread, as at start: the main process must stay responsive.
        const pair = await openModelPair(target.built, { threads: 1 });
        await this.useVersion(target.version, { built: target.built, pair, commit: () => this.store.switchModel(target.version.id) });
      },
    });
    this.backboneSwitch = job;
    // Folders that changed meanwhile are scanned with the model in use once the switch ends.
    const finished = () => {
      if (!this.changedWhileScanning.size) return;
      const roots = [...this.changedWhileScanning];
      this.changedWhileScanning.clear();
      void this.onDiskChange(roots);
    };
    job.result.then(finished, finished);
    return this.jobs.track(job, 'backbone', (p) => ({
      done: p.done, total: p.total, ratePerSec: p.filesPerSec, etaSec: p.etaSec, current: p.current,
      message: p.phase === 'done' ? `The library searches with ${p.backbone} now${p.failed ? `; ${p.failed} sounds could not be read and wait for the next scan` : ''}`
        : p.phase === 'swapping' ? `Switching search to ${p.backbone}…`
        : `Analysing the library with ${p.backbone}; search uses the current model until every sound is done${p.failed ? ` (${p.failed} could not be read)` : ''}`,
    }));
  }

  /** A switch that a killed process left unfinished goes on where it stopped (its sounds so far are kept). */
  private resumeBackboneSwitch(): void {
    try {
      this.store.markInterruptedJobs();
      const last = this.store.jobs({ kind: BACKBONE_JOB, limit: 1 })[0];
      if (last?.state !== 'interrupted') return;
      const { backbone, version } = last.config as { backbone?: string; version?: string };
      if (backbone && version && !this.switching) void this.useBackbone(backbone, version).catch(() => undefined);
    } catch {
      // a busy or full database: the user can start the switch again
    }
  }

  /**
   * The model and the index, current with what is really in the database (another process may
   * have committed since the last look). While the index is still opening there is none: search
   * then reads the database directly.
   */
  private async ready(): Promise<{ model: ReadyModel; index: LibrarySearch | null }> {
    const model = await this.model;
    if (this.index) {
      await this.index.sync();
      return { model, index: this.index };
    }
    if (!this.opening) await this.openIndex();
    if (!this.index && !this.opening) throw new EngineError('not-found', 'The library has no indexed sounds yet: add a folder in the Library panel.');
    return { model, index: this.index };
  }

  /** The take's query vectors: its features are cached per recipe, so a re-run or a new version costs no decoding. */
  private async takeQueries(take: Take, model: ReadyModel): Promise<Float32Array[]> {
    const version = model.library.version;
    // A recorded take is an imitation; a dropped file is a sound to find the likes of.
    const kind = take.source === 'mic' ? 'imitation' : 'reference';
    const key = featureKey(version.features);
    const cached = this.store.takeFeatures(take.id, key);
    if (cached.length) return cached.map((w) => applyHead(version, kind, w.vector));
    const { samples } = await loadMono32k(take.wavPath, { maxSeconds: 60 });
    const { queries, features } = await analyseQuery(samples, model.pair, version, kind, this.settings.get().windowHopSec).catch((err: unknown) => {
      throw EngineError.from(err, take.wavPath);
    });
    this.store.putTakeFeatures(take.id, key, features);
    return queries;
  }

  async searchTake(take: Take, filters: SearchFilters | undefined, top = 50): Promise<SearchResult> {
    const started = performance.now();
    const { model, index } = await this.ready();
    const queries = await this.takeQueries(take, model);
    const options = { top, filter: toFilter(filters) };
    const modelId = model.library.versionId;
    const matches = index ? await index.searchWindows(queries, options) : await LibrarySearch.searchDatabase(this.store, modelId, queries, options);
    return this.result({ kind: 'take', takeId: take.id }, matches, filters, started, index, modelId);
  }

  async similar(soundId: number, filters: SearchFilters | undefined, top = 50): Promise<SearchResult> {
    const started = performance.now();
    const { model, index } = await this.ready();
    if (!this.store.sound(soundId)) throw new EngineError('not-found', `Sound ${soundId} is not in the library.`);
    const options = { top, filter: toFilter(filters) };
    const modelId = model.library.versionId;
    let matches: LibraryMatch[];
    if (index) matches = await index.moreLikeThis(soundId, options);
    else {
      const first = this.store.soundWindows(soundId, modelId)[0];
      if (!first) throw new EngineError('not-found', `Sound ${soundId} is not indexed with the model in use.`);
      matches = (await LibrarySearch.searchDatabase(this.store, modelId, [first.vector], { ...options, top: top + 1 })).filter((m) => m.sound.id !== soundId).slice(0, top);
    }
    return this.result({ kind: 'sound', soundId }, matches, filters, started, index, modelId);
  }

  private async searched(index: LibrarySearch | null): Promise<number> {
    // The indexed sounds alone: counts() also counts every window and tag.
    return index ? index.size : this.reader.read('countMatching', {});
  }

  /**
   * Typed words alone, ranked by full-text relevance (see LibraryStore.rankText), or the sounds
   * they (and the filters) let through in a column's order; no words browses the filters. One
   * page from `offset`. Needs no model, so it answers while the model is still being built.
   */
  async searchText(text: string, filters: SearchFilters | undefined, options: { top?: number; offset?: number; sort?: SoundSortView; descending?: boolean } = {}): Promise<SearchResult> {
    const started = performance.now();
    const { top = 50, offset = 0, descending = false } = options;
    const filter: SoundFilter = { ...toFilter(filters), text };
    const total = await this.reader.read('countMatching', filter);
    const ranked = parseSearchText(text).match !== undefined && (options.sort ?? 'relevance') === 'relevance';
    const column = !options.sort || options.sort === 'relevance' ? 'path' : options.sort;
    const page = ranked
      ? await this.reader.read('rankText', filter, { limit: top, offset })
      : (await this.reader.read('browseSounds', filter, { sort: column, descending, limit: top, offset })).map((id) => ({ id, score: 0 }));
    const sounds = this.store.soundsByIds(page.map((p) => p.id));
    const matches = page.flatMap((p, i) => {
      const sound = sounds.get(p.id);
      return sound ? [{ sound: this.view(sound), score: p.score, offsetSec: 0, rank: offset + i + 1 }] : [];
    });
    return {
      query: { kind: 'text', text }, matches, total, offset, textMatched: hasTextTerms(text) ? total : null,
      latencyMs: performance.now() - started, searched: await this.searched(this.index), model: 'full text',
    };
  }

  /** Every folder holding indexed sounds, with its parents up to its root, depth-first, counting the sounds beneath. */
  async folders(): Promise<FolderView[]> {
    const direct = await this.reader.read('folderCounts');
    const out: FolderView[] = [];
    for (const root of this.store.roots()) {
      const below = new Map<string, number>();
      for (const { folder, sounds } of direct) {
        if (folder !== root.path && !folder.startsWith(`${root.path}${sep}`)) continue;
        // Every folder from the root down to this one holds these sounds.
        for (let f = folder; ; f = dirname(f)) {
          below.set(f, (below.get(f) ?? 0) + sounds);
          if (f === root.path || dirname(f) === f) break;
        }
      }
      if (!below.has(root.path)) below.set(root.path, 0);
      const depth = (f: string) => (f === root.path ? 0 : relative(root.path, f).split(sep).length);
      for (const path of [...below.keys()].sort()) out.push({ path, depth: depth(path), sounds: below.get(path)! });
    }
    return out;
  }

  private async result(query: SearchResult['query'], matches: LibraryMatch[], filters: SearchFilters | undefined, started: number, index: LibrarySearch | null, modelId: string): Promise<SearchResult> {
    // With words typed, the voice ranks only the sounds they let through: say how many that is.
    const textMatched = hasTextTerms(filters?.text) ? await this.reader.read('countMatching', toFilter(filters)!) : null;
    return {
      query, matches: this.views(matches), total: matches.length, offset: 0, textMatched,
      latencyMs: performance.now() - started, searched: await this.searched(index), model: index?.modelId ?? modelId,
    };
  }

  /** Sounds as they are now, after the user marked them (those no longer in the library are left out). */
  soundsNow(ids: readonly number[]): SoundView[] {
    return [...this.store.soundsByIds(ids).values()].map((s) => this.view(s));
  }

  sound(id: number): SoundView {
    const s = this.store.sound(id);
    if (!s) throw new EngineError('not-found', `Sound ${id} is not in the library.`);
    return this.view(s);
  }

  private views(matches: LibraryMatch[]): Match[] {
    return matches.map((m, i) => ({ sound: this.view(m.sound), score: m.score, offsetSec: m.offsetSec, rank: i + 1 }));
  }

  private view(s: Sound): SoundView {
    return {
      id: s.id, name: s.name, folder: s.folder, path: s.path,
      durationSec: s.durationSec ?? 0, sampleRate: s.sampleRate ?? 0, channels: s.channels ?? 0, bitDepth: s.bitDepth, format: s.format ?? '',
      description: s.description, category: s.ucsCategory ? [s.ucsCategory, s.ucsSubcategory].filter(Boolean).join(' / ') : null,
      modifiedAt: new Date(s.mtimeMs).toISOString(),
      tags: this.store.soundTags(s.id),
      ...marksView(this.store.soundMarks(s.id)),
      peaks: Array.from(this.store.peaks(s.id) ?? []),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.externalPoll);
    this.watcher.close();
    this.backboneSwitch?.cancel();
    await this.backboneSwitch?.result.catch(() => undefined);
    this.scan?.cancel();
    await this.scan?.result.catch(() => undefined);
    await this.opening?.catch(() => undefined);
    await this.index?.close();
    await this.reader.close();
    const model = await this.model.catch(() => null);
    await model?.pair.close();
  }
}

function toFilter(f: SearchFilters | undefined): SoundFilter | undefined {
  if (!f) return undefined;
  return {
    text: f.text, folders: f.folders, minDurationSec: f.minDurationSec, maxDurationSec: f.maxDurationSec, tags: f.tags,
    favourites: f.favourites, minRating: f.minRating, collectionId: f.collectionId,
  };
}

function marksView(m: SoundMarks): Pick<SoundView, 'favourite' | 'rating' | 'userTags'> {
  return { favourite: m.favourite, rating: m.rating, userTags: m.userTags };
}
