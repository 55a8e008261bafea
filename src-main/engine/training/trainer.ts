import { EngineError } from '../errors.ts';
import { cloneHead, identityHead, type Head, type ModelVersion } from '../model-version/heads.ts';
import { infoNceStep, LossScratch, zeroGradients, type HeadGradients, type HeadPair } from './loss.ts';
import { adamWState, adamWStep, type AdamWState } from './optimiser.ts';
import { mulberry32, randomInt, shuffle } from '../random.ts';
import { nextTurn } from '../search/time-slice.ts';

/** One training pair's cached features: the clean copy first, then augmented copies (see augment.ts). */
export interface PairFeatures {
  /** Which reference sound this is: pairs with the same key imitate the same sound. */
  reference: string;
  imitation: Float32Array[];
  referenceCopies: Float32Array[];
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  temperature: number;
  /** Rank of the heads' correction (used when the starting heads have none). */
  rank: number;
  /** Pull toward the starting heads (lambda of loss.ts). */
  regularisation: number;
  weightDecay: number;
  maskSameReference: boolean;
  /** Chance of drawing an augmented copy instead of the clean one, per side and step. */
  augmentedShare: number;
  /**
   * Whether the reference head learns too. Personal runs leave it alone: a user's imitation
   * style is on the imitation side, and an unchanged reference head needs no re-embedding.
   */
  trainReference: boolean;
  /**
   * One head for both sides (imitations and references through the same map), as the 2025
   * challenge winner's shared encoder: half the parameters, and nothing can learn one side's
   * synthesiser alone. Needs starting heads that are equal (the identity is).
   */
  sharedHead: boolean;
  /**
   * 'gradient': InfoNCE steps (this file). 'personal-map': a closed-form offset and ridge map on
   * top of the starting imitation head, chosen by inner cross-validation (personal-map.ts), for
   * the few pairs of a personal run; epochs, learning rate and lambda do not apply to it.
   */
  adaptation: 'gradient' | 'personal-map';
  seed: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 20,
  batchSize: 64,
  learningRate: 2e-3,
  temperature: 0.07,
  rank: 32,
  regularisation: 0.01,
  weightDecay: 0,
  maskSameReference: true,
  augmentedShare: 0.5,
  trainReference: true,
  sharedHead: false,
  adaptation: 'gradient',
  seed: 1,
};

/** What a run can pick up from after a cancel or a crash: the state at the end of an epoch. */
export interface TrainerState {
  epoch: number;
  heads: HeadPair;
  optimiser: AdamWState;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  /** Held-out MRR after this epoch, when the trainer was given a validation measure. */
  validationMrr?: number;
}

export interface TrainHooks {
  signal?: AbortSignal;
  /** Scores the heads after each epoch (e.g. held-out MRR); shown as the validation curve. */
  validate?: (heads: HeadPair) => number;
  onEpoch?: (report: EpochReport, state: TrainerState) => void | Promise<void>;
  resume?: TrainerState;
}

/** The heads training starts from: the starting version's, given a rank if they are bare identities. */
export function startingHeads(start: ModelVersion, rank: number, seed: number): HeadPair {
  const random = mulberry32(seed ^ 0xa5a5a5);
  const widen = (h: Head): Head => (h.rank > 0 ? cloneHead(h) : { ...identityHead(h.dimension, rank, random), bias: h.bias.slice() });
  return { imitation: widen(start.imitation), reference: widen(start.reference) };
}

function sameHead(a: Head, b: Head): boolean {
  const same = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.rank === b.rank && same(a.u, b.u) && same(a.v, b.v) && same(a.bias, b.bias);
}

function parameters(h: HeadPair): Float32Array[] {
  return [h.imitation.u, h.imitation.v, h.imitation.bias, h.reference.u, h.reference.v, h.reference.bias];
}

function gradientList(g: { imitation: HeadGradients; reference: HeadGradients }): Float32Array[] {
  return [g.imitation.u, g.imitation.v, g.imitation.bias, g.reference.u, g.reference.v, g.reference.bias];
}

/**
 * Trains both heads with InfoNCE from `start` over `pairs`. Returns the trained heads; between
 * epochs it reports the loss (and validation score) and yields to the event loop, so a
 * cancel arrives; a cancel throws EngineError('cancelled') after the last finished epoch was
 * reported (its state can be resumed).
 */
