import { EngineError } from '../errors.ts';
import { applyHeadBatch, headForward, scaledInput, type Head, type ModelVersion } from '../model-version/heads.ts';
import { matmulABt, normaliseInPlace } from '../model-version/matrix.ts';
import type { HeadPair } from './loss.ts';
import { heldOutSet, meanReciprocalRank, type RetrievalSet } from './retrieval.ts';
import { referenceFolds } from './split.ts';
import type { PairFeatures } from './trainer.ts';

/**
 * Personal adaptation in closed form, on top of the general imitation head (the reference head
 * and the library's embeddings never change). Twenty takes cannot retrain a 712-value head by
 * gradient steps without dragging every other voice along (models/heads/fusion-lofo-v3.md), so a
 * personal run fits two small, bounded corrections to the general head's output h:
 *
 *   offset:  h + alpha * mean_i(|h_i| t_i - h_i), the mean step from a take to its sound: the
 *            voice's own constant colouring (a whistler's takes all lean the same way, whatever
 *            they imitate). Not the mean take alone: subtracting that would also push down every
 *            sound the user taught, which a held-out measure that ranks them as rivals rewards
 *            and a user who imitates them again would not.
 *   ridge:   + W A^T h, the least-squares map that moves each take's direction a_i toward its
 *            sound's embedding t_i, pulled toward no change by lambda:
 *            W = (T - A) (A^T A + lambda I)^-1   (a rank of at most one per pair)
 *
 * alpha and lambda are chosen by k-fold cross-validation over the pairs' reference sounds
 * (never on what the run is measured on), among the settings that keep other voices (a retention
 * set, when given) within a tolerance; when no setting beats the general model on that inner
 * measure, the run returns the general heads unchanged, so the user keeps the general model.
 */

/** One setting of the two corrections: alpha of the offset, lambda of the ridge map (null = no map). */
export interface PersonalMapSetting {
  offset: number;
  ridge: number | null;
}

/** More pairs than this are a dataset, trained by gradient: the map's rank (and its solve) grows with the pairs. */
export const PERSONAL_MAP_MAX_PAIRS = 200;

export const OFFSET_STEPS = [0, 0.25, 0.5, 1];
export const RIDGE_STEPS: Array<number | null> = [null, 16, 4, 1, 0.25, 0.0625];

/** Un-normalised outputs of a version's imitation head, [rows x D]. */
function imitationOutputs(version: ModelVersion, rows: readonly Float32Array[]): Float32Array {
  const head = version.imitation;
  const out = new Float32Array(rows.length * head.dimension);
  headForward(head, scaledInput(version, flat(rows)), rows.length, out, new Float32Array(rows.length * head.rank));
  return out;
}

/** Solves (G + lambda I) X = B for X in place of B; G [n x n] symmetric positive semi-definite, B [n x m] (float64 Cholesky). */
function ridgeSolve(g: Float64Array, n: number, lambda: number, b: Float64Array, m: number): void {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * n + j] + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new EngineError('internal', 'the personal map\'s system is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * m + c];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * b[k * m + c];
      b[i * m + c] = s / l[i * n + i];
    }
  }
}

/**
 * The general imitation head with a setting's corrections folded in, as one head of rank
 * R + pairs: h' = h~ + W A^T h~ with h~ = x + U V x + b~, so U' = [U | W],
 * V' = [V ; A^T + (A^T U) V], b' = b~ + W A^T b~. Search reads it like any other head.
 */
export function personalHead(start: ModelVersion, pairs: readonly PairFeatures[], setting: PersonalMapSetting): Head {
  const g = start.imitation;
  const d = g.dimension;
  const r = g.rank;
  const n = pairs.length;
  // Targets: each pair's sound as search embeds it, read back into head-output space.
  const e = applyHeadBatch(start, 'reference', flat(pairs.map((p) => p.referenceCopies[0])), n);
  const t = start.output ? unproject(start.output, e, n, d) : e;
  const bias = g.bias.slice();
  if (setting.offset > 0) {
    const h = imitationOutputs(start, pairs.map((p) => p.imitation[0]));
    for (let i = 0; i < n; i++) {
      let norm = 0;
      for (let k = 0; k < d; k++) norm += h[i * d + k] * h[i * d + k];
      norm = Math.sqrt(norm);
      for (let k = 0; k < d; k++) bias[k] += (setting.offset / n) * (norm * t[i * d + k] - h[i * d + k]);
    }
  }
  if (setting.ridge === null) return { dimension: d, rank: r, u: g.u.slice(), v: g.v.slice(), bias };
  const shifted: Head = { ...g, bias };
  const a = imitationOutputs({ ...start, imitation: shifted }, pairs.map((p) => p.imitation[0]));
  for (let i = 0; i < n; i++) normaliseInPlace(a, i * d, d);
  // W = (T - A) (A^T A + lambda I)^-1, solved as (A^T A + lambda I) W^T = (T - A)^T.
  const gram = new Float32Array(n * n);
  matmulABt(a, a, gram, n, n, d);
  const wt = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) wt[i * d + k] = t[i * d + k] - a[i * d + k];
  ridgeSolve(Float64Array.from(gram), n, setting.ridge, wt, d);
  const u = new Float32Array(d * (r + n));
  const v = new Float32Array((r + n) * d);
  for (let k = 0; k < d; k++) {
    for (let j = 0; j < r; j++) u[k * (r + n) + j] = g.u[k * r + j];
    for (let j = 0; j < n; j++) u[k * (r + n) + r + j] = wt[j * d + k];
  }
  v.set(g.v, 0);
  // A^T (I + U V) = A^T + (A^T U) V
  for (let j = 0; j < n; j++) {
    const row = (r + j) * d;
    for (let k = 0; k < d; k++) v[row + k] = a[j * d + k];
    for (let q = 0; q < r; q++) {
      let au = 0;
      for (let k = 0; k < d; k++) au += a[j * d + k] * g.u[k * r + q];
      if (au !== 0) for (let k = 0; k < d; k++) v[row + k] += au * g.v[q * d + k];
    }
  }
  const out = bias.slice();
  for (let j = 0; j < n; j++) {
    let ab = 0;
    for (let k = 0; k < d; k++) ab += a[j * d + k] * bias[k];
    for (let k = 0; k < d; k++) out[k] += wt[j * d + k] * ab;
  }
  return { dimension: d, rank: r + n, u, v, bias: out };
}

