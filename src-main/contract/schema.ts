import { z } from 'zod';

/**
 * The shapes that cross the boundary between renderer and main. Every method argument is
 * validated with these at the boundary (Electron IPC and the web server alike); results are
 * typed by them too, so renderer, shell and web cannot disagree about a field.
 */

const id = z.number().int().nonnegative();
const nonEmpty = z.string().min(1).max(4096);

export const JobState = z.enum(['queued', 'running', 'paused', 'cancelled', 'failed', 'done', 'interrupted']);
export const JobKind = z.enum(['scan', 'reembed', 'backbone', 'evaluation', 'training', 'import', 'download']);

export const Job = z.object({
  id,
  kind: JobKind,
  state: JobState,
  done: z.number(),
  total: z.number(),
  ratePerSec: z.number(),
  etaSec: z.number().nullable(),
  current: z.string().nullable(),
  message: z.string().nullable(),
  /** What done/total count when a job's phases count different things (a training run: 'pairs', then 'epochs'). */
  unit: z.string().optional(),
});

export const Root = z.object({
  id,
  path: z.string(),
  sounds: z.number(),
  failed: z.number(),
  bytes: z.number(),
  addedAt: z.string(),
});

export const Tag = z.object({ label: z.string(), probability: z.number() });

export const Sound = z.object({
  id,
  name: z.string(),
  folder: z.string(),
  path: z.string(),
  durationSec: z.number(),
  sampleRate: z.number(),
  channels: z.number(),
  bitDepth: z.number().nullable(),
  format: z.string(),
  description: z.string().nullable(),
  category: z.string().nullable(),
  /** When the file was last modified (ISO). */
  modifiedAt: z.string(),
  /** The model's AudioSet guesses (with its confidence), less those the user dismissed. */
  tags: z.array(Tag),
  favourite: z.boolean(),
  /** 0 (not rated) to 5. */
  rating: z.number().int().min(0).max(5),
  userTags: z.array(z.string()),
  peaks: z.array(z.number()),
});

export const Match = z.object({
  sound: Sound,
  score: z.number(),
  offsetSec: z.number(),
  rank: z.number().int().positive(),
});

export const SearchFilters = z
  .object({
    text: z.string().max(500).optional(),
    folders: z.array(nonEmpty).max(100).optional(),
    minDurationSec: z.number().nonnegative().optional(),
    maxDurationSec: z.number().positive().optional(),
    tags: z.array(z.string().min(1).max(200)).max(50).optional(),
    favourites: z.boolean().optional(),
    minRating: z.number().int().min(1).max(5).optional(),
    collectionId: id.optional(),
  })
  .strict();

export const Collection = z.object({ id, name: z.string(), sounds: z.number().int(), createdAt: z.string() });
export const UserTag = z.string().trim().min(1).max(100);

/** The columns a browsed or text-searched list can be ordered by on the engine's side. */
export const SoundSort = z.enum(['relevance', 'path', 'name', 'duration', 'date', 'format', 'sampleRate', 'bitDepth', 'channels', 'category', 'description']);

export const Folder = z.object({ path: z.string(), depth: z.number().int(), sounds: z.number().int() });

export const SearchResult = z.object({
  query: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('take'), takeId: id }),
    z.object({ kind: z.literal('sound'), soundId: id }),
    z.object({ kind: z.literal('text'), text: z.string() }),
  ]),
  matches: z.array(Match),
  /** How many sounds this ranking holds in all (matches is one page of them, from `offset`). */
  total: z.number().int(),
  offset: z.number().int(),
  /** How many sounds the typed words (with the other filters) let through; null when no words were typed. */
  textMatched: z.number().int().nullable(),
  latencyMs: z.number(),
  searched: z.number().int(),
  model: z.string(),
});

export const Take = z.object({
  id,
  createdAt: z.string(),
  durationSec: z.number(),
  source: z.enum(['mic', 'file']),
  name: z.string(),
  peaks: z.array(z.number()),
  /** How many training pairs this take teaches (deleting it then asks first). */
  pairs: z.number().int(),
});

export const InputDevice = z.object({
  id: z.number().int(),
  name: z.string(),
  hostApi: z.string(),
  maxInputChannels: z.number().int(),
  defaultSampleRate: z.number(),
  isDefault: z.boolean(),
});

export const Settings = z.object({
  inputDeviceId: z.number().int().nullable(),
  /** Kept beside the id because PortAudio renumbers devices when one is plugged in. */
  inputDeviceName: z.string().max(500).nullable(),
  inputChannel: z.number().int().min(0).max(63),
  sampleRate: z.number().int().min(8000).max(192000).nullable(),
  maxTakeSec: z.number().min(1).max(60),
  silenceThresholdDb: z.number().min(-90).max(0),
  windowHopSec: z.number().min(1).max(10),
  autoPlay: z.boolean(),
  playFromMatch: z.boolean(),
  volume: z.number().min(0).max(1),
  /** Fade in and out of a rendered region, in ms (0: a hard cut). */
  exportFadeMs: z.number().min(0).max(500),
  /** The name of a rendered region's file: {name} {start} {end} {length} {category} {date}. */
  exportNameTemplate: z.string().trim().min(1).max(200),
  /** The optional columns of the result list, in order. */
  resultColumns: z.array(z.enum(['waveform', 'score', 'tags', 'description', 'category', 'format', 'rate', 'channels', 'date'])).max(9),
});

export const AppInfo = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'web']),
  dataDir: z.string(),
  model: z.object({ id: z.string(), provider: z.string(), embeddingSize: z.number() }).nullable(),
  modelProblem: z.string().nullable(),
});

