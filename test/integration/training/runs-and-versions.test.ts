import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import type { FeatureRecipe } from '../../../src-main/engine/model-version/features.ts';
import { applyHead, baseModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { decodeHalf, encodeHalf } from '../../../src-main/engine/library/half-float.ts';
import { gaussian, mulberry32 } from '../../../src-main/engine/random.ts';
import { readRunCheckpoint, startTrainingRun } from '../../../src-main/engine/training/run-job.ts';
import type { PairFeatures } from '../../../src-main/engine/training/trainer.ts';
import {
  activateModelVersion, exportModelVersion, importModelVersion, listModelVersions, loadModelVersion, reembedLibrary, saveModelVersion,
} from '../../../src-main/engine/library/model-versions.ts';
import { defaultModelVersion, featureKey } from '../../../src-main/engine/model-version/versions.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const RECIPE: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'envelope', weight: 1 }] };
const D = 32;
const dir = suiteTempDir('onomato-training-');

function pairs(n: number, seed: number): PairFeatures[] {
  const random = mulberry32(seed);
  const unit = (v: Float32Array) => v.map((x) => x / Math.hypot(...v));
  return Array.from({ length: n }, (_, i) => {
    const ref = unit(Float32Array.from({ length: D }, () => gaussian(random)));
    const imitation = unit(Float32Array.from({ length: D }, (_, k) => ref[(k + 5) % D] + 0.2 * gaussian(random)));
    return { reference: `s${i}`, imitation: [imitation], referenceCopies: [ref] };
  });
}

describe('training runs in a worker', () => {
  it('reports every epoch, cancels, and resumes from its checkpoint file to the end', async () => {
    const input = { id: 'worker-run', start: baseModelVersion(RECIPE), pairs: pairs(120, 1), config: { epochs: 8, rank: 8, batchSize: 16 } };
    const checkpointFile = join(dir, 'run.ckpt');
    const seen: number[] = [];
    const job = startTrainingRun(input, {
      checkpointFile,
      onProgress: (p) => {
        seen.push(p.epoch);
        if (p.epoch === 2) job.cancel();
      },
    });
    await expect(job.result).rejects.toSatisfy((e: unknown) => e instanceof EngineError && e.kind === 'cancelled');
    const checkpoint = await readRunCheckpoint(checkpointFile);
    expect(checkpoint?.trainer?.epoch).toBeGreaterThanOrEqual(2);
    const resumed = startTrainingRun(input, { checkpointFile, resume: checkpoint });
    const result = await resumed.result;
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.metrics.heldOut.after).toBeGreaterThan(result.metrics.heldOut.before);
    expect(await readRunCheckpoint(checkpointFile)).toBeUndefined();
  });
});

describe('model versions in the library', () => {
  it('saves, lists, refuses to activate a rejected run, exports, imports and re-embeds from cached features', async () => {
    const store = LibraryStore.open(join(dir, 'library.sqlite'));
    try {
      const good = { ...baseModelVersion(RECIPE, 'good'), status: 'accepted' as const };
      good.reference = { ...good.reference, bias: Float32Array.from({ length: D }, (_, i) => (i === 0 ? 0.5 : 0)) };
      const bad = { ...baseModelVersion(RECIPE, 'bad'), status: 'rejected' as const, metrics: { decision: 'held-out MRR fell' } };
      saveModelVersion(store, good);
      saveModelVersion(store, bad);
      expect(listModelVersions(store).map((v) => [v.id, v.status])).toEqual([['bad', 'rejected'], ['good', 'accepted']]);
      expect(() => activateModelVersion(store, 'bad')).toThrow(/rejected/);
      activateModelVersion(store, 'good');
      expect(listModelVersions(store).find((v) => v.active)?.id).toBe('good');
      const wider = baseModelVersion({ backbone: 'mn10_as', parts: [{ name: 'envelope', weight: 1 }] }, 'for-mn10');
      saveModelVersion(store, wider);
      expect(() => activateModelVersion(store, 'for-mn10')).toThrow(/"for-mn10" reads the mn10_as backbone, but the library is analysed with mn04_as; its heads are never applied/);
      expect(listModelVersions(store).find((v) => v.active)?.id).toBe('good');

      const file = join(dir, 'good.onomato-model');
      await exportModelVersion(store, 'good', file);
      expect(loadModelVersion(store, 'good').reference.bias[0]).toBeCloseTo(0.5);
      await expect(importModelVersion(store, file)).resolves.toMatchObject({ id: 'good' });

      const root = store.addRoot(dir);
      const [soundId] = store.addPendingSounds([{ rootId: root.id, path: join(dir, 'a.wav'), size: 1, mtimeMs: 1 }]);
      const feature = Float32Array.from({ length: D }, (_, i) => Math.sin(i));
      store.putSoundFeatures(soundId, featureKey(RECIPE), [{ offsetSec: 0, vector: feature }, { offsetSec: 5, vector: feature.map((x) => -x) }]);
      const progress: number[] = [];
      expect(await reembedLibrary(store, good, { onProgress: (done) => progress.push(done) })).toBe(1);
      const windows = store.soundWindows(soundId, 'good');
      expect(windows.map((w) => w.offsetSec)).toEqual([0, 5]);
      // Features and embeddings are stored as float16: the head's output on the stored feature, rounded.
      const half = (v: Float32Array) => decodeHalf(encodeHalf(v));
      expect(Array.from(windows[0].vector)).toEqual(Array.from(half(applyHead(good, 'reference', half(feature)))));
      // The total is said before the first sound, so the panel never counts "0 / 0".
      expect(progress).toEqual([0, 1]);
    } finally {
      store.close();
    }
  });

  it('falls back to the zero-shot identity when no default heads ship', () => {
    const v = defaultModelVersion(dir);
    expect(v.id).toBe('zero-shot');
    expect(v.imitation.rank).toBe(0);
  });
});
