import { describe, expect, it } from 'vitest';
import type { FeatureRecipe } from '../../../src-main/engine/model-version/features.ts';
import { applyHead, baseModelVersion, identityHead, type ModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { decodeRunCheckpoint, encodeRunCheckpoint, runTraining, type RunCheckpoint } from '../../../src-main/engine/training/run.ts';
import { gaussian, mulberry32, randomInt } from '../../../src-main/engine/random.ts';
import { DEFAULT_TRAIN_CONFIG, trainHeads, type PairFeatures } from '../../../src-main/engine/training/trainer.ts';
import { heldOutSet } from '../../../src-main/engine/training/retrieval.ts';
import { meanReciprocalRank } from '../../../src-main/engine/training/retrieval.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';

// A 32-d feature space: the envelope part alone has 32 values, so a real recipe gives the shape.
const RECIPE: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'envelope', weight: 1 }] };
const D = 32;

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/**
 * A task a linear head can learn and the identity cannot: imitations are their reference with
 * the coordinates permuted and sign-flipped, plus noise. Zero-shot cosine is near chance.
 */
function learnableTask(references: number, perReference: number, seed: number): PairFeatures[] {
  const random = mulberry32(seed);
  const perm = Array.from({ length: D }, (_, i) => i).sort(() => 0);
  for (let i = D - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const signs = Array.from({ length: D }, () => (random() < 0.5 ? -1 : 1));
  const pairs: PairFeatures[] = [];
  for (let r = 0; r < references; r++) {
    const ref = unit(Float32Array.from({ length: D }, () => gaussian(random)));
    for (let k = 0; k < perReference; k++) {
      const imitation = unit(Float32Array.from({ length: D }, (_, i) => signs[i] * ref[perm[i]] + 0.15 * gaussian(random)));
      pairs.push({ reference: `sound-${r}`, imitation: [imitation], referenceCopies: [ref] });
    }
  }
  return pairs;
}

describe('training run', () => {
  it('learns a task the identity cannot solve, measured on reference sounds it never saw', async () => {
    const start = baseModelVersion(RECIPE);
    const progress: number[] = [];
    const result = await runTraining(
      { id: 'learn', start, pairs: learnableTask(80, 3, 7), config: { epochs: 30, rank: D, batchSize: 32, learningRate: 1e-2, temperature: 0.1, regularisation: 0 } },
      { onProgress: (p) => progress.push(p.loss) },
    );
    expect(result.metrics.heldOut.scheme).toMatch(/held out/);
    expect(result.metrics.heldOut.before).toBeLessThan(0.3);
    expect(result.metrics.heldOut.after).toBeGreaterThan(0.8);
    expect(progress.at(-1)!).toBeLessThan(progress[0]);
    expect(result.accepted).toBe(true);
    expect(result.version.status).toBe('accepted');
  });

  it('trains one shared head for both sides: one set of weights, learning what both sides need', async () => {
    // Both sides carry the sound in the first half and loud, unrelated noise in the second:
    // the identity is swamped by the noise; one map that drops the second half solves it.
    const random = mulberry32(11);
    const side = (sound: Float32Array) => unit(Float32Array.from({ length: D }, (_, i) => (i < D / 2 ? sound[i] : 1.5 * gaussian(random))));
    const task = (refs: number, prefix: string): PairFeatures[] => Array.from({ length: refs * 2 }, (_, i) => {
      const sound = Float32Array.from({ length: D / 2 }, () => gaussian(random));
      return { reference: `${prefix}${Math.floor(i / 2)}`, imitation: [side(sound)], referenceCopies: [side(sound)] };
    });
    const train = task(120, 'train-');
    const test = task(40, 'test-');
    const start = baseModelVersion(RECIPE);
    const heads = await trainHeads(start, train, { ...DEFAULT_TRAIN_CONFIG, sharedHead: true, epochs: 25, rank: D, batchSize: 32, learningRate: 1e-2, temperature: 0.1, regularisation: 0 });
    expect(heads.reference).toBe(heads.imitation);
    const set = heldOutSet(test, () => true);
    expect(meanReciprocalRank({ ...start, ...heads }, set)).toBeGreaterThan(meanReciprocalRank(start, set) + 0.2);
    const unequal = { ...start, reference: { ...identityHead(D, 2, mulberry32(1)), u: new Float32Array(2 * D).fill(0.1) } };
    await expect(trainHeads(unequal, train, { ...DEFAULT_TRAIN_CONFIG, sharedHead: true, epochs: 1 })).rejects.toThrow(/equal starting heads/);
  });

  it('uses k-fold by reference sound with few pairs, and rejects a run that makes things worse', async () => {
    // Random pairs: nothing to learn, so training from a perfect start can only lose.
    const random = mulberry32(3);
    const pairs: PairFeatures[] = Array.from({ length: 20 }, (_, i) => {
      const ref = unit(Float32Array.from({ length: D }, () => gaussian(random)));
      return { reference: `s${i % 10}`, imitation: [unit(Float32Array.from({ length: D }, () => gaussian(random)))], referenceCopies: [ref] };
    });
    const result = await runTraining({ id: 'noise', start: baseModelVersion(RECIPE), pairs, config: { epochs: 15, rank: 8, learningRate: 5e-2, regularisation: 0 } });
    expect(result.metrics.heldOut.scheme).toBe('5-fold by reference sound');
    expect(result.metrics.heldOut.folds).toHaveLength(5);
    expect(result.metrics.heldOut.pairs).toBe(20);
    if (!result.accepted) expect(result.version.status).toBe('rejected');
    else expect(result.metrics.heldOut.after).toBeGreaterThanOrEqual(result.metrics.heldOut.before);
  });

  it('stops on cancel and resumes to the same heads as an uninterrupted run', async () => {
    const pairs = learnableTask(60, 2, 11);
    const config = { epochs: 6, rank: 8, batchSize: 16, learningRate: 5e-3 };
    const start: ModelVersion = baseModelVersion(RECIPE);
    const full = await runTraining({ id: 'r', start, pairs, config });

    const controller = new AbortController();
    let saved: RunCheckpoint | undefined;
    const interrupted = runTraining({ id: 'r', start, pairs, config }, {
      signal: controller.signal,
      onProgress: (p) => { if (p.epoch === 2) controller.abort(); },
      onCheckpoint: (c) => { saved = decodeRunCheckpoint(encodeRunCheckpoint(c)); },
    });
    await expect(interrupted).rejects.toSatisfy((e: unknown) => e instanceof EngineError && e.kind === 'cancelled');
    expect(saved?.trainer?.epoch).toBe(2);
    const resumed = await runTraining({ id: 'r', start, pairs, config }, { resume: saved });
    expect(resumed.history.map((h) => h.epoch)).toEqual(full.history.map((h) => h.epoch));
    expect(Array.from(resumed.version.imitation.u)).toEqual(Array.from(full.version.imitation.u));
    expect(resumed.metrics.heldOut.after).toBe(full.metrics.heldOut.after);
  });

  it('starts from the identity, so an untrained version scores exactly as the raw features', () => {
    const v = { ...baseModelVersion(RECIPE), imitation: identityHead(D, 4, mulberry32(1)) };
    const x = Float32Array.from({ length: D }, (_, i) => Math.sin(i + 1));
    const y = applyHead(v, 'imitation', x);
    const n = Math.hypot(...x);
    expect(Math.max(...y.map((yi, i) => Math.abs(yi - x[i] / n)))).toBeLessThan(1e-6);
  });
});
