import { EventBus } from '../contract/events.ts';
import type { Handlers, MethodName } from '../contract/methods.ts';
import { methodNames } from '../contract/methods.ts';
import type { DragItem } from '../contract/schema.ts';
import { appVersion } from './app-root.ts';
import { Media } from './app/media.ts';
import { SettingsStore } from './app/settings.ts';
import { Takes } from './app/takes.ts';
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

const TRANSPORT_METHODS: readonly MethodName[] = ['media.url', 'library.pickFolder', 'drag.start'];

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const paths = ensureDataDirs(dataPaths(options.dataDir));
  const events = new EventBus();
  const store = LibraryStore.open(paths.database);
  const settings = new SettingsStore(store);
  const takes = new Takes(store, paths, events, settings);
  const media = new Media(store, paths);

  const implemented: Partial<EngineHandlers> = {
    'app.info': async () => ({ version: appVersion, mode: options.mode, dataDir: paths.root, model: null, modelProblem: 'The model is not built yet.' }),
    'settings.get': async () => settings.get(),
    'settings.update': async (patch) => settings.update(patch),

    'capture.devices': async () => takes.devices(),
    'capture.start': async () => {
      await takes.start();
      return { ok: true };
    },
    'capture.stop': async () => {
      takes.stop();
      return { ok: true };
    },
    'takes.list': () => takes.list(),
    'takes.delete': async ({ takeId }) => {
      await takes.delete(takeId);
      return { ok: true };
    },
    'takes.import': ({ name, dataBase64 }) => takes.importFile(name, Buffer.from(dataBase64, 'base64')),
  };
  const handlers = Object.fromEntries(
    methodNames
      .filter((m) => !TRANSPORT_METHODS.includes(m))
      .map((m) => [m, implemented[m as keyof EngineHandlers] ?? (async () => { throw new EngineError('internal', `${m} is not available in this build yet.`); })]),
  ) as EngineHandlers;

  return {
    handlers,
    events,
    paths,
    resolveMedia: (kind, id) => media.resolve(kind, id),
    filesForDrag: (items) => media.filesForDrag(items),
    close: async () => {
      await takes.close();
      store.close();
    },
  };
}
