import { ensureModel, type BuiltModel, type EnsureOptions } from '../model/backbone.ts';
import { EngineError } from '../errors.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { defaultModelVersion } from '../model-version/versions.ts';
import { loadModelVersion, saveModelVersion, searchModelVersionId } from './model-versions.ts';
import type { IndexModel } from './indexer.ts';
import type { LibraryStore } from './store.ts';

export interface LibraryModel extends IndexModel {
  built: BuiltModel;
  version: ModelVersion;
}

/** The model version id of a built backbone: its catalogue id plus the checkpoint's digest. */
export function backboneVersionId(built: BuiltModel): string {
  return `${built.id}-${built.checkpointSha256.slice(0, 8)}`;
}

/**
 * Builds (or finds) the backbone the library is analysed with, registers it, and makes sure the
 * library has an active model version with heads: the one shipped with the app (the best
 * measured) unless the user chose another. The active version names its backbone (a backbone
 * switch makes a version over the new one active), so the backbone is always the one its heads
 * were made for. The indexer writes that version's vectors, which are the ones search loads.
 */
export async function prepareLibraryModel(store: LibraryStore, modelsDir: string, options: EnsureOptions = {}): Promise<LibraryModel> {
  const searchId = searchModelVersionId(store);
  if (store.activeModelVersion()?.id !== searchId) {
    const shipped = defaultModelVersion();
    if (!store.modelVersion(shipped.id)) saveModelVersion(store, shipped);
    store.setActiveModelVersion(shipped.id);
  }
  const version = loadModelVersion(store, searchId);
  const built = await ensureModel(modelsDir, { ...options, id: options.id ?? version.features.backbone });
  registerBackbone(store, built);
  if (version.features.backbone !== built.id) {
    throw new EngineError('model', `the active model version "${version.id}" reads the ${version.features.backbone} backbone, but ${built.id} is installed`);
  }
  return { versionId: version.id, onnxPath: built.towers.reference, built, version };
}

/** Records a built backbone among the library's model versions (what evaluation runs are filed under). */
export function registerBackbone(store: LibraryStore, built: BuiltModel): void {
  const versionId = backboneVersionId(built);
  if (store.modelVersion(versionId)) return;
  store.putModelVersion({
    id: versionId, kind: 'pretrained', name: built.id,
    config: { checkpoint: built.checkpointPath, checkpointSha256: built.checkpointSha256, embeddingSize: built.embeddingSize, towers: built.towers },
  });
}
