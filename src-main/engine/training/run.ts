import { EngineError } from '../errors.ts';
import { featureExtractor } from '../model-version/features.ts';
import type { Head, ModelVersion } from '../model-version/heads.ts';
import type { HeadPair } from './loss.ts';
import { decodeTensorFile, encodeTensorFile } from '../model-version/model-file.ts';
import type { AdamWState } from './optimiser.ts';
import { heldOutSet, meanReciprocalRank, type RetrievalSet } from './retrieval.ts';
import { holdOutPlan, isHeldOut, referenceFolds } from './split.ts';
import { fitPersonalMap, type PersonalMapFit } from './personal-map.ts';
import { DEFAULT_TRAIN_CONFIG, trainHeads, type PairFeatures, type TrainConfig, type TrainerState } from './trainer.ts';

/**
 * A training run: hold pairs out by reference sound, train, measure before and after, and
 * decide. Personal data (few reference sounds) is measured by k-fold and the shipped heads are
 * then trained on every pair; many pairs use one held-out fifth and ship the heads trained
 * without it. A run that makes the held-out MRR or the general benchmark worse becomes a
 * 'rejected' version: kept as a record, never activated.
 */

export interface RunInput {
  id: string;
  name?: string;
  /** The version training starts from and is regularised toward (the active one, or the base). */
  start: ModelVersion;
  pairs: PairFeatures[];
  config?: Partial<TrainConfig>;
  /** Extra library windows ranked alongside the pairs' references in the held-out measure. */
  distractors?: Float32Array[];
  /** A general benchmark (e.g. the synthetic-imitation proxy) over the same feature recipe. */
  general?: { name: string; set: RetrievalSet };
  /**
   * Other voices' imitations that a closed-form personal map may not cost more than the general
   * tolerance (adaptation 'personal-map' chooses only among settings that keep them); kept apart
   * from `general`, which judges the run.
   */
  retain?: RetrievalSet;
  /** How much worse the general benchmark may get before a run is rejected (absolute MRR). */
  generalTolerance?: number;
  /** A description of the data for the version's record (origin, counts). */
  data?: Record<string, unknown>;
}

export type RunPhase = { kind: 'fold'; fold: number; folds: number } | { kind: 'hold-out' } | { kind: 'final' };

export interface RunProgress {
  phase: RunPhase;
  epoch: number;
  epochs: number;
  loss: number;
  validationMrr?: number;
}

export interface RunResult {
  version: ModelVersion;
  accepted: boolean;
  reason: string;
  metrics: RunMetrics;
  history: RunProgress[];
}

export interface RunMetrics {
  heldOut: { scheme: string; pairs: number; references: number; before: number; after: number; folds?: Array<{ before: number; after: number }> };
  general?: { name: string; before: number; after: number };
  /** The offset and ridge chosen by inner cross-validation in each phase (closed-form personal runs). */
  personalMap?: PersonalMapFit['setting'][];
}

/** Everything needed to resume: finished folds and the trainer state inside the current phase. */
export interface RunCheckpoint {
  runId: string;
  phaseIndex: number;
  folds: Array<{ before: number; after: number }>;
  history: RunProgress[];
  trainer: TrainerState | null;
}

export interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  onCheckpoint?: (c: RunCheckpoint) => void | Promise<void>;
  resume?: RunCheckpoint;
}

function withHeads(v: ModelVersion, heads: HeadPair): ModelVersion {
  return { ...v, imitation: heads.imitation, reference: heads.reference };
}

