import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMono32k, writeWav } from '../../../src-main/engine/audio/decode.ts';
import type { Dataset } from '../../../src-main/engine/evaluation/dataset-types.ts';
import { evaluate } from '../../../src-main/engine/evaluation/metrics.ts';
import { ensureModel } from '../../../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../../../src-main/engine/model/runtime.ts';
import { featureExtractor } from '../../../src-main/engine/model-version/features.ts';
import { modelVersionSystem } from '../../../src-main/engine/evaluation/model-version-system.ts';
import { defaultModelVersion } from '../../../src-main/engine/model-version/versions.ts';
import { soundWindowFeatures } from '../../../src-main/engine/model-version/window-features.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const SOUNDS = ['freedesktop/bell.oga', 'freedesktop/complete.oga', 'freedesktop/phone-incoming-call.oga', 'freedesktop/alarm-clock-elapsed.oga', 'freedesktop/message.oga'];
const dir = suiteTempDir('onomato-default-model-');
let model: EmbeddingModel;
let lib: string;

beforeAll(async () => {
  lib = await smallSfxLibrary();
  const built = await ensureModel(join(dir, 'models'), { download: false });
  model = await EmbeddingModel.open(built.onnxPath, { providers: ['cpu'], log: () => undefined });
});
afterAll(async () => {
  await model?.close();
});

describe('the shipped default model on real library sounds', () => {
  it('gives one finite vector of the recipe size per 10 s window', async () => {
    const version = defaultModelVersion();
    const { samples } = await loadMono32k(join(lib, SOUNDS[2]));
    const windows = await soundWindowFeatures(model, featureExtractor(version.features), samples);
    expect(windows.length).toBe(1 + Math.ceil(Math.max(0, samples.length - 320_000) / 160_000));
    for (const w of windows) {
      expect(w.vector.length).toBe(featureExtractor(version.features).dimension);
      expect(w.vector.every(Number.isFinite)).toBe(true);
    }
  });

  it('as an evaluation system, finds each sound from a late, quieter copy of it', async () => {
    const items = [];
    const queries = [];
    for (const [i, s] of SOUNDS.entries()) {
      const { samples } = await loadMono32k(join(lib, s), { maxSeconds: 10 });
      const late = new Float32Array(samples.length + 8000);
      late.set(samples.map((x) => x * 0.5), 8000);
      const q = join(dir, `q${i}.wav`);
      await writeWav(q, { channels: [late], sampleRate: 32000, bitDepth: 16 });
      items.push({ id: s, path: join(lib, s), class: 'desktop' });
      queries.push({ id: `q${i}`, path: q, class: 'desktop', itemId: s });
    }
    const dataset: Dataset = { name: 'late copies', layout: 'csv', root: dir, items, queries, problems: [] };
    const matrix = await modelVersionSystem(defaultModelVersion(), model).similarity(dataset);
    expect(evaluate(matrix).mrr).toBe(1);
  });
});
