import { EngineError } from '../errors.ts';
import type { LogMel } from '../features/log-mel.ts';
import { normaliseInPlace } from './matrix.ts';
import { brightnessDescriptor, coarseMel, envelopeDescriptor, modulationDescriptor } from './window-descriptors.ts';

/**
 * The raw features of one 10 s window: what heads are trained on and what the library caches
 * (never recomputed without cause). One fixed-size vector, made of parts that are each
 * L2-normalised and scaled by sqrt(weight), so the dot product of two feature vectors is the
 * weighted sum of the parts' cosines, and search stays one cosine top-K over one vector.
 *
 * Parts:
 * - backbone: the pooled AudioSet MobileNet embedding (384-d for mn04): what the sound is;
 * - modulation: a 2DFT-like |2-D FFT| of a coarse log-mel (shift-invariant in time and pitch);
 * - envelope / brightness: loudness and brightness contours from the onset on (timing and shape).
 */

export type FeaturePartName = 'backbone' | 'modulation' | 'envelope' | 'brightness';

export interface FeaturePart {
  name: FeaturePartName;
  weight: number;
}

export interface FeatureRecipe {
  /** The backbone whose pooled embedding the `backbone` part holds (catalogue id, e.g. mn04_as). */
  backbone: string;
  /**
   * The backbone's embedding size, for a backbone Onomato does not know by name (a checkpoint the
   * user added, of any width); the catalogue's sizes are known without it.
   */
  backboneSize?: number;
  parts: FeaturePart[];
}

export interface BackboneOutput {
  /** L2-normalised pooled embedding. */
  embedding: Float32Array;
  logits: Float32Array;
}

export interface FeatureExtractor {
  /** Names the recipe exactly: cached features are keyed by it, so a different recipe never reuses them. */
  id: string;
  dimension: number;
  recipe: FeatureRecipe;
  /** `window`: 10 s of mono 32 kHz; `logMel`: its QVIM log-mel; `backbone`: the backbone's output for it. */
  extract(window: Float32Array, logMel: LogMel, backbone: BackboneOutput): Float32Array;
}

const PART_SIZES: Record<Exclude<FeaturePartName, 'backbone'>, number> = {
  modulation: modulationDescriptor(new Float32Array(32 * 250)).length,
  envelope: 32,
  brightness: 32,
};

const BACKBONE_SIZES: Record<string, number> = { mn04_as: 384, mn10_as: 960 };

export function partSize(name: FeaturePartName, recipe: Pick<FeatureRecipe, 'backbone' | 'backboneSize'>): number {
  if (name !== 'backbone') return PART_SIZES[name];
  const size = recipe.backboneSize ?? BACKBONE_SIZES[recipe.backbone];
  if (!size) throw new EngineError('invalid-argument', `no embedding size is known for backbone "${recipe.backbone}"`);
  return size;
}

export function recipeId(recipe: FeatureRecipe): string {
  return `${recipe.backbone}:${recipe.parts.map((p) => `${p.name}*${+p.weight.toFixed(4)}`).join('+')}/v1`;
}

/** The recipe that zero-shot search on the bare backbone uses. */
export const BACKBONE_ONLY: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'backbone', weight: 1 }] };

/** Writes each part, L2-normalised and scaled by sqrt(weight), one after another. */
export function fuseParts(recipe: FeatureRecipe, values: Partial<Record<FeaturePartName, Float32Array>>): Float32Array {
  const sizes = recipe.parts.map((p) => partSize(p.name, recipe));
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  let offset = 0;
  recipe.parts.forEach((p, i) => {
    const v = values[p.name];
    if (!v || v.length !== sizes[i]) throw new EngineError('internal', `feature part ${p.name} has ${v?.length ?? 0} values, expected ${sizes[i]}`);
    out.set(v, offset);
    normaliseInPlace(out, offset, sizes[i]);
    const scale = Math.sqrt(p.weight);
    for (let k = offset; k < offset + sizes[i]; k++) out[k] *= scale;
    offset += sizes[i];
  });
  return out;
}

/**
 * Rows of features made with `from` as `to` would have made them, without recomputing anything:
 * each part of `to` is taken from `from` (so it must be one of its parts, over the same backbone)
 * and rescaled from sqrt(from's weight) to sqrt(to's weight). Parts are normalised one by one, so
 * this is exact; it is what lets part weights be searched over one cached set of features.
 */
export function reweightFeatures(rows: Float32Array, from: FeatureRecipe, to: FeatureRecipe): Float32Array {
  if (from.backbone !== to.backbone) throw new EngineError('invalid-argument', `features of ${from.backbone} cannot be read as ${to.backbone}'s`);
  const inD = featureExtractor(from).dimension;
  const outD = featureExtractor(to).dimension;
  const offsets = new Map<FeaturePartName, { at: number; weight: number }>();
  let at = 0;
  for (const p of from.parts) {
    offsets.set(p.name, { at, weight: p.weight });
    at += partSize(p.name, from);
  }
  const n = rows.length / inD;
  const out = new Float32Array(n * outD);
  let to0 = 0;
  for (const p of to.parts) {
    const source = offsets.get(p.name);
    if (!source) throw new EngineError('invalid-argument', `features ${recipeId(from)} have no ${p.name} part`);
    const size = partSize(p.name, to);
    const scale = Math.sqrt(p.weight / source.weight);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < size; k++) out[r * outD + to0 + k] = rows[r * inD + source.at + k] * scale;
    }
    to0 += size;
  }
  return out;
}

/** The descriptor parts a recipe needs, from the coarse log-mel grid (see window-descriptors.ts). */
export function descriptorParts(recipe: FeatureRecipe, coarse: Float32Array): Partial<Record<FeaturePartName, Float32Array>> {
  const out: Partial<Record<FeaturePartName, Float32Array>> = {};
  for (const p of recipe.parts) {
    if (p.name === 'modulation') out.modulation = modulationDescriptor(coarse);
    else if (p.name === 'envelope') out.envelope = envelopeDescriptor(coarse);
    else if (p.name === 'brightness') out.brightness = brightnessDescriptor(coarse);
  }
  return out;
}

export function featureExtractor(recipe: FeatureRecipe): FeatureExtractor {
  if (recipe.parts.length === 0) throw new EngineError('invalid-argument', 'a feature recipe needs at least one part');
  for (const p of recipe.parts) {
    if (!(p.weight > 0)) throw new EngineError('invalid-argument', `feature part ${p.name} needs a positive weight`);
  }
  const dimension = recipe.parts.reduce((s, p) => s + partSize(p.name, recipe), 0);
  const needsDescriptors = recipe.parts.some((p) => p.name !== 'backbone');
  return {
    id: recipeId(recipe),
    dimension,
    recipe,
    extract(_window, logMel, backbone) {
      const parts = needsDescriptors ? descriptorParts(recipe, coarseMel(logMel)) : {};
      return fuseParts(recipe, { ...parts, backbone: backbone.embedding });
    },
  };
}
