import { describe, expect, it } from 'vitest';
import type { FeatureRecipe } from '../../../src-main/engine/model-version/features.ts';
import { applyHead, baseModelVersion, type ModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { gaussian, mulberry32, type Random } from '../../../src-main/engine/random.ts';
import { fitPersonalMap, personalHead, PERSONAL_MAP_MAX_PAIRS } from '../../../src-main/engine/training/personal-map.ts';
import { runTraining } from '../../../src-main/engine/training/run.ts';
import { heldOutSet, meanReciprocalRank } from '../../../src-main/engine/training/retrieval.ts';
import type { PairFeatures } from '../../../src-main/engine/training/trainer.ts';

// A 32-d feature space: the envelope part alone has 32 values, so a real recipe gives the shape.
const RECIPE: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'envelope', weight: 1 }] };
const D = 32;

const unit = (v: Float32Array): Float32Array => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const randomUnit = (random: Random): Float32Array => unit(Float32Array.from({ length: D }, () => gaussian(random)));
const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

/** A general model that is not the identity: random rank-4 heads with biases, an input scale and an output projection to 24 values. */
function generalModel(random: Random): ModelVersion {
  const base = baseModelVersion(RECIPE, 'general');
  const head = () => ({
    dimension: D,
    rank: 4,
    u: Float32Array.from({ length: D * 4 }, () => 0.3 * gaussian(random)),
    v: Float32Array.from({ length: 4 * D }, () => 0.3 * gaussian(random)),
    bias: Float32Array.from({ length: D }, () => 0.05 * gaussian(random)),
  });
  const k = 24;
  const output = new Float32Array(k * D);
  for (let r = 0; r < k; r++) output[r * D + ((r * 5) % D)] = 1;
  return { ...base, imitation: head(), reference: head(), inputScale: Float32Array.from({ length: D }, () => 0.5 + random()), output };
}

/**
 * A voice with its own constant colouring: every take is its sound plus the same offset (and
 * noise), so the general model's cosine ranks the sounds nearest the offset first.
 */
function colouredVoice(references: number, offset: number, seed: number): PairFeatures[] {
  const random = mulberry32(seed);
  const colour = randomUnit(random);
  return Array.from({ length: references }, (_, r) => {
    const ref = randomUnit(random);
    const take = unit(Float32Array.from({ length: D }, (_, i) => ref[i] + offset * colour[i] + 0.35 * gaussian(random)));
    return { reference: `sound-${r}`, imitation: [take], referenceCopies: [ref] };
  });
}

/** 20 pairs of a voice coloured by `offset` (seed `seed`), 100 other library sounds (seed `seed` + 1), and the general model. */
function voiceAmongSounds(offset: number, seed: number) {
  const random = mulberry32(seed + 1);
  return {
    pairs: colouredVoice(20, offset, seed),
    distractors: Array.from({ length: 100 }, () => randomUnit(random)),
    start: baseModelVersion(RECIPE, 'general'),
  };
}

describe('closed-form personal map', () => {
  it('folds the offset and the ridge map into one head: with almost no pull, every take lands on its own sound', () => {
    const random = mulberry32(3);
    const start = generalModel(random);
    const pairs = colouredVoice(12, 0.8, 5);
    const imitation = personalHead(start, pairs, { offset: 1, ridge: 1e-7 });
    expect(imitation.rank).toBe(start.imitation.rank + pairs.length);
    const personal = { ...start, imitation };
    for (const p of pairs) {
      const target = applyHead(start, 'reference', p.referenceCopies[0]);
      expect(cosine(applyHead(personal, 'imitation', p.imitation[0]), target)).toBeGreaterThan(0.999);
      // The general head does not: the map is what moved it.
      expect(cosine(applyHead(start, 'imitation', p.imitation[0]), target)).toBeLessThan(0.99);
    }
  });

  it('lifts a coloured voice on sounds it was not taught (k-fold), choosing the offset by inner cross-validation, and leaves the library side alone', async () => {
    const { pairs, distractors, start } = voiceAmongSounds(1.5, 11);
    const result = await runTraining({ id: 'personal', start, pairs, distractors, config: { adaptation: 'personal-map', trainReference: false } });
    const { before, after } = result.metrics.heldOut;
    expect(after).toBeGreaterThan(1.3 * before);
    expect(result.accepted).toBe(true);
    expect(result.metrics.personalMap?.some((s) => s.offset > 0)).toBe(true);
    expect(result.version.reference).toBe(start.reference);
    expect(result.history.map((h) => h.epochs)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('keeps the general heads when inner cross-validation finds nothing to gain (a voice the general model already hears)', () => {
    const { pairs, distractors, start } = voiceAmongSounds(0, 21);
    const fit = fitPersonalMap(start, pairs, { distractors, seed: 1 });
    expect(fit.setting).toEqual({ offset: 0, ridge: null });
    expect(fit.heads.imitation).toBe(start.imitation);
    expect(fit.inner.after).toBe(fit.inner.before);
  });

  it('chooses only among settings that leave other voices on the retention set within the tolerance', () => {
    const { pairs, distractors, start } = voiceAmongSounds(1.5, 41);
    const free = fitPersonalMap(start, pairs, { distractors, seed: 1 });
    const others = colouredVoice(60, 0, 43);
    const retain = { set: heldOutSet(others, () => true, distractors), tolerance: 0 };
    const before = meanReciprocalRank(start, retain.set);
    const freeCost = before - meanReciprocalRank({ ...start, ...free.heads }, retain.set);
    expect(freeCost, 'the unconstrained map costs the other voice something').toBeGreaterThan(0);
    const kept = fitPersonalMap(start, pairs, { distractors, seed: 1, retain });
    expect(meanReciprocalRank({ ...start, ...kept.heads }, retain.set)).toBeGreaterThanOrEqual(before);
  });

  it('refuses a dataset-sized run with a sentence that says what to do instead', () => {
    const pairs = colouredVoice(PERSONAL_MAP_MAX_PAIRS + 1, 0.5, 31);
    expect(() => fitPersonalMap(baseModelVersion(RECIPE), pairs, { seed: 1 })).toThrow(/at most 200 pairs.*train by gradient/);
  });
});
