import type { SerializedError } from '../errors.ts';
import { decodeHalf } from './half-float.ts';
import type {
  Collection, EvaluationRun, JobRecord, JobState, LibraryRoot, ModelKind, ModelVersionRow, PairOrigin, ScanEntry, Sound,
  SoundStatus, StoredWindow, Take, TakeSource, TrainingPair, WindowVector,
} from './types.ts';

/**
 * The rows SQLite hands the store, one interface per table or query shape, with the one function
 * that turns each into the shape the rest of the engine sees (types.ts). Columns keep SQL's
 * names; a CHECK constraint of the schema is what lets a text column be typed as a union
 * (status, source, origin, state). JSON columns stay text here and are parsed in the mapping.
 */

export interface RootRow {
  id: number;
  path: string;
  added_at: number;
  last_scan_at: number | null;
}

/** A folder with what its sounds add up to (rootSummaries). */
export interface RootSummaryRow extends RootRow {
  n_sounds: number;
  n_failed: number;
  n_bytes: number;
}

export interface SoundRow {
  id: number;
  root_id: number;
  path: string;
  folder: string;
  name: string;
  size: number;
  mtime_ms: number;
  content_hash: string | null;
  status: SoundStatus;
  format: string | null;
  sample_rate: number | null;
  channels: number | null;
  bit_depth: number | null;
  duration_sec: number | null;
  analysed_sec: number | null;
  peaks: Buffer | null;
  description: string | null;
  /** JSON of the file's embedded metadata. */
  metadata: string | null;
  ucs_cat_id: string | null;
  ucs_category: string | null;
  ucs_subcategory: string | null;
  failure_kind: string | null;
  failure_reason: string | null;
  model_id: string | null;
  indexed_at: number | null;
}

/** The few columns of a sound a scan compares with the disk. */
export type ScanEntryRow = Pick<SoundRow, 'id' | 'path' | 'size' | 'mtime_ms' | 'content_hash' | 'status' | 'model_id'>;

/** A sound waiting for analysis: already the shape the indexer takes. */
export type PendingSoundRow = Pick<SoundRow, 'id' | 'path'>;

/** One library_changes entry, its columns aliased in SQL to the shape changesSince hands out. */
export interface ChangeRow {
  soundId: number;
  stamp: number;
}

/** One window of a window table (sound_embeddings, sound_features, take_features); the vector is float16. */
export interface WindowRow {
  offset_sec: number;
  vector: Buffer;
}

/** A window with the sound and position it belongs to (a page of the vector index). */
export interface StoredWindowRow extends WindowRow {
  sound_id: number;
  window_index: number;
}

export interface TakeRow {
  id: number;
  wav_path: string;
  created_at: number;
  duration_sec: number;
  sample_rate: number;
  source: TakeSource;
  original_name: string | null;
  device_name: string | null;
  deleted: 0 | 1;
}

export interface PairRow {
  id: number;
  take_id: number;
  sound_id: number;
  origin: PairOrigin;
  created_at: number;
}

export interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  /** JSON, like config and error. */
  progress: string;
  config: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  owner_pid: number | null;
}

/** What deciding whether a job's process is still there needs. */
export type JobOwnerRow = Pick<JobRow, 'id' | 'owner_pid'>;

export interface EvaluationRunRow {
  id: number;
  created_at: number;
  dataset: string;
  /** JSON, like report. */
  systems: string;
  report: string;
  model_id: string | null;
}

/** A model_versions row without its weights (read apart: they are the one large column). */
export interface VersionRow {
  id: string;
  created_at: number;
  kind: ModelKind;
  name: string | null;
  /** JSON, like metrics. */
  config: string;
  metrics: string;
  active: 0 | 1;
}

/** A sound's star and rating (sound_marks, by content hash). */
export interface MarkRow {
  favourite: 0 | 1;
  rating: number;
}