export async function runTraining(input: RunInput, hooks: RunHooks = {}): Promise<RunResult> {
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...input.config };
  const { pairs, start } = input;
  const dimension = featureExtractor(start.features).dimension;
  if (pairs.some((p) => p.imitation[0]?.length !== dimension)) {
    throw new EngineError('invalid-argument', `the pairs' features do not match the model's recipe (${dimension} values)`);
  }
  const references = [...new Set(pairs.map((p) => p.reference))];
  const plan = holdOutPlan(references.length);
  const phases: RunPhase[] = plan.kind === 'k-fold'
    ? [...Array.from({ length: plan.folds }, (_, fold): RunPhase => ({ kind: 'fold', fold, folds: plan.folds })), { kind: 'final' }]
    : [{ kind: 'hold-out' }];
  const foldOf = plan.kind === 'k-fold' ? referenceFolds(references, plan.folds, config.seed) : undefined;
  const heldOutOf = (phase: RunPhase) => (p: PairFeatures): boolean =>
    phase.kind === 'fold' ? foldOf!.get(p.reference) === phase.fold : phase.kind === 'hold-out' ? isHeldOut(p.reference, plan.kind === 'hold-out' ? plan.share : 0) : false;

  const resume = hooks.resume?.runId === input.id ? hooks.resume : undefined;
  const folds = resume ? [...resume.folds] : [];
  const history = resume ? [...resume.history] : [];
  let trained: HeadPair | undefined;

  // A closed-form personal map (personal-map.ts) has no epochs: one progress point per phase.
  const settings: PersonalMapFit['setting'][] = [];
  const personalMapPhase = (phase: RunPhase, train: PairFeatures[], validation: RetrievalSet | undefined): HeadPair => {
    const retain = input.retain ? { set: input.retain, tolerance: input.generalTolerance ?? 0.01 } : undefined;
    const fit = fitPersonalMap(start, train, { distractors: input.distractors, seed: config.seed, retain });
    settings.push(fit.setting);
    const progress: RunProgress = { phase, epoch: 0, epochs: 1, loss: NaN, validationMrr: validation ? meanReciprocalRank(withHeads(start, fit.heads), validation) : undefined };
    history.push(progress);
    hooks.onProgress?.(progress);
    return fit.heads;
  };

  for (let index = resume?.phaseIndex ?? 0; index < phases.length; index++) {
    const phase = phases[index];
    const isHeld = heldOutOf(phase);
    const train = pairs.filter((p) => !isHeld(p));
    const validation = phase.kind === 'final' ? undefined : heldOutSet(pairs, isHeld, input.distractors);
    if (train.length < 2 || (validation && validation.answers.length === 0)) {
      throw new EngineError('invalid-argument', 'too few pairs on one side of the hold-out split; add imitations of more sounds');
    }
    const before = validation ? meanReciprocalRank(start, validation) : NaN;
    const trainer = resume && index === resume.phaseIndex ? resume.trainer ?? undefined : undefined;
    const heads = config.adaptation === 'personal-map' ? personalMapPhase(phase, train, validation) : await trainHeads(start, train, config, {
      signal: hooks.signal,
      resume: trainer,
      validate: validation ? (h) => meanReciprocalRank(withHeads(start, h), validation) : undefined,
      onEpoch: async (report, state) => {
        const progress: RunProgress = { phase, ...report };
        history.push(progress);
        hooks.onProgress?.(progress);
        await hooks.onCheckpoint?.({ runId: input.id, phaseIndex: index, folds: [...folds], history: [...history], trainer: state });
      },
    });
    if (validation) folds.push({ before, after: meanReciprocalRank(withHeads(start, heads), validation) });
    trained = heads;
    await hooks.onCheckpoint?.({ runId: input.id, phaseIndex: index + 1, folds: [...folds], history: [...history], trainer: null });
  }
  if (!trained) throw new EngineError('internal', 'the run finished without training');

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const heldOutPairs = plan.kind === 'k-fold' ? pairs.length : pairs.filter(heldOutOf({ kind: 'hold-out' })).length;
  const metrics: RunMetrics = {
    heldOut: {
      scheme: plan.kind === 'k-fold' ? `${plan.folds}-fold by reference sound` : `${Math.round(plan.share * 100)}% of reference sounds held out`,
      pairs: heldOutPairs,
      references: references.length,
      before: mean(folds.map((f) => f.before)),
      after: mean(folds.map((f) => f.after)),
      ...(plan.kind === 'k-fold' ? { folds } : {}),
    },
    ...(settings.length ? { personalMap: settings } : {}),
  };
  const version: ModelVersion = {
    ...withHeads(start, trained),
    id: input.id,
    name: input.name ?? input.id,
    createdAt: Date.now(),
    parent: start.id,
    training: { config, data: { pairs: pairs.length, references: references.length, augmentedCopies: pairs[0].imitation.length - 1, ...input.data } },
    metrics: {},
    status: 'accepted',
  };
  if (input.general) {
    metrics.general = { name: input.general.name, before: meanReciprocalRank(start, input.general.set), after: meanReciprocalRank(version, input.general.set) };
  }
  const tolerance = input.generalTolerance ?? 0.01;
  let reason = 'held-out MRR did not fall';
  let accepted = metrics.heldOut.after >= metrics.heldOut.before;
  if (!accepted) reason = `held-out MRR fell from ${metrics.heldOut.before.toFixed(3)} to ${metrics.heldOut.after.toFixed(3)}`;
  else if (metrics.general && metrics.general.after < metrics.general.before - tolerance) {
    accepted = false;
    reason = `${metrics.general.name} MRR fell from ${metrics.general.before.toFixed(3)} to ${metrics.general.after.toFixed(3)}`;
  } else if (metrics.general) reason += ` and ${metrics.general.name} MRR stayed within ${tolerance}`;
  version.status = accepted ? 'accepted' : 'rejected';
  version.metrics = { ...metrics, decision: reason };
  return { version, accepted, reason, metrics, history };
}

