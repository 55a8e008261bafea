import { ensureModel, type BuiltModel, type EnsureOptions } from '../model/backbone.ts';
import type { IndexModel } from './indexer.ts';
import type { LibraryStore } from './store.ts';

export interface LibraryModel extends IndexModel {
  built: BuiltModel;
}

/** The model version id of a built backbone: its catalogue id plus the checkpoint's digest. */
export function backboneVersionId(built: BuiltModel): string {
  return `${built.id}-${built.checkpointSha256.slice(0, 8)}`;
}

/**
 * Builds (or finds) the reference model and registers it as a model version, active when the
 * library has none yet, so that the vectors the indexer writes are the ones search loads.
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
  if (!store.activeModelVersion()) store.setActiveModelVersion(versionId);
  return { versionId, onnxPath: built.towers.reference, built };
}
