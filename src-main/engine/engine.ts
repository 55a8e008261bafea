import { EventBus } from '../contract/events.ts';
import type { Handlers } from '../contract/methods.ts';
import type { DragItem } from '../contract/schema.ts';
import { appVersion } from './app-root.ts';
import { Evaluation } from './app/evaluation.ts';
import { Jobs } from './app/jobs.ts';
import { Library } from './app/library.ts';
import { Media } from './app/media.ts';
import { SettingsStore } from './app/settings.ts';
import { Catalogue } from './app/catalogue.ts';
import { Takes } from './app/takes.ts';
import { Training } from './app/training.ts';
import { EngineError } from './errors.ts';
import { LibraryStore } from './library/store.ts';
import type { MediaFile, MediaName } from './media.ts';
import { dataPaths, ensureDataDirs, type DataPaths } from './paths.ts';

/** The calls whose answer depends on the host (native dialog, native drag, media URL scheme). */
export type TransportMethod = 'media.url' | 'library.pickFolder' | 'drag.start';
export type EngineHandlers = Omit<Handlers, TransportMethod>;

export interface Engine {
  readonly handlers: EngineHandlers;
  readonly events: EventBus;
  readonly paths: DataPaths;
  /** The library-owned file behind a media name, or null: the renderer can reach nothing else. */
  resolveMedia(kind: string, id: string): Promise<MediaFile | null>;
  /** The files a drag-out offers: originals, or regions rendered to WAV in the exports folder. */
  filesForDrag(items: DragItem[]): Promise<Array<{ path: string; media: MediaName }>>;
  close(): Promise<void>;
}

