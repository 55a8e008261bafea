import type { SerializedError } from '../errors.ts';
import type { JobState } from '../jobs/job.ts';

/** Shapes the store hands out; every other module sees the library only through these. */

export interface LibraryRoot {
  id: number;
  path: string;
  addedAt: number;
  lastScanAt: number | null;
}

export type SoundStatus = 'pending' | 'indexed' | 'failed';

export interface Sound {
  id: number;
  rootId: number;
  path: string;
  folder: string;
  name: string;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  status: SoundStatus;
  format: string | null;
  sampleRate: number | null;
  channels: number | null;
  bitDepth: number | null;
  durationSec: number | null;
  /** Seconds of the file that were windowed and embedded (at most the configured maximum). */
  analysedSec: number | null;
  description: string | null;
  metadata: Record<string, string>;
  ucsCatId: string | null;
  ucsCategory: string | null;
  ucsSubcategory: string | null;
  failureKind: string | null;
  failureReason: string | null;
  modelId: string | null;
  indexedAt: number | null;
}

/** What the scanner needs to compare the disk with the library, without loading whole rows. */
export interface ScanEntry {
  id: number;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  status: SoundStatus;
  modelId: string | null;
}

export interface NewSoundFile {
  rootId: number;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash?: string | null;
}

export interface WindowVector {
  offsetSec: number;
  vector: Float32Array;
}

/** A window vector with the sound and position it belongs to. */
export interface StoredWindow extends WindowVector {
  soundId: number;
  windowIndex: number;
}

export interface Tag {
  label: string;
  probability: number;
}

/** Everything one analysed file contributes; committed in one transaction. */
export interface AnalysedSound {
  soundId: number;
  modelId: string;
  contentHash: string;
  format: string;
  sampleRate: number;
  channels: number | null;
  bitDepth: number | null;
  durationSec: number;
  analysedSec: number;
  peaks: Float32Array;
  description: string | null;
  metadata: Record<string, string>;
  windows: WindowVector[];
  tags: Tag[];
  /** Backbone features per window when they differ from the embeddings (a head is active). */
  features?: { backbone: string; windows: WindowVector[] };
}

export interface SoundFailure {
  id: number;
  path: string;
  kind: string;
  reason: string;
}

export interface LibraryCounts {
  roots: number;
  sounds: number;
  indexed: number;
  pending: number;
  failed: number;
  windows: number;
  tags: number;
}

/** Filters a search may apply; all present ones must hold. */
export interface SoundFilter {
  /** Sounds inside any of these folders (recursively). */
  folders?: string[];
  minDurationSec?: number;
  maxDurationSec?: number;
  /** Sounds carrying any of these AudioSet labels (probability >= minTagProbability). */
  tags?: string[];
  minTagProbability?: number;
  /** UCS category names (e.g. FOLEY) or CatIDs (e.g. FOLYClth). */
  categories?: string[];
  /** Words as typed by the user, matched by prefix against the full-text index. */
  text?: string;
  /** Only the user's starred sounds. */
  favourites?: boolean;
  /** Only sounds the user rated at least this (1-5). */
  minRating?: number;
  /** Only the sounds of this collection. */
  collectionId?: number;
}

/** What the user added to a sound (kept by its content hash). */
export interface SoundMarks {
  favourite: boolean;
  rating: number;
  userTags: string[];
  /** AudioSet guesses the user dismissed. */
  dismissed: string[];
}

export interface Collection {
  id: number;
  name: string;
  createdAt: number;
  /** Indexed sounds in it now. */
  sounds: number;
}

/** The columns a browsed page of sounds can be ordered by. */
export type SoundSort = 'path' | 'name' | 'duration' | 'date' | 'format' | 'sampleRate' | 'bitDepth' | 'channels' | 'category' | 'description';

export type TakeSource = 'mic' | 'file';

export interface Take {
  id: number;
  wavPath: string;
  createdAt: number;
  durationSec: number;
  sampleRate: number;
  source: TakeSource;
  /** The dropped file's name, or the name the user gave the take (null: a mic take never named). */
  originalName: string | null;
  deviceName: string | null;
  deleted: boolean;
}

export type NewTake = Omit<Take, 'id' | 'deleted' | 'createdAt'> & { createdAt?: number };

export type PairOrigin = 'match' | 'teach' | 'dataset';

export interface TrainingPair {
  id: number;
  takeId: number;
  soundId: number;
  origin: PairOrigin;
  createdAt: number;
}

export type { JobState };

export interface JobRecord {
  id: number;
  kind: string;
  state: JobState;
  progress: Record<string, unknown>;
  config: Record<string, unknown>;
  error: SerializedError | null;
  createdAt: number;
  updatedAt: number;
}

export interface EvaluationRun {
  id: number;
  createdAt: number;
  dataset: string;
  systems: string[];
  report: unknown;
  modelId: string | null;
}

export type ModelKind = 'pretrained' | 'head' | 'finetuned';

/** A model version's row in the library (its weights are read apart: modelWeights). */
export interface ModelVersionRow {
  id: string;
  createdAt: number;
  kind: ModelKind;
  name: string | null;
  config: Record<string, unknown>;
  metrics: Record<string, unknown>;
  active: boolean;
}

/** One epoch of the run that made a model version, as its Curve shows it. */
export interface TrainingCurvePoint {
  epoch: number;
  loss: number;
  validationMrr: number | null;
}
