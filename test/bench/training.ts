import { baseModelVersion } from '../../src-main/engine/model-version/heads.ts';
import { featureKey } from '../../src-main/engine/model-version/versions.ts';
import { seededRandom } from '../../src-main/engine/random.ts';
import { trainHeads, DEFAULT_TRAIN_CONFIG, type PairFeatures } from '../../src-main/engine/training/trainer.ts';
import { DEFAULT_FEATURES } from '../../src-main/engine/training/default-recipe.ts';
import { featureExtractor } from '../../src-main/engine/model-version/features.ts';
import type { BenchRow } from './row.ts';

/**
 * Training speed with cached features: the target is 12,000 pairs x 20 epochs in under
 * two minutes. Features are random vectors of the default recipe's size (speed does not depend
 * on their values); one augmented copy per side, as a run with augmentation reads them.
 * Measured: 2 epochs of the full set (scaled to 20), and, in the same run, a tenth of an epoch
 * at full rank (a plain D x D linear head's cost, scaled to 20 epochs) as the baseline.
 */
export async function run(_lib: string): Promise<BenchRow[]> {
  const recipe = DEFAULT_FEATURES;
  const d = featureExtractor(recipe).dimension;
  const random = seededRandom(1);
  const vector = () => Float32Array.from({ length: d }, () => random.normal() / Math.sqrt(d));
  const pairs: PairFeatures[] = Array.from({ length: 12_000 }, (_, i) => ({ reference: `s${i % 3000}`, imitation: [vector(), vector()], referenceCopies: [vector(), vector()] }));
  const start = baseModelVersion(recipe);
  // CPU time of this process as well as wall time: on a shared machine the wall clock also
  // counts other programs' turns on the cores, the CPU time only this run's work.
  const time = async (rank: number, epochs: number, share: number): Promise<{ wall: number; cpu: number }> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await trainHeads(start, pairs.slice(0, Math.round(pairs.length * share)), { ...DEFAULT_TRAIN_CONFIG, rank, epochs });
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - t0) / 1000 / share / epochs, cpu: (c.user + c.system) / 1e6 / share / epochs };
  };
  const rank = DEFAULT_TRAIN_CONFIG.rank;
  const slice = 2;
  const perEpoch = await time(rank, slice, 1);
  const ours = perEpoch.cpu * 20;
  // The full-rank baseline is slow enough that a tenth of an epoch measures it.
  const full = (await time(d, 1, 0.1)).cpu * 20;
  return [
    {
      metric: `training: 12,000 pairs x 20 epochs, CPU time (${d}-d ${featureKey(recipe).split(':')[0]} features, rank ${rank}, batch ${DEFAULT_TRAIN_CONFIG.batchSize})`,
      value: ours,
      unit: 's',
      baseline: { name: `full-rank ${d} x ${d} head, same data`, value: full },
      note: `target < 120 s; measured over ${slice} epochs and scaled to 20; ${(full / ours).toFixed(1)}x less than full rank`,
    },
    { metric: 'training: 12,000 pairs x 20 epochs, wall clock', value: perEpoch.wall * 20, unit: 's', note: 'includes waiting for the cores when the machine is busy' },
    { metric: 'training: pairs per CPU-second', value: (12_000 * 20) / ours, unit: 'pairs/s' },
  ];
}