/** A collection with how many indexed sounds it holds now. */
export interface CollectionRow {
  id: number;
  name: string;
  created_at: number;
  sounds: number;
}

/** The per-status counts of the sounds table; the sums are null while it is empty. */
export interface StatusCountsRow {
  sounds: number;
  indexed: number | null;
  pending: number | null;
  failed: number | null;
}

/** Any single count (count(*) AS n, coalesce(max(...), 0) AS n). */
export interface CountRow {
  n: number;
}

// -------------------------------------------------------------------- row -> domain

export function toRoot(r: RootRow): LibraryRoot {
  return { id: r.id, path: r.path, addedAt: r.added_at, lastScanAt: r.last_scan_at };
}

export function toRootSummary(r: RootSummaryRow): LibraryRoot & { sounds: number; failed: number; bytes: number } {
  return { ...toRoot(r), sounds: r.n_sounds, failed: r.n_failed, bytes: r.n_bytes };
}

export function toSound(r: SoundRow): Sound {
  return {
    id: r.id, rootId: r.root_id, path: r.path, folder: r.folder, name: r.name,
    size: r.size, mtimeMs: r.mtime_ms, contentHash: r.content_hash,
    status: r.status, format: r.format, sampleRate: r.sample_rate,
    channels: r.channels, bitDepth: r.bit_depth, durationSec: r.duration_sec,
    analysedSec: r.analysed_sec, description: r.description,
    metadata: json(r.metadata, {}), ucsCatId: r.ucs_cat_id, ucsCategory: r.ucs_category,
    ucsSubcategory: r.ucs_subcategory, failureKind: r.failure_kind,
    failureReason: r.failure_reason, modelId: r.model_id, indexedAt: r.indexed_at,
  };
}

export function toScanEntry(r: ScanEntryRow): ScanEntry {
  return { id: r.id, path: r.path, size: r.size, mtimeMs: r.mtime_ms, contentHash: r.content_hash, status: r.status, modelId: r.model_id };
}

export function toWindow(r: WindowRow): WindowVector {
  return { offsetSec: r.offset_sec, vector: decodeHalf(r.vector) };
}

export function toStoredWindow(r: StoredWindowRow): StoredWindow {
  return { soundId: r.sound_id, windowIndex: r.window_index, ...toWindow(r) };
}

export function toTake(r: TakeRow): Take {
  return {
    id: r.id, wavPath: r.wav_path, createdAt: r.created_at, durationSec: r.duration_sec,
    sampleRate: r.sample_rate, source: r.source, originalName: r.original_name,
    deviceName: r.device_name, deleted: r.deleted === 1,
  };
}

export function toPair(r: PairRow): TrainingPair {
  return { id: r.id, takeId: r.take_id, soundId: r.sound_id, origin: r.origin, createdAt: r.created_at };
}

export function toJob(r: JobRow): JobRecord {
  return {
    id: r.id, kind: r.kind, state: r.state, progress: json(r.progress, {}), config: json(r.config, {}),
    error: json<SerializedError | null>(r.error, null), createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export function toEvaluationRun(r: EvaluationRunRow): EvaluationRun {
  return {
    id: r.id, createdAt: r.created_at, dataset: r.dataset, systems: json(r.systems, []),
    report: json(r.report, null), modelId: r.model_id,
  };
}

export function toModelVersion(r: VersionRow): ModelVersionRow {
  return {
    id: r.id, createdAt: r.created_at, kind: r.kind, name: r.name,
    config: json(r.config, {}), metrics: json(r.metrics, {}), active: r.active === 1,
  };
}

export function toCollection(r: CollectionRow): Collection {
  return { id: r.id, name: r.name, createdAt: r.created_at, sounds: r.sounds };
}

/** A JSON column's value; an empty or absent one is the fallback. The store wrote it, so its shape is the column's. */
function json<T>(text: string | null, fallback: T): T {
  return text ? (JSON.parse(text) as T) : fallback;
}