export async function trainHeads(start: ModelVersion, pairs: readonly PairFeatures[], config: TrainConfig, hooks: TrainHooks = {}): Promise<HeadPair> {
  if (pairs.length < 2) throw new EngineError('invalid-argument', 'training needs at least two pairs');
  const d = start.imitation.dimension;
  for (const p of pairs) {
    if (p.imitation.length === 0 || p.referenceCopies.length === 0) throw new EngineError('invalid-argument', `pair of "${p.reference}" has no features`);
    if (p.imitation[0].length !== d || p.referenceCopies[0].length !== d) {
      throw new EngineError('invalid-argument', `pair of "${p.reference}" has ${p.imitation[0].length} feature values; the model reads ${d}`);
    }
  }
  const base: HeadPair = { imitation: start.imitation, reference: start.reference };
  const heads = hooks.resume ? { imitation: cloneHead(hooks.resume.heads.imitation), reference: cloneHead(hooks.resume.heads.reference) } : startingHeads(start, config.rank, config.seed);
  if (config.sharedHead) {
    const from = hooks.resume ? hooks.resume.heads : start;
    if (!sameHead(from.imitation, from.reference)) throw new EngineError('invalid-argument', 'one shared head needs equal starting heads for imitations and references');
    heads.reference = heads.imitation;
  }
  const rank = heads.imitation.rank;
  // A shared head's parameters are stepped once, with both sides' gradients summed.
  const unique = (xs: Float32Array[]): Float32Array[] => (config.sharedHead ? xs.slice(0, 3) : xs);
  const optimiser = hooks.resume ? structuredClone(hooks.resume.optimiser) : adamWState(unique(parameters(heads)));
  const batchSize = Math.min(config.batchSize, pairs.length);
  const scratch = new LossScratch(batchSize, d, rank);
  const grads = { imitation: zeroGradients(heads.imitation), reference: zeroGradients(heads.reference) };
  const gradList = gradientList(grads);
  const params = unique(parameters(heads));
  const groupOf = new Map<string, number>();
  const groups = Int32Array.from(pairs, (p) => {
    if (!groupOf.has(p.reference)) groupOf.set(p.reference, groupOf.size);
    return groupOf.get(p.reference)!;
  });
  const imitations = new Float32Array(batchSize * d);
  const references = new Float32Array(batchSize * d);
  const batchGroups = new Int32Array(batchSize);
  const stepsPerEpoch = Math.ceil(pairs.length / batchSize);
  const totalSteps = stepsPerEpoch * config.epochs;
  const order = Array.from(pairs, (_, i) => i);
  // A version that re-weights its parts trains on the features as its heads will read them.
  const scale = start.inputScale;

  for (let epoch = hooks.resume ? hooks.resume.epoch + 1 : 0; epoch < config.epochs; epoch++) {
    // Seeded per epoch, so a resumed run draws what the uninterrupted one would have.
    const random = mulberry32(config.seed * 7919 + epoch);
    for (let i = 0; i < order.length; i++) order[i] = i;
    shuffle(order, random);
    let lossSum = 0;
    let lossCount = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const from = step * batchSize;
      // The last batch is topped up from the start of the order so every batch is full size.
      for (let k = 0; k < batchSize; k++) {
        const i = order[(from + k) % order.length];
        const p = pairs[i];
        const pick = (copies: Float32Array[]) => (copies.length > 1 && random() < config.augmentedShare ? copies[1 + randomInt(random, copies.length - 1)] : copies[0]);
        imitations.set(pick(p.imitation), k * d);
        references.set(pick(p.referenceCopies), k * d);
        if (scale) {
          for (let j = 0; j < d; j++) {
            imitations[k * d + j] *= scale[j];
            references[k * d + j] *= scale[j];
          }
        }
        batchGroups[k] = groups[i];
      }
      for (const g of gradList) g.fill(0);
      const { contrastive } = infoNceStep(heads, { size: batchSize, imitations, references, groups: batchGroups }, config, grads, scratch, base);
      lossSum += contrastive;
      lossCount++;
      const progress = (epoch * stepsPerEpoch + step) / totalSteps;
      const learningRate = config.learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
      if (config.sharedHead) for (let k = 0; k < 3; k++) for (let i = 0; i < gradList[k].length; i++) gradList[k][i] += gradList[k + 3][i];
      // A reference head that is not trained is not stepped at all: weight decay alone would
      // shrink it, and every sound's search vector would drift although only the voice side learns.
      const stepped = config.sharedHead || config.trainReference ? params.length : 3;
      adamWStep(params.slice(0, stepped), unique(gradList).slice(0, stepped), optimiser, { learningRate, weightDecay: config.weightDecay });
    }
    const report: EpochReport = { epoch, epochs: config.epochs, loss: lossSum / lossCount };
    if (hooks.validate) report.validationMrr = hooks.validate(heads);
    await hooks.onEpoch?.(report, { epoch, heads, optimiser });
    await nextTurn();
    if (hooks.signal?.aborted) throw new EngineError('cancelled', `training was cancelled after epoch ${epoch + 1} of ${config.epochs}`);
  }
  return heads;
}
