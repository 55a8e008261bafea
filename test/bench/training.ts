import { baseModelVersion } from '../../src-main/engine/training/heads.ts';
import { featureKey } from '../../src-main/engine/training/versions.ts';
import { seededRandom } from '../../src-main/engine/training/random.ts';
import { trainHeads, DEFAULT_TRAIN_CONFIG, type PairFeatures } from '../../src-main/engine/training/trainer.ts';
import { DEFAULT_FEATURES } from '../../src-main/engine/training/default-recipe.ts';
import { featureExtractor } from '../../src-main/engine/training/features.ts';
import type { BenchRow } from './row.ts';

/**
 * Training speed with cached features: the target is 12,000 pairs x 20 epochs in under
 * two minutes. Features are random vectors of the default recipe's size (speed does not depend
 * on their values); one augmented copy per side, as a run with augmentation reads them.
 * Measured: a 2-epoch slice of the full set (extrapolated to 20), and, in the same run, the same
 * slice at full rank (a plain D x D linear head's cost) as the baseline.
 */
export async function run(_lib: string): Promise<BenchRow[]> {
  const recipe = DEFAULT_FEATURES;
  const d = featureExtractor(recipe).dimension;
  const random = seededRandom(1);
  const vector = () => Float32Array.from({ length: d }, () => random.normal() / Math.sqrt(d));
  const pairs: PairFeatures[] = Array.from({ length: 12_000 }, (_, i) => ({ reference: `s${i % 3000}`, imitation: [vector(), vector()], referenceCopies: [vector(), vector()] }));
  const start = baseModelVersion(recipe);
  const time = async (rank: number, epochs: number): Promise<number> => {
    const t0 = performance.now();
    await trainHeads(start, pairs, { ...DEFAULT_TRAIN_CONFIG, rank, epochs });
    return (performance.now() - t0) / 1000;
  };
  const rank = DEFAULT_TRAIN_CONFIG.rank;
  const slice = 2;
  const ours = ((await time(rank, slice)) * 20) / slice;
  const full = ((await time(d, 1)) * 20) / 1;
  return [
    {
      metric: `training: 12,000 pairs x 20 epochs (${d}-d ${featureKey(recipe).split(':')[0]} features, rank ${rank}, batch ${DEFAULT_TRAIN_CONFIG.batchSize})`,
      value: ours,
      unit: 's',
      baseline: { name: `full-rank ${d} x ${d} head, same data`, value: full },
      note: `target < 120 s; measured over ${slice} epochs and scaled to 20`,
    },
    { metric: 'training: pairs per second (one core)', value: (12_000 * 20) / ours, unit: 'pairs/s' },
  ];
}
