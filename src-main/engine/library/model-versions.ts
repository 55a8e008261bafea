import { writeFileAtomic } from '../atomic-write.ts';
import { EngineError } from '../errors.ts';
import { featureExtractor } from '../model-version/features.ts';
import { applyHeadBatch, searchDimension, type ModelVersion, type VersionStatus } from '../model-version/heads.ts';
import { decodeModelVersion, encodeModelVersion } from '../model-version/model-file.ts';
import { nextTurn } from '../search/time-slice.ts';
import { defaultModelVersion, featureKey } from '../model-version/versions.ts';
import { readRegularFile } from '../regular-file.ts';
import type { LibraryStore } from './store.ts';

/**
 * Model versions in the library's store (weights as one blob in the model-file format) and as
 * files: save, load, list, activate, export, import, and re-embed the library for one.
 */

/**
 * The model version search uses: the library's active heads, else the shipped default, which is
 * what preparing the library's model activates on first use (so a fresh data folder names it too).
 */
export function searchModelVersionId(store: LibraryStore): string {
  const active = store.activeModelVersion();
  return active && active.kind !== 'pretrained' ? active.id : defaultModelVersion().id;
}

export interface ModelVersionSummary {
  id: string;
  name: string;
  createdAt: number;
  status: VersionStatus;
  active: boolean;
  featuresId: string;
  parent: string | null;
  metrics: Record<string, unknown>;
}

/** Saves a version (new or updated) with its weights. */
export function saveModelVersion(store: LibraryStore, v: ModelVersion): void {
  store.putModelVersion({
    id: v.id,
    kind: 'head',
    name: v.name,
    createdAt: v.createdAt,
    config: { status: v.status, features: v.features, featuresId: featureExtractor(v.features).id, parent: v.parent, training: v.training },
    metrics: v.metrics,
    weights: encodeModelVersion(v),
  });
}

export function loadModelVersion(store: LibraryStore, id: string): ModelVersion {
  const weights = store.modelWeights(id);
  if (!weights) throw new EngineError('not-found', `there is no trained model version "${id}"`);
  return decodeModelVersion(weights, id);
}

export function listModelVersions(store: LibraryStore): ModelVersionSummary[] {
  return store.modelVersions().filter((m) => m.kind === 'head').map((m) => ({
    id: m.id,
    name: m.name ?? m.id,
    createdAt: m.createdAt,
    status: (m.config.status as VersionStatus | undefined) ?? 'accepted',
    active: m.active,
    featuresId: String(m.config.featuresId ?? ''),
    parent: (m.config.parent as string | null | undefined) ?? null,
    metrics: m.metrics,
  }));
}

/**
 * Makes a version the one search uses. A rejected run is refused unless forced (it made things
 * worse when it was measured). Library windows must then be re-embedded (reembedLibrary) before
 * search uses the new reference head.
 */
export function activateModelVersion(store: LibraryStore, id: string, opts: { force?: boolean } = {}): ModelVersion {
  const v = loadModelVersion(store, id);
  if (v.status === 'rejected' && !opts.force) {
    throw new EngineError('forbidden', `model "${id}" was rejected when it was trained (${String(v.metrics.decision ?? 'it measured worse')}); activate it anyway only on purpose`);
  }
  // Heads are trained on one backbone's features: applied to another's they would rank noise. The
  // library's vectors were made with the active version's backbone, so a version for another one
  // waits until the library is re-analysed with its backbone.
  const active = store.activeModelVersion();
  if (active && active.id !== id && active.kind !== 'pretrained') {
    const current = loadModelVersion(store, active.id).features.backbone;
    if (current !== v.features.backbone) {
      throw new EngineError('forbidden', `model "${id}" reads the ${v.features.backbone} backbone, but the library is analysed with ${current}; its heads are never applied to another backbone's features`);
    }
  }
  store.setActiveModelVersion(id);
  return v;
}

export async function exportModelVersion(store: LibraryStore, id: string, file: string): Promise<void> {
  // Atomic, so a full disk or a crash never leaves half a version file that a later import would refuse.
  await writeFileAtomic(file, encodeModelVersion(loadModelVersion(store, id)));
}

/**
 * The largest model version file that is read: the shipped one is 1.5 MB, and a full-rank pair
 * of heads over the widest recipe stays far below this. A path given by the user may be a
 * device or a pipe that never ends, so the bound is what keeps the process's memory.
 */
export const MODEL_FILE_MAX_BYTES = 64 << 20;

/** Reads a version file into the store; an id already taken by different weights is refused. */
export async function importModelVersion(store: LibraryStore, file: string): Promise<ModelVersion> {
  const bytes = await readRegularFile(file, MODEL_FILE_MAX_BYTES, 'model version file');
  const v = decodeModelVersion(bytes, file);
  const existing = store.modelWeights(v.id);
  if (existing && Buffer.compare(Buffer.from(existing), Buffer.from(encodeModelVersion(v))) !== 0) {
    throw new EngineError('invalid-argument', `a different model version called "${v.id}" is already in the library`, { file });
  }
  saveModelVersion(store, v);
  return v;
}

/**
 * Re-embeds every library sound whose features are cached for the version's recipe through its
 * reference head: no decoding, no backbone, only a small matrix product per sound. Returns how
 * many sounds were re-embedded; sounds without cached features must go through the indexer.
 */
export async function reembedLibrary(
  store: LibraryStore,
  version: ModelVersion,
  opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<number> {
  const key = featureKey(version.features);
  const d = version.reference.dimension;
  const ids = store.soundIdsWithFeatures(key);
  let done = 0;
  // Said at once, so the panel counts toward the real total from the start (never "0 / 0").
  opts.onProgress?.(0, ids.length);
  for (const id of ids) {
    if (opts.signal?.aborted) throw new EngineError('cancelled', `re-embedding was cancelled after ${done} of ${ids.length} sounds`);
    const windows = store.soundFeatures(id, key);
    const rows = new Float32Array(windows.length * d);
    windows.forEach((w, i) => rows.set(w.vector, i * d));
    const out = applyHeadBatch(version, 'reference', rows, windows.length);
    const k = searchDimension(version);
    store.putSoundEmbeddings(id, version.id, windows.map((w, i) => ({ offsetSec: w.offsetSec, vector: out.slice(i * k, (i + 1) * k) })));
    done++;
    if (done % 50 === 0 || done === ids.length) {
      opts.onProgress?.(done, ids.length);
      await nextTurn();
    }
  }
  return done;
}
