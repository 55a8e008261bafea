import { EngineError } from '../errors.ts';
import { hashString, seededRandom, shuffle } from '../random.ts';

/**
 * Hold-out splits are made BY REFERENCE SOUND, never by imitation: two imitations of one sound
 * on both sides of a split would let a model score well by recognising the sound it was trained
 * on, which says nothing about sounds it has not seen.
 */

/** Assigns each distinct reference key to one of `k` folds, as evenly as possible (seeded). */
export function referenceFolds(keys: readonly string[], k: number, seed: number): Map<string, number> {
  const distinct = [...new Set(keys)].sort();
  if (k < 2 || k > distinct.length) throw new EngineError('invalid-argument', `cannot make ${k} folds from ${distinct.length} reference sounds`);
  shuffle(distinct, seededRandom(seed));
  return new Map(distinct.map((key, i) => [key, i % k]));
}

/** A split that does not move when sounds are added: the key's hash decides (share in [0, 1] held out). */
export function isHeldOut(key: string, share: number): boolean {
  return hashString(key) % 1000 < share * 1000;
}

/**
 * How a run holds pairs out: k-fold over reference sounds when there are few (personal
 * fine-tuning from ~20 pairs), one held-out fifth when there are many.
 */
export function holdOutPlan(referenceCount: number): { kind: 'k-fold'; folds: number } | { kind: 'hold-out'; share: number } {
  if (referenceCount < 2) throw new EngineError('invalid-argument', 'at least two different reference sounds are needed to hold some out');
  if (referenceCount < 50) return { kind: 'k-fold', folds: Math.min(5, referenceCount) };
  return { kind: 'hold-out', share: 0.2 };
}