export const Pair = z.object({
  id,
  takeId: id,
  soundId: id,
  soundName: z.string(),
  origin: z.enum(['match', 'teach', 'dataset']),
  createdAt: z.string(),
});

export const MediaRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sound'), soundId: id }),
  z.object({ kind: z.literal('take'), takeId: id }),
]);

export const Region = z
  .object({ startSec: z.number().nonnegative(), endSec: z.number().positive() })
  .refine((r) => r.endSec > r.startSec, 'a region must end after it starts');

export const DragItem = z.object({ soundId: id, region: Region.optional() });

export const EvalSystem = z.object({ id: z.string(), label: z.string(), description: z.string() });

export const EvalScore = z.object({
  system: z.string(),
  label: z.string(),
  mrr: z.number(),
  ndcg: z.number(),
  recallAt: z.record(z.string(), z.number()),
  perClass: z.array(z.object({ class: z.string(), queries: z.number(), mrr: z.number(), ndcg: z.number() })),
  seconds: z.number(),
});

export const EvalRun = z.object({
  id,
  createdAt: z.string(),
  dataset: z.string(),
  datasetName: z.string(),
  queries: z.number(),
  items: z.number(),
  modelVersion: z.string().nullable(),
  state: JobState,
  scores: z.array(EvalScore),
});

export const TrainConfig = z
  .object({
    name: z.string().max(200).optional(),
    epochs: z.number().int().min(1).max(500).default(20),
    temperature: z.number().min(0.01).max(1).default(0.07),
    learningRate: z.number().positive().max(1).default(1e-3),
    weightDecay: z.number().min(0).max(1).default(0.01),
    towardBase: z.number().min(0).max(100).default(0.1),
    /** Which head a run adapts: the imitation head alone (the voice side; search vectors of sounds stay as they are) or both. */
    head: z.enum(['imitation', 'both']).default('imitation'),
    augmentCopies: z.number().int().min(0).max(16).default(4),
    /** Which pairs a run learns from: all, the user's own (marked and taught), or those imported from datasets. */
    pairs: z.enum(['all', 'personal', 'dataset']).default('all'),
    /** personal-map: a closed-form map on the imitation head chosen by cross-validation (epochs, rates and pull do not apply); gradient: InfoNCE steps. */
    adaptation: z.enum(['personal-map', 'gradient']).default('personal-map'),
  })
  .strict();

export const CurvePoint = z.object({ epoch: z.number(), loss: z.number(), validationMrr: z.number().nullable() });

export const ModelVersionView = z.object({
  id: z.string(),
  createdAt: z.string(),
  name: z.string(),
  active: z.boolean(),
  state: z.enum(['trained', 'rejected', 'base']),
  metrics: z.record(z.string(), z.number()),
  curve: z.array(CurvePoint),
  /** Why the run was kept but not activated (a rejected version), or why it was accepted. */
  decision: z.string().nullable(),
  pairs: z.number(),
  /** The backbone whose features its heads read; it is only ever applied to that backbone. */
  backbone: z.string(),
});

/** A backbone the library can use: from the catalogue (downloaded when chosen) or added from a checkpoint file. */
export const Backbone = z.object({
  id: z.string(),
  name: z.string(),
  origin: z.enum(['catalogue', 'file']),
  embeddingSize: z.number().int(),
  twoTowers: z.boolean(),
  bytes: z.number().nullable(),
  licence: z.string(),
  source: z.string(),
  unverified: z.string().nullable(),
  present: z.boolean(),
  /** Whether the library's sounds are analysed with it now. */
  inUse: z.boolean(),
});

/** A public dataset of real imitations and where it stands in the data folder. */
export const DatasetInfo = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['present', 'partial-download', 'absent']),
  folder: z.string(),
  root: z.string().nullable(),
  items: z.number().nullable(),
  queries: z.number().nullable(),
  problems: z.number().nullable(),
  downloadedBytes: z.number().nullable(),
  /** What the user reads before the download starts: contents, source, licence, address, size. */
  notice: z.string().nullable(),
});

export const Level = z.object({
  rms: z.number(),
  peak: z.number(),
  peakDb: z.number(),
  waveform: z.array(z.number()),
  elapsedSec: z.number(),
});

export type JobState = z.infer<typeof JobState>;
export type Job = z.infer<typeof Job>;
export type Root = z.infer<typeof Root>;
export type Sound = z.infer<typeof Sound>;
export type Match = z.infer<typeof Match>;
export type SearchFilters = z.infer<typeof SearchFilters>;
export type SearchResult = z.infer<typeof SearchResult>;
export type SoundSort = z.infer<typeof SoundSort>;
export type Collection = z.infer<typeof Collection>;
export type Folder = z.infer<typeof Folder>;
export type Take = z.infer<typeof Take>;
export type InputDevice = z.infer<typeof InputDevice>;
export type Settings = z.infer<typeof Settings>;
export type AppInfo = z.infer<typeof AppInfo>;
export type Pair = z.infer<typeof Pair>;
export type MediaRef = z.infer<typeof MediaRef>;
export type Region = z.infer<typeof Region>;
export type DragItem = z.infer<typeof DragItem>;
export type EvalSystem = z.infer<typeof EvalSystem>;
export type EvalRun = z.infer<typeof EvalRun>;
export type TrainConfig = z.infer<typeof TrainConfig>;
export type ModelVersionView = z.infer<typeof ModelVersionView>;
export type Level = z.infer<typeof Level>;
export type Backbone = z.infer<typeof Backbone>;
export type DatasetInfo = z.infer<typeof DatasetInfo>;