function flat(rows: readonly Float32Array[]): Float32Array {
  const d = rows[0].length;
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}

/** Rows of search embeddings [n x k] taken back through an orthonormal output projection P [k x D]: P^T e. */
function unproject(p: Float32Array, e: Float32Array, n: number, d: number): Float32Array {
  const k = p.length / d;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const w = e[i * k + c];
      for (let j = 0; j < d; j++) out[i * d + j] += w * p[c * d + j];
    }
  }
  for (let i = 0; i < n; i++) normaliseInPlace(out, i * d, d);
  return out;
}

export interface PersonalMapFit {
  heads: HeadPair;
  setting: PersonalMapSetting;
  /** Inner cross-validated MRR of the general heads and of the chosen setting. */
  inner: { before: number; after: number; folds: number };
}

/**
 * Chooses the setting by k-fold over the pairs' reference sounds (each fold's takes ranked among
 * every pair's sound and the distractors, as the run's own held-out measure does) and fits it on
 * all the pairs. Keeps the general heads when nothing beats them by more than `margin` (default
 * 10% of their inner MRR, at least 0.01).
 */
export function fitPersonalMap(
  start: ModelVersion,
  pairs: readonly PairFeatures[],
  opts: { distractors?: readonly Float32Array[]; seed: number; margin?: number; retain?: { set: RetrievalSet; tolerance: number } },
): PersonalMapFit {
  if (pairs.length > PERSONAL_MAP_MAX_PAIRS) {
    throw new EngineError('invalid-argument', `a closed-form personal map takes at most ${PERSONAL_MAP_MAX_PAIRS} pairs (its rank grows by one a pair); ${pairs.length} pairs are a dataset: train by gradient`);
  }
  const references = [...new Set(pairs.map((p) => p.reference))];
  const general: HeadPair = { imitation: start.imitation, reference: start.reference };
  if (references.length < 3) return { heads: general, setting: { offset: 0, ridge: null }, inner: { before: NaN, after: NaN, folds: 0 } };
  const folds = Math.min(5, references.length);
  const foldOf = referenceFolds(references, folds, opts.seed);
  const sets = Array.from({ length: folds }, (_, f) => {
    const held = (p: PairFeatures) => foldOf.get(p.reference) === f;
    return { train: pairs.filter((p) => !held(p)), set: heldOutSet(pairs, held, opts.distractors) };
  });
  const score = (setting: PersonalMapSetting): number => {
    let sum = 0;
    for (const s of sets) {
      const imitation = setting.offset === 0 && setting.ridge === null ? start.imitation : personalHead(start, s.train, setting);
      sum += meanReciprocalRank({ ...start, imitation }, s.set);
    }
    return sum / folds;
  };
  const before = score({ offset: 0, ridge: null });
  // Other voices read the same imitation head: a setting that costs them more than the tolerance
  // on the retention set (never the set the run is judged on) is not a candidate.
  const retainBefore = opts.retain ? meanReciprocalRank(start, opts.retain.set) : NaN;
  const keepsOthers = (setting: PersonalMapSetting): boolean =>
    !opts.retain || meanReciprocalRank({ ...start, imitation: personalHead(start, pairs, setting) }, opts.retain.set) >= retainBefore - opts.retain.tolerance;
  let best = { setting: { offset: 0, ridge: null } as PersonalMapSetting, value: before };
  for (const offset of OFFSET_STEPS) {
    for (const ridge of RIDGE_STEPS) {
      if (offset === 0 && ridge === null) continue;
      const value = score({ offset, ridge });
      if (value > best.value && !keepsOthers({ offset, ridge })) continue;
      if (value > best.value) best = { setting: { offset, ridge }, value };
    }
  }
  // A gain inside the inner measure's noise (twenty takes, four a fold) is no reason to leave the general model.
  if (best.value <= before + (opts.margin ?? Math.max(0.01, 0.1 * before))) return { heads: general, setting: { offset: 0, ridge: null }, inner: { before, after: before, folds } };
  return { heads: { imitation: personalHead(start, pairs, best.setting), reference: start.reference }, setting: best.setting, inner: { before, after: best.value, folds } };
}
