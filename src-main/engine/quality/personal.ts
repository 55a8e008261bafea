import { EngineError } from '../errors.ts';
import { runTraining, type RunResult } from '../training/run.ts';
import type { TrainConfig } from '../training/trainer.ts';
import { reweightFeatures } from '../model-version/features.ts';
import type { QualityBank, ReferenceSplit } from './bank.ts';
import { evaluate } from '../evaluation/metrics.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import { bankSet, qualityFolds, referenceBootstrap, reweightPairs, reweightSet, versionScores, type QualityCandidate, type QualityFold } from './matrix.ts';

/**
 * Personal fine-tuning under the leave-one-family-out rule: the general model is the
 * candidate's version for the fold that never saw family P; a user whose voice is P teaches it
 * `pairs` imitations of training references (one each), with the `onomato train --pairs personal`
 * settings (imitation head only: the closed-form personal map of training/personal-map.ts, or
 * `adaptation=gradient` for pulled InfoNCE steps). Measured: the personal
 * held-out MRR (k-fold by reference, ranked among the pairs' references and `distractors`
 * other library sounds) and the general MRR on the other families' imitations of the held-out
 * references, before and after. Also, as the matrix's own cell: family P's imitations of the
 * held-out references (120 sounds none of the pairs are), before and after, with its interval.
 */
export interface PersonalCheck {
  family: string;
  config: Partial<TrainConfig>;
  pairs: number;
  distractors: number;
  result: RunResult;
  /** Family P's left-out cell of the matrix (official MRR, 95% interval over references), general model and personal one. */
  cell: { before: CellScore; after: CellScore };
}

interface CellScore {
  mrr: number;
  interval: [number, number];
}

function cellScore(version: ModelVersion, fold: QualityFold, bank: QualityBank): CellScore {
  const m = evaluate(versionScores(version, fold, bank));
  return { mrr: m.mrr, interval: referenceBootstrap(m.ranks, fold.test.dataset.queries.map((q) => q.itemId)) };
}

export async function personalCheck(
  bank: QualityBank,
  split: ReferenceSplit,
  candidate: QualityCandidate,
  opts: { family: string; pairs?: number; distractors?: number; seed?: number; config?: Partial<TrainConfig> },
): Promise<PersonalCheck> {
  if (!candidate.fit) throw new EngineError('invalid-argument', `${candidate.id} is not a model version, so it cannot be fine-tuned`);
  const fold = qualityFolds(bank, split).find((f) => f.family === opts.family);
  if (!fold || fold.inFamily) throw new EngineError('invalid-argument', `personal fine-tuning needs a family the general model never saw; "${opts.family}" is not one of several families`);
  const { version } = await candidate.fit(fold, bank);
  const count = opts.pairs ?? 20;
  const mine = bank.dataset.queries.filter((q) => split.train.has(q.itemId) && bank.familyOf.get(q.id) === opts.family);
  const seen = new Set<string>();
  const chosen: typeof mine = [];
  for (const q of mine) {
    if (chosen.length === count || seen.has(q.itemId)) continue;
    seen.add(q.itemId);
    chosen.push(q);
  }
  if (chosen.length < count) throw new EngineError('invalid-argument', `family ${opts.family} has only ${chosen.length} training references to take personal pairs from`);
  const pairs = reweightPairs(chosen.map((q) => ({ reference: q.itemId, imitation: bank.query.get(q.id)!, referenceCopies: bank.itemClip.get(q.itemId)! })), bank.recipe, version.features);
  const distractorIds = [...split.train].filter((id) => !seen.has(id)).slice(0, opts.distractors ?? 190);
  const distractors = distractorIds.map((id) => reweightFeatures(bank.itemClip.get(id)![0], bank.recipe, version.features));
  const others = bank.dataset.queries.filter((q) => split.test.has(q.itemId) && bank.familyOf.get(q.id) !== opts.family).map((q) => q.id);
  const testItems = bank.dataset.items.filter((it) => split.test.has(it.id)).map((it) => it.id);
  const general = { name: `the other families on ${testItems.length} held-out references`, set: reweightSet(bankSet(bank, others, testItems), bank.recipe, version.features) };
  // What a personal map may not cost other voices is checked on the general model's own training
  // side (the other families' imitations of training references outside the pairs), never on the
  // held-out references the general MRR is reported on.
  const retainQueries = bank.dataset.queries.filter((q) => split.train.has(q.itemId) && !seen.has(q.itemId) && bank.familyOf.get(q.id) !== opts.family);
  const retainItems = [...new Set(retainQueries.map((q) => q.itemId))];
  const retain = reweightSet(bankSet(bank, retainQueries.filter((_, i) => i % 4 === 0).map((q) => q.id), retainItems), bank.recipe, version.features);
  const result = await runTraining({
    retain,
    id: `personal-${opts.family}`,
    start: version,
    pairs,
    distractors,
    general,
    config: { adaptation: 'personal-map', trainReference: false, regularisation: 10, seed: opts.seed ?? 1, ...opts.config },
  });
  const cell = { before: cellScore(version, fold, bank), after: cellScore(result.version, fold, bank) };
  return { family: opts.family, config: opts.config ?? {}, pairs: pairs.length, distractors: distractors.length, result, cell };
}

export function formatPersonalCheck(c: PersonalCheck): string {
  const h = c.result.metrics.heldOut;
  const g = c.result.metrics.general!;
  const rise = (h.after - h.before) / h.before;
  return [
    `Personal fine-tuning, family ${c.family} (never seen by the general model): ${c.pairs} pairs, ${h.scheme}, among ${c.pairs} + ${c.distractors} library sounds${Object.keys(c.config).length ? `, ${JSON.stringify(c.config)}` : ''}`,
    '',
    '| measure | before | after | change | rule |',
    '|---|---|---|---|---|',
    `| personal held-out MRR | ${h.before.toFixed(3)} | ${h.after.toFixed(3)} | ${(rise * 100).toFixed(0)}% | ${rise >= 0.3 ? 'rises >= 30%' : 'rises < 30%: fails'} |`,
    `| general MRR (${g.name}) | ${g.before.toFixed(3)} | ${g.after.toFixed(3)} | ${(g.after - g.before).toFixed(3)} | ${g.after >= g.before - 0.01 ? 'falls <= 0.01' : 'falls > 0.01: fails'} |`,
    `| ${c.family}'s left-out cell (its imitations of the held-out references) | ${cellText(c.cell.before)} | ${cellText(c.cell.after)} | ${(c.cell.after.mrr - c.cell.before.mrr).toFixed(3)} | (not in the rule) |`,
    '',
    `decision of the run: ${c.result.version.status} (${c.result.reason})${c.result.metrics.personalMap ? `; settings chosen per phase (offset, ridge): ${c.result.metrics.personalMap.map((x) => `${x.offset}/${x.ridge ?? 'none'}`).join(' ')}` : ''}`,
  ].join('\n');
}

const cellText = (c: CellScore): string => `${c.mrr.toFixed(3)} [${c.interval[0].toFixed(3)}, ${c.interval[1].toFixed(3)}]`;
