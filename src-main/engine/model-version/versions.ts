import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../app-root.ts';
import { BACKBONE_ONLY, featureExtractor, type FeatureRecipe } from './features.ts';
import { baseModelVersion, type ModelVersion } from './heads.ts';
import { decodeModelVersion } from './model-file.ts';

/**
 * What every reader of model versions needs without a library: the default that ships in
 * models/heads/ and the key a recipe's cached features go under. Keeping, listing and
 * activating versions is the library's (library/model-versions.ts).
 */

/** The shipped default: models/heads/<id>.onomato-model (see its .md for the recipe and numbers). */
export const DEFAULT_HEADS_ID = 'proxy-fusion-v2';

export function defaultHeadsFile(root: string = appRoot): string {
  return join(root, 'models', 'heads', `${DEFAULT_HEADS_ID}.onomato-model`);
}

/** The default model version; the identity over the bare backbone when the shipped file is missing. */
export function defaultModelVersion(root: string = appRoot): ModelVersion {
  const file = defaultHeadsFile(root);
  if (!existsSync(file)) return baseModelVersion(BACKBONE_ONLY, 'zero-shot');
  return decodeModelVersion(readFileSync(file), file);
}

/** The store key under which a recipe's features (and its augmented copies) are cached. */
export function featureKey(recipe: FeatureRecipe, augmentedCopy = 0): string {
  const id = featureExtractor(recipe).id;
  return augmentedCopy === 0 ? id : `${id}#aug${augmentedCopy}`;
}
