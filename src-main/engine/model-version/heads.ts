import { EngineError } from '../errors.ts';
import { featureExtractor, type FeatureRecipe } from './features.ts';
import { matmulABt, normaliseInPlace } from './matrix.ts';
import type { Random } from '../random.ts';

/**
 * A head maps a window's raw features to its search embedding:
 *
 *     embedding = normalise(x + U (V x) + b)
 *
 * a linear map that is the identity plus a rank-R correction. It starts as the identity (U = 0,
 * b = 0), so an untrained model version searches exactly as the fused raw features do
 * (zero-shot); training moves only U, V and b. The low rank keeps a training step at about
 * 5 x batch x R x D multiply-adds per tower, which is what makes 12,000 pairs x 20 epochs fit in
 * two minutes on a laptop CPU, and a rank of 32-64 is as much as a few thousand pairs can fit.
 */
export interface Head {
  dimension: number;
  rank: number;
  /** [dimension x rank], row-major. */
  u: Float32Array;
  /** [rank x dimension], row-major. */
  v: Float32Array;
  /** [dimension]. */
  bias: Float32Array;
}

export type Tower = 'imitation' | 'reference';

export type VersionStatus = 'base' | 'accepted' | 'rejected';

/** A model version: the feature recipe it reads and its two heads, plus how it was made. */
export interface ModelVersion {
  id: string;
  name: string;
  createdAt: number;
  status: VersionStatus;
  features: FeatureRecipe;
  imitation: Head;
  reference: Head;
  /** The version it was trained from, if any. */
  parent: string | null;
  /** Training configuration and data summary (JSON). */
  training: Record<string, unknown>;
  /** Measured numbers (JSON), e.g. held-out MRR before and after. */
  metrics: Record<string, unknown>;
  /**
   * Optional fixed projection of both heads' outputs to fewer values ([k x dimension], orthonormal
   * rows, e.g. their principal components): search vectors are then k long, which keeps the
   * index's memory and scan time those of a k-value model while cosines barely move.
   */
  output?: Float32Array;
}

/** How many values a search vector of this version has. */
export function searchDimension(version: ModelVersion): number {
  return version.output ? version.output.length / version.reference.dimension : version.reference.dimension;
}

/** Projects one head output through the version's output projection (if any), then L2-normalises. */
function finish(version: ModelVersion, h: Float32Array, at: number, d: number, out: Float32Array, outAt: number): void {
  const p = version.output;
  if (!p) {
    out.set(h.subarray(at, at + d), outAt);
    normaliseInPlace(out, outAt, d);
    return;
  }
  const k = p.length / d;
  for (let r = 0; r < k; r++) {
    let sum = 0;
    const row = r * d;
    for (let c = 0; c < d; c++) sum += p[row + c] * h[at + c];
    out[outAt + r] = sum;
  }
  normaliseInPlace(out, outAt, k);
}

export function identityHead(dimension: number, rank = 0, random?: Random): Head {
  const v = new Float32Array(rank * dimension);
  if (rank > 0) {
    if (!random) throw new EngineError('internal', 'a head with a rank needs a random source for V');
    const scale = 1 / Math.sqrt(dimension);
    for (let i = 0; i < v.length; i++) v[i] = random.normal() * scale;
  }
  return { dimension, rank, u: new Float32Array(dimension * rank), v, bias: new Float32Array(dimension) };
}

export function cloneHead(h: Head): Head {
  return { dimension: h.dimension, rank: h.rank, u: h.u.slice(), v: h.v.slice(), bias: h.bias.slice() };
}

/** The untrained version over a recipe: both heads the identity, so it equals zero-shot search. */
export function baseModelVersion(features: FeatureRecipe, id = `base-${featureExtractor(features).id}`): ModelVersion {
  const dimension = featureExtractor(features).dimension;
  return {
    id,
    name: 'Zero-shot (untrained heads)',
    createdAt: 0,
    status: 'base',
    features,
    imitation: identityHead(dimension),
    reference: identityHead(dimension),
    parent: null,
    training: {},
    metrics: {},
  };
}

/** Un-normalised head output for a batch: out[n x D] = X + (X V^T) U^T + b. `z` receives X V^T [n x R]. */
export function headForward(head: Head, x: Float32Array, n: number, out: Float32Array, z: Float32Array): void {
  const { dimension: d, rank: r } = head;
  if (r > 0) {
    matmulABt(x, head.v, z, n, r, d);
    matmulABt(z, head.u, out, n, d, r);
  } else {
    out.fill(0, 0, n * d);
  }
  const b = head.bias;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let k = 0; k < d; k++) out[o + k] += x[o + k] + b[k];
  }
}

/** A window's search embedding through one tower of a version (L2-normalised). */
export function applyHead(version: ModelVersion, tower: Tower, features: Float32Array): Float32Array {
  const head = version[tower];
  if (features.length !== head.dimension) {
    throw new EngineError('invalid-argument', `model ${version.id} expects ${head.dimension} feature values, got ${features.length}`);
  }
  const h = new Float32Array(head.dimension);
  headForward(head, features, 1, h, new Float32Array(head.rank));
  const out = new Float32Array(searchDimension(version));
  finish(version, h, 0, head.dimension, out, 0);
  return out;
}

/** Many windows at once (rows of `features`, [n x D]); faster than applyHead in a loop. */
export function applyHeadBatch(version: ModelVersion, tower: Tower, features: Float32Array, n: number): Float32Array {
  const head = version[tower];
  if (features.length !== n * head.dimension) {
    throw new EngineError('invalid-argument', `model ${version.id} expects ${n} x ${head.dimension} feature values, got ${features.length}`);
  }
  const h = new Float32Array(n * head.dimension);
  headForward(head, features, n, h, new Float32Array(n * head.rank));
  const k = searchDimension(version);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) finish(version, h, i * head.dimension, head.dimension, out, i * k);
  return out;
}
