import { EventBus } from '../contract/events.ts';
import type { Handlers, MethodName } from '../contract/methods.ts';
import { methodNames } from '../contract/methods.ts';
import type { DragItem, Settings } from '../contract/schema.ts';
import { appVersion } from './app-root.ts';
import { EngineError } from './errors.ts';
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

export const DEFAULT_SETTINGS: Settings = {
  inputDeviceId: null,
  inputChannel: 0,
  sampleRate: null,
  maxTakeSec: 10,
  silenceThresholdDb: -45,
  windowHopSec: 5,
  autoPlay: true,
  playFromMatch: true,
  volume: 0.8,
};

export async function openEngine(options: EngineOptions): Promise<Engine> {
  const paths = ensureDataDirs(dataPaths(options.dataDir));
  const events = new EventBus();
  let settings: Settings = { ...DEFAULT_SETTINGS };

  const implemented: Partial<EngineHandlers> = {
    'app.info': async () => ({ version: appVersion, mode: options.mode, dataDir: paths.root, model: null, modelProblem: 'The model is not built yet.' }),
    'settings.get': async () => settings,
    'settings.update': async (patch) => {
      settings = { ...settings, ...patch };
      return settings;
    },
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
    resolveMedia: async () => null,
    filesForDrag: async () => { throw new EngineError('internal', 'Dragging is not available in this build yet.'); },
    close: async () => {},
  };
}
