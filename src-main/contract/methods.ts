import { z } from 'zod';
import {
  AppInfo, Backbone, Collection, CurvePoint, DatasetInfo, DragItem, EvalRun, EvalSystem, Folder, InputDevice, Job, Level, MediaRef, ModelVersionView, Pair, Root,
  SearchFilters, SearchResult, Settings, Sound, SoundSort, Take, TrainConfig, UserTag,
} from './schema.ts';

/**
 * THE contract: every call the renderer may make, with its argument and result schema, and
 * every event main may push. The Electron shell and the web server both serve exactly this
 * table (test/unit/contract checks it), and the renderer's client is typed from it.
 */

const id = z.number().int().nonnegative();
const none = z.object({}).strict();
const ok = z.object({ ok: z.literal(true) });
const top = z.number().int().min(1).max(2000).optional();

function method<A extends z.ZodType, R extends z.ZodType>(args: A, result: R, doc: string) {
  return { args, result, doc };
}

export const methods = {
  'app.info': method(none, AppInfo, 'Version, data folder and the model and execution provider in use'),
  'settings.get': method(none, Settings, 'The user settings'),
  'settings.update': method(Settings.partial().strict(), Settings, 'Change some settings; returns all of them'),

  'library.roots': method(none, z.array(Root), 'The folders in the library with their counts'),
  'library.addRoot': method(z.object({ path: z.string().min(1).max(4096) }).strict(), z.object({ root: Root, job: Job }), 'Add a folder and start scanning it'),
  'library.removeRoot': method(z.object({ rootId: id }).strict(), ok, 'Forget a folder and its sounds (files are untouched)'),
  'library.rescan': method(z.object({ rootId: id.optional() }).strict(), Job, 'Scan one folder or all of them again'),
  'library.pickFolder': method(none, z.object({ path: z.string().nullable() }), 'Ask the user for a folder (native dialog; null in web mode or when cancelled)'),
  'library.stats': method(none, z.object({ sounds: z.number(), windows: z.number(), failed: z.number(), bytes: z.number(), databaseBytes: z.number(), roots: z.number() }), 'Counts and sizes'),
  'library.failures': method(
    z.object({ offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    z.object({ total: z.number(), items: z.array(z.object({ path: z.string(), kind: z.string(), reason: z.string() })) }),
    'Files that could not be indexed, and why',
  ),
  'library.folders': method(none, z.array(Folder), 'Every folder under the library roots that holds indexed sounds (with its parents), depth-first, with how many sounds lie beneath it'),
  'library.sound': method(z.object({ soundId: id }).strict(), Sound, 'One sound with its metadata and waveform'),

  'sounds.mark': method(
    z.object({ soundIds: z.array(id).min(1).max(5000), favourite: z.boolean().optional(), rating: z.number().int().min(0).max(5).optional() }).strict(),
    z.array(Sound),
    'Star, unstar or rate sounds (kept in the library by content hash, never in the files); returns them as they are now',
  ),
  'sounds.tag': method(
    z.object({ soundIds: z.array(id).min(1).max(5000), add: z.array(UserTag).max(50).optional(), remove: z.array(UserTag).max(50).optional() }).strict(),
    z.array(Sound),
    "Add or remove the user's own tags on sounds; returns them as they are now",
  ),
  'sounds.dismissTag': method(z.object({ soundId: id, label: z.string().min(1).max(200) }).strict(), Sound, 'Dismiss an AudioSet guess as wrong for a sound'),
  'collections.list': method(none, z.array(Collection), 'The named lists of sounds'),
  'collections.create': method(z.object({ name: z.string().trim().min(1).max(100) }).strict(), Collection, 'A new collection (or the one of that name)'),
  'collections.delete': method(z.object({ collectionId: id }).strict(), ok, 'Forget a collection (its sounds are untouched)'),
  'collections.collect': method(
    z.object({ collectionId: id, soundIds: z.array(id).min(1).max(5000), include: z.boolean() }).strict(),
    z.array(Collection),
    'Add sounds to a collection or take them out',
  ),

  'jobs.list': method(none, z.array(Job), 'Running and recent jobs'),
  'jobs.control': method(z.object({ jobId: id, action: z.enum(['pause', 'resume', 'cancel']) }).strict(), Job, 'Pause, resume or cancel a job'),

  'capture.devices': method(none, z.array(InputDevice), 'Microphones and other inputs'),
  'capture.start': method(none, ok, 'Start a take on the chosen input'),
  'capture.stop': method(none, ok, 'End the take; capture.ended follows'),

  'takes.list': method(none, z.array(Take), 'The take history, newest first'),
  'takes.delete': method(z.object({ takeId: id }).strict(), ok, 'Remove a take from the history (takes.restore undoes it until the app restarts)'),
  'takes.restore': method(z.object({ takeId: id }).strict(), Take, 'Bring a deleted take back into the history'),
  'takes.rename': method(z.object({ takeId: id, name: z.string().trim().min(1).max(120) }).strict(), Take, 'Give a take a name'),
  'takes.import': method(
    z.object({ name: z.string().min(1).max(255), dataBase64: z.string().min(4).max(70_000_000) }).strict(),
    Take,
    'Use a dropped audio file as a take',
  ),

  'search.take': method(z.object({ takeId: id, filters: SearchFilters.optional(), top }).strict(), SearchResult, 'Find the sounds that match a take'),
  'search.text': method(
    z.object({
      text: z.string().max(500),
      filters: SearchFilters.optional(),
      top: z.number().int().min(1).max(1000).optional(),
      offset: z.number().int().min(0).max(10_000_000).optional(),
      sort: SoundSort.optional(),
      descending: z.boolean().optional(),
    }).strict(),
    SearchResult,
    'Sounds ranked by how well their name, folder, description, UCS category and tags match typed words ("phrases" and -exclusions work), or ordered by a column; empty text browses the filters, one page at a time',
  ),
  'search.similar': method(z.object({ soundId: id, filters: SearchFilters.optional(), top }).strict(), SearchResult, 'More like this library sound'),

  'media.url': method(MediaRef, z.object({ url: z.string() }), 'A URL the preview player may load for a sound or take'),
  'drag.start': method(
    z.object({ items: z.array(DragItem).min(1).max(500) }).strict(),
    z.object({ files: z.array(z.string()), downloads: z.array(z.string()) }),
    'Start a native file drag of sounds (regions are rendered to WAV first); web mode returns download URLs',
  ),

  'pairs.list': method(none, z.array(Pair), 'Training pairs'),
  'pairs.mark': method(z.object({ takeId: id, soundId: id, origin: z.enum(['match', 'teach']) }).strict(), Pair, '"This is the one": keep a take and a sound as a training pair'),
  'pairs.delete': method(z.object({ pairId: id }).strict(), ok, 'Remove a training pair'),
  'pairs.import': method(z.object({ datasetDir: z.string().min(1).max(4096) }).strict(), Job, 'Import pairs from a dataset folder'),

  'eval.systems': method(none, z.array(EvalSystem), 'The systems an evaluation can compare'),
  'eval.start': method(z.object({ datasetDir: z.string().min(1).max(4096), systems: z.array(z.string().min(1).max(100)).min(1).max(20) }).strict(), Job, 'Evaluate systems on a dataset folder'),
  'eval.runs': method(none, z.array(EvalRun), 'Earlier evaluation runs, newest first'),

  'models.list': method(none, z.array(ModelVersionView), 'Model versions'),
  'models.activate': method(z.object({ versionId: z.string().min(1).max(100), force: z.boolean().optional() }).strict(), Job, 'Use a model version (re-embeds the library from cached features); a rejected one only with force'),
  'models.export': method(z.object({ versionId: z.string().min(1).max(100) }).strict(), z.object({ path: z.string() }), 'Write a model version to one file in the exports folder'),
  'models.import': method(z.object({ path: z.string().min(1).max(4096) }).strict(), ModelVersionView, 'Read a model version file (a regular file of at most 64 MiB)'),
  'train.start': method(TrainConfig, Job, 'Train heads on the training pairs'),

  'backbones.list': method(none, z.array(Backbone), 'The backbones the library can use (catalogue and added files), with size, licence and source'),
  'backbones.use': method(z.object({ id: z.string().min(1).max(200) }).strict(), Job, 'Re-analyse the library with this backbone as a job; search keeps the current model until every sound is done, then switches'),
  'backbones.add': method(z.object({ path: z.string().min(1).max(4096) }).strict(), Backbone, 'Use a checkpoint file as a backbone (EfficientAT state dict or QVIM two-tower Lightning checkpoint); the current model is unchanged'),
  'datasets.list': method(none, z.array(DatasetInfo), 'The public imitation datasets and what is in the data folder'),
  'datasets.fetch': method(z.object({ id: z.enum(['vimsketch', 'qvim-dev']) }).strict(), Job, 'Download and unpack a public dataset into the data folder (resumable; cancel keeps what arrived)'),
} as const;

export const events = {
  'job.progress': Job,
  'capture.level': Level,
  'capture.ended': z.object({ take: Take.nullable(), reason: z.string(), message: z.string().nullable() }),
  'library.changed': z.object({ rootId: id.nullable() }),
  'train.curve': z.object({ jobId: id, point: CurvePoint }),
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type Args<M extends MethodName> = z.input<Methods[M]['args']>;
export type ParsedArgs<M extends MethodName> = z.output<Methods[M]['args']>;
export type Result<M extends MethodName> = z.infer<Methods[M]['result']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** What main implements: one async function per method, receiving validated arguments. */
export type Handlers = { [M in MethodName]: (args: ParsedArgs<M>) => Promise<Result<M>> };

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];
