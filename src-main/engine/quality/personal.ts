import { EngineError } from '../errors.ts';
import { runTraining, type RunResult } from '../training/run.ts';
import type { TrainConfig } from '../training/trainer.ts';
import { reweightFeatures } from '../model-version/features.ts';
import type { QualityBank, ReferenceSplit } from './bank.ts';
import { bankSet, qualityFolds, reweightPairs, reweightSet, type QualityCandidate } from './matrix.ts';

/**
 * Personal fine-tuning under the leave-one-family-out rule: the general model is the
 * candidate's version for the fold that never saw family P; a user whose voice is P teaches it
 * `pairs` imitations of training references (one each), with the `onomato train --pairs personal`
 * settings (imitation head only, pulled toward the general model). Measured: the personal
 * held-out MRR (k-fold by reference, ranked among the pairs' references and `distractors`
 * other library sounds) and the general MRR on the other families' imitations of the held-out
 * references, before and after.
 */
export interface PersonalCheck {
  family: string;
  config: Partial<TrainConfig>;
  pairs: number;
  distractors: number;
  result: RunResult;
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
  const result = await runTraining({
    id: `personal-${opts.family}`,
    start: version,
    pairs,
    distractors,
    general,
    config: { trainReference: false, regularisation: 10, seed: opts.seed ?? 1, ...opts.config },
  });
  return { family: opts.family, config: opts.config ?? {}, pairs: pairs.length, distractors: distractors.length, result };
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
    '',
    `decision of the run: ${c.result.version.status} (${c.result.reason})`,
  ].join('\n');
}
