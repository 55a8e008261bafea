import { mulberry32 } from '../../../src-main/engine/random.ts';

/**
 * Deterministic synthetic embeddings shaped like the reference tower's: L2-normalised, grouped
 * around a few hundred sound "kinds", and (with `bias`) sharing a common positive direction the
 * way pooled post-activation features do, which squeezes all cosines into a narrow high band and
 * makes int8 rounding matter. Any vector can be regenerated from its id, so the bench can hand
 * exact embeddings back to the index without keeping a million of them.
 */

export interface EmbeddingSpace {
  dimension: number;
  centres: Float32Array[];
  /** Noise added to a centre, relative to the centre's norm: 0.02 gives near-duplicates. */
  spread: number;
}

/** The product's mulberry32: small, fast, good enough for test data. */
export const random = mulberry32;

/** One cheap zero-mean sample per call (triangular, variance 1/6): the shape of the noise does not matter here. */
function noise(next: () => number): number {
  return next() + next() - 1;
}

export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= k;
  return v;
}

export function randomUnit(dimension: number, seed: number): Float32Array {
  const next = random(seed);
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) v[i] = noise(next);
  return normalise(v);
}

/**
 * `kinds` centres; with `bias` > 0 each centre is pulled toward one shared positive direction
 * (bias 2 puts typical cosines between unrelated sounds near 0.8).
 */
export function embeddingSpace(dimension: number, options: { kinds: number; spread: number; bias?: number; seed?: number }): EmbeddingSpace {
  const seed = options.seed ?? 1;
  const shared = randomUnit(dimension, seed * 7919);
  for (let i = 0; i < dimension; i++) shared[i] = Math.abs(shared[i]);
  normalise(shared);
  const bias = options.bias ?? 0;
  const centres: Float32Array[] = [];
  for (let k = 0; k < options.kinds; k++) {
    const c = randomUnit(dimension, seed * 1_000_003 + k);
    for (let i = 0; i < dimension; i++) c[i] += bias * shared[i];
    centres.push(normalise(c));
  }
  return { dimension, centres, spread: options.spread };
}

/** The embedding of item `id` (a sound window or an imitation), written into `out`. */
export function embeddingOf(space: EmbeddingSpace, id: number, out = new Float32Array(space.dimension)): Float32Array {
  const next = random(id * 2654435761 + 12345);
  const centre = space.centres[Math.floor(next() * space.centres.length)];
  // Triangular noise has variance 1/6 per dimension; scale it to `spread` of a unit vector overall.
  const k = space.spread * Math.sqrt(6 / space.dimension);
  for (let i = 0; i < space.dimension; i++) out[i] = centre[i] + k * noise(next);
  return normalise(out);
}

/** A vector near `base` (an imitation of it): `spread` relative noise. */
export function perturbed(base: Float32Array, spread: number, seed: number): Float32Array {
  const next = random(seed);
  const k = spread * Math.sqrt(6 / base.length);
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = base[i] + k * noise(next);
  return normalise(out);
}

export interface NaiveSound {
  soundId: number;
  windows: Array<{ offsetSec: number; embedding: Float32Array }>;
}

/** The obvious loop: every window's dot product, best window per sound, sorted. */
export function naiveSearch(
  sounds: readonly NaiveSound[],
  query: Float32Array,
  top: number,
  allow: (soundId: number) => boolean = () => true,
): Array<{ soundId: number; score: number; offsetSec: number }> {
  const best: Array<{ soundId: number; score: number; offsetSec: number }> = [];
  for (const sound of sounds) {
    if (!allow(sound.soundId)) continue;
    let score = -Infinity;
    let offsetSec = 0;
    for (const w of sound.windows) {
      let s = 0;
      for (let i = 0; i < query.length; i++) s += query[i] * w.embedding[i];
      if (s > score) {
        score = s;
        offsetSec = w.offsetSec;
      }
    }
    best.push({ soundId: sound.soundId, score, offsetSec });
  }
  return best.sort((a, b) => b.score - a.score || a.soundId - b.soundId).slice(0, top);
}

/** Fraction of the exact top-K sound ids that `found` also returned. */
export function recallAt(exact: ReadonlyArray<{ soundId: number }>, found: ReadonlyArray<{ soundId: number }>): number {
  const got = new Set(found.map((m) => m.soundId));
  return exact.filter((m) => got.has(m.soundId)).length / exact.length;
}
