import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureModel } from '../../src-main/engine/model/backbone.ts';
import { EmbeddingModel, type LogMel } from '../../src-main/engine/model/runtime.ts';
import type { BenchRow } from './row.ts';

/**
 * Backbone speed (mn04_as): building the ONNX from the checkpoint, then milliseconds of model time
 * per 10 s clip at batch 1 (a take) and batch 16 (indexing), on one thread against onnxruntime's
 * default (one per core). The cost does not depend on the sound's content, so fixed log-mels stand
 * in for the library (`_lib` is unused); the provider is whichever runtime.ts picks here.
 */
export async function run(_lib: string): Promise<BenchRow[]> {
  const models = mkdtempSync(join(tmpdir(), 'onomato-bench-model-'));
  try {
    const started = performance.now();
    const built = await ensureModel(models);
    const buildMs = performance.now() - started;

    const clips = Array.from({ length: 16 }, (_, i) => clip(1000, i + 1));
    const single = await EmbeddingModel.open(built.onnxPath, { threads: 1 });
    const all = await EmbeddingModel.open(built.onnxPath);
    const perClip = async (model: EmbeddingModel, batch: LogMel[], runs: number) => (await medianMs(() => model.run(batch), 3, runs)) / batch.length;
    const one1 = await perClip(single, clips.slice(0, 1), 30);
    const oneN = await perClip(all, clips.slice(0, 1), 30);
    const batch1 = await perClip(single, clips, 7);
    const batchN = await perClip(all, clips, 7);
    const provider = all.provider;
    await single.close();
    await all.close();
    const cores = availableParallelism();

    return [
      { metric: `model: build ${built.id} ONNX from its checkpoint`, value: buildMs, unit: 'ms', note: 'once per checkpoint; cached in the models folder' },
      { metric: 'model: per 10 s clip, batch 1', value: oneN, unit: 'ms', baseline: { name: '1 thread', value: one1 }, note: `${provider}, ${cores} threads` },
      { metric: 'model: per 10 s clip, batch 16', value: batchN, unit: 'ms', baseline: { name: '1 thread', value: batch1 }, note: `${provider}, ${cores} threads` },
      { metric: 'model: clips per second per core (batch 16, 1 thread)', value: 1000 / batch1, unit: 'clips/s', note: provider },
    ];
  } finally {
    rmSync(models, { recursive: true, force: true });
  }
}

function clip(frames: number, seed: number): LogMel {
  let s = seed;
  const data = Float32Array.from({ length: 128 * frames }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 3 - 2);
  return { data, mels: 128, frames };
}

async function medianMs(work: () => Promise<unknown>, warmUps: number, runs: number): Promise<number> {
  for (let i = 0; i < warmUps; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}
