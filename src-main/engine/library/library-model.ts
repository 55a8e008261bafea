import { ensureModel, type BuiltModel, type EnsureOptions } from '../model/backbone.ts';
import { EngineError } from '../errors.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { defaultModelVersion } from '../model-version/versions.ts';
import { loadModelVersion, saveModelVersion } from './model-versions.ts';
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
 * Builds (or finds) the backbone, registers it, and makes sure the library has an active model
 * version with heads: the one shipped with the app (the best measured) unless the user chose
 * another. The indexer writes that version's vectors, which are the ones search loads.
 */
export async function prepareLibraryModel(store: LibraryStore, modelsDir: string, options: EnsureOptions = {}): Promise<LibraryModel> {
  const built = await ensureModel(modelsDir, options);
  const versionId = backboneVersionId(built);
  if (!store.modelVersion(versionId)) {
    store.putModelVersion({
      id: versionId, kind: 'pretrained', name: built.id,
      config: { checkpoint: built.checkpointPath, checkpointSha256: built.checkpointSha256, embeddingSize: built.embeddingSize, towers: built.towers },
    });
  }
  const active = store.activeModelVersion();
  if (!active || active.kind === 'pretrained') {
    const shipped = defaultModelVersion();
    if (!store.modelVersion(shipped.id)) saveModelVersion(store, shipped);
    store.setActiveModelVersion(shipped.id);
  }
  const version = loadModelVersion(store, store.activeModelVersion()!.id);
  if (version.features.backbone !== built.id) {
    throw new EngineError('model', `the active model version "${version.id}" reads the ${version.features.backbone} backbone, but ${built.id} is installed`);
  }
  return { versionId: version.id, onnxPath: built.towers.reference, built, version };
}