export interface EngineOptions {
  dataDir: string;
  mode: 'electron' | 'web';
}

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const paths = ensureDataDirs(dataPaths(options.dataDir));
  const events = new EventBus();
  const store = LibraryStore.open(paths.database);
  // Jobs a crashed or killed process left running are recorded as interrupted, not as running.
  store.markInterruptedJobs();
  const settings = new SettingsStore(store);
  const takes = new Takes(store, paths, events, settings);
  const media = new Media(store, paths, settings);
  const jobs = new Jobs(store, events);
  const library = new Library(store, paths, events, jobs, settings);
  const evaluation = new Evaluation(store, paths, jobs, settings);
  const training = new Training(store, paths, events, jobs, library, takes);
  const catalogue = new Catalogue(store, paths, jobs, library);
  const ok = { ok: true } as const;

  const collectionView = (c: { id: number; name: string; sounds: number; createdAt: number }) => ({ id: c.id, name: c.name, sounds: c.sounds, createdAt: new Date(c.createdAt).toISOString() });
  const pairView = (p: { id: number; takeId: number; soundId: number; origin: 'match' | 'teach' | 'dataset'; createdAt: number }) => ({
    id: p.id, takeId: p.takeId, soundId: p.soundId, origin: p.origin, createdAt: new Date(p.createdAt).toISOString(),
    soundName: store.sound(p.soundId)?.name ?? '(removed sound)',
  });

  // Typed as the full table: a contract method without an implementation does not compile.
  const handlers: EngineHandlers = {
    'app.info': async () => ({ version: appVersion, mode: options.mode, dataDir: paths.root, model: library.info.model, modelProblem: library.info.problem }),
    'settings.get': async () => settings.get(),
    'settings.update': async (patch) => settings.update(patch),

    'capture.devices': async () => takes.devices(),
    'capture.start': async () => {
      await takes.start();
      return ok;
    },
    'capture.stop': async () => {
      takes.stop();
      return ok;
    },
    'takes.list': () => takes.list(),
    'takes.delete': async ({ takeId }) => {
      takes.delete(takeId);
      return ok;
    },
    'takes.restore': async ({ takeId }) => takes.restore(takeId),
    'takes.rename': async ({ takeId, name }) => takes.rename(takeId, name),
    'takes.import': ({ name, dataBase64 }) => takes.importFile(name, Buffer.from(dataBase64, 'base64')),

    'library.roots': async () => library.roots(),
    'library.addRoot': ({ path }) => library.addRoot(path),
    'library.removeRoot': async ({ rootId }) => {
      await library.removeRoot(rootId);
      return ok;
    },
    'library.rescan': ({ rootId }) => library.rescan(rootId),
    'library.stats': async () => {
      const [c, roots] = await Promise.all([library.counts(), library.roots()]);
      return { sounds: c.indexed, windows: c.windows, failed: c.failed, roots: c.roots, bytes: roots.reduce((a, r) => a + r.bytes, 0), databaseBytes: store.databaseBytes() };
    },
    'library.failures': async ({ offset, limit }) => {
      const all = store.failures(offset + limit);
      return { total: (await library.counts()).failed, items: all.slice(offset).map((f) => ({ path: f.path, kind: f.kind, reason: f.reason })) };
    },
    'library.sound': async ({ soundId }) => library.sound(soundId),
    'sounds.mark': async ({ soundIds, favourite, rating }) => {
      if (favourite !== undefined) store.setFavourite(soundIds, favourite);
      if (rating !== undefined) store.setRating(soundIds, rating);
      return library.soundsNow(soundIds);
    },
    'sounds.tag': async ({ soundIds, add, remove }) => {
      store.tagSounds(soundIds, { add, remove });
      return library.soundsNow(soundIds);
    },
    'sounds.dismissTag': async ({ soundId, label }) => {
      library.sound(soundId);
      store.dismissTag(soundId, label);
      return library.sound(soundId);
    },
    'collections.list': async () => store.collections().map(collectionView),
    'collections.create': async ({ name }) => collectionView(store.addCollection(name)),
    'collections.delete': async ({ collectionId }) => {
      if (!store.removeCollection(collectionId)) throw new EngineError('not-found', `Collection ${collectionId} does not exist.`);
      return ok;
    },
    'collections.collect': async ({ collectionId, soundIds, include }) => {
      if (!store.collectSounds(collectionId, soundIds, include)) throw new EngineError('not-found', `Collection ${collectionId} does not exist.`);
      return store.collections().map(collectionView);
    },
    'jobs.list': async () => jobs.list(),
    'jobs.control': async ({ jobId, action }) => jobs.control(jobId, action),

    'search.take': ({ takeId, filters, top }) => library.searchTake(takes.get(takeId), filters, top),
    'search.similar': ({ soundId, filters, top }) => library.similar(soundId, filters, top),
    'search.text': ({ text, filters, top, offset, sort, descending }) => library.searchText(text, filters, { top, offset, sort, descending }),
    'library.folders': async () => library.folders(),

    'eval.systems': async () => evaluation.systems(),
    'eval.start': ({ datasetDir, systems }) => evaluation.start(datasetDir, systems),
    'eval.runs': async () => evaluation.runs(),

    'pairs.list': async () => store.pairs().map(pairView),
    'pairs.mark': async ({ takeId, soundId, origin }) => {
      takes.get(takeId);
      library.sound(soundId);
      return pairView(store.addPair(takeId, soundId, origin));
    },
    'pairs.delete': async ({ pairId }) => {
      if (!store.removePair(pairId)) throw new EngineError('not-found', `Training pair ${pairId} does not exist.`);
      return ok;
    },
    'pairs.import': ({ datasetDir }) => training.importPairs(datasetDir),
    'models.list': async () => training.versions(),
    'models.activate': async ({ versionId, force }) => training.activate(versionId, { force }),
    'models.export': ({ versionId }) => training.export(versionId),
    'models.import': ({ path }) => training.import(path),
    'backbones.list': () => catalogue.backbones(),
    'backbones.add': ({ path }) => catalogue.addBackbone(path),
    'backbones.use': ({ id }) => library.useBackbone(id),
    'datasets.list': () => catalogue.datasets(),
    'datasets.fetch': async ({ id }) => catalogue.fetchDataset(id),
    'train.start': async (config) => training.train(config),
  };
  return {
    handlers: failingAsEngineErrors(handlers),
    events,
    paths,
    resolveMedia: (kind, id) => media.resolve(kind, id),
    filesForDrag: (items) => media.filesForDrag(items),
    close: async () => {
      jobs.cancelAll();
      await takes.close();
      await library.close();
      await evaluation.close();
      store.close();
    },
  };
}

/**
 * Every failure leaves the engine as an EngineError, which the contract serialises as it is: a
 * stray Node error becomes its kind here (ENOENT is not-found), not 'internal' at the contract.
 */
function failingAsEngineErrors(handlers: EngineHandlers): EngineHandlers {
  const wrapped: Record<string, (args: unknown) => Promise<unknown>> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (args: unknown) => Promise<unknown>][]) {
    wrapped[name] = async (args) => {
      try {
        return await handler(args);
      } catch (err) {
        throw EngineError.from(err);
      }
    };
  }
  return wrapped as EngineHandlers;
}