function headTensors(prefix: string, h: Head): Record<string, Float32Array> {
  return { [`${prefix}.u`]: h.u, [`${prefix}.v`]: h.v, [`${prefix}.bias`]: h.bias };
}

/** A checkpoint as one file (the model-file container), for the app-data folder. */
export function encodeRunCheckpoint(c: RunCheckpoint): Uint8Array {
  const t = c.trainer;
  const tensors: Record<string, Float32Array> = {};
  if (t) {
    Object.assign(tensors, headTensors('imitation', t.heads.imitation), headTensors('reference', t.heads.reference));
    t.optimiser.m.forEach((m, i) => (tensors[`adam.m.${i}`] = m));
    t.optimiser.v.forEach((v, i) => (tensors[`adam.v.${i}`] = v));
  }
  return encodeTensorFile(
    {
      kind: 'onomato-training-checkpoint',
      runId: c.runId,
      phaseIndex: c.phaseIndex,
      folds: c.folds,
      history: c.history,
      trainer: t ? { epoch: t.epoch, step: t.optimiser.step, slots: t.optimiser.m.length, shape: { dimension: t.heads.imitation.dimension, rank: t.heads.imitation.rank } } : null,
    },
    tensors,
  );
}

export function decodeRunCheckpoint(bytes: Uint8Array, file?: string): RunCheckpoint {
  const { header, tensors } = decodeTensorFile(bytes, file);
  if (header.kind !== 'onomato-training-checkpoint') throw new EngineError('corrupt', 'the file is not a training checkpoint', { file });
  const tr = header.trainer as { epoch: number; step: number; slots: number; shape: { dimension: number; rank: number } } | null;
  const get = (name: string): Float32Array => {
    const v = tensors.get(name);
    if (!v) throw new EngineError('corrupt', `the checkpoint lacks ${name}`, { file });
    return v;
  };
  const head = (prefix: string): Head => ({ ...tr!.shape, u: get(`${prefix}.u`), v: get(`${prefix}.v`), bias: get(`${prefix}.bias`) });
  return {
    runId: String(header.runId),
    phaseIndex: Number(header.phaseIndex),
    folds: header.folds as RunCheckpoint['folds'],
    history: header.history as RunProgress[],
    trainer: tr
      ? {
          epoch: tr.epoch,
          heads: { imitation: head('imitation'), reference: head('reference') },
          optimiser: {
            step: tr.step,
            m: Array.from({ length: tr.slots }, (_, i) => get(`adam.m.${i}`)),
            v: Array.from({ length: tr.slots }, (_, i) => get(`adam.v.${i}`)),
          } satisfies AdamWState,
        }
      : null,
  };
}
