import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { buildOnnx } from '../../../src-main/engine/model/mobilenet.ts';
import { defaultProviders, EmbeddingModel, openModelPair, type LogMel } from '../../../src-main/engine/model/runtime.ts';
import { maxAbsDiff } from '../../support/audio-signals.ts';
import { syntheticMobileNet } from './synthetic-mobilenet.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const dir = suiteTempDir('onomato-runtime-');
let onnxPath: string;

function logMel(frames: number, seed: number): LogMel {
  let s = seed;
  const data = Float32Array.from({ length: 128 * frames }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 2);
  return { data, mels: 128, frames };
}

beforeAll(() => {
  onnxPath = join(dir, 'w01.onnx');
  writeFileSync(onnxPath, buildOnnx(syntheticMobileNet(0.1, 5)));
});

describe('execution providers', () => {
  it('orders providers per platform and honours ONOMATO_PROVIDERS', () => {
    expect(defaultProviders('linux', {})).toEqual(['cuda', 'cpu']);
    expect(defaultProviders('win32', {})).toEqual(['cuda', 'dml', 'cpu']);
    expect(defaultProviders('darwin', {})).toEqual(['coreml', 'cpu']);
    expect(defaultProviders('linux', { ONOMATO_PROVIDERS: 'WebGPU, cpu' })).toEqual(['webgpu', 'cpu']);
    expect(defaultProviders('linux', { ONOMATO_PROVIDERS: 'webgpu' })).toEqual(['webgpu', 'cpu']);
  });

  it('falls back past providers that are missing or fail, and says why', async () => {
    const logged: string[] = [];
    const model = await EmbeddingModel.open(onnxPath, { providers: ['no-such-provider', 'cuda', 'cpu'], log: (m) => logged.push(m) });
    expect(model.fallbacks[0]).toEqual({ provider: 'no-such-provider', reason: 'not part of this onnxruntime build' });
    if (model.provider === 'cpu') {
      // No CUDA here: the attempt must be recorded and logged with onnxruntime's reason.
      expect(model.fallbacks[1].provider).toBe('cuda');
      expect(model.fallbacks[1].reason.length).toBeGreaterThan(0);
      expect(logged.join('\n')).toMatch(/running on cpu; .*cuda: /);
    } else {
      expect(model.provider).toBe('cuda');
    }
    await model.close();
  });

  it('fails with a model error naming the file when the ONNX is damaged', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    const error = await EmbeddingModel.open(bad, { providers: ['cpu'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).kind).toBe('model');
    expect((error as EngineError).message).toContain(bad);
  });
});

describe('EmbeddingModel', () => {
  it('stacks equal lengths, keeps input order and returns unit-length embeddings', async () => {
    const model = await EmbeddingModel.open(onnxPath, { providers: ['cpu'], threads: 1 });
    expect(model.dimension).toBe(96);
    expect(model.mels).toBe(128);
    const inputs = [logMel(100, 1), logMel(240, 2), logMel(100, 3), logMel(100, 4)];
    const together = await model.run(inputs);
    expect(together.embeddings).toHaveLength(4);
    for (let i = 0; i < inputs.length; i++) {
      const alone = await model.run([inputs[i]]);
      expect(maxAbsDiff(together.embeddings[i], alone.embeddings[0])).toBeLessThan(1e-5);
      expect(maxAbsDiff(together.logits[i], alone.logits[0])).toBeLessThan(1e-4);
      const norm = Math.hypot(...together.embeddings[i]);
      expect(norm).toBeCloseTo(1, 5);
      expect(together.logits[i]).toHaveLength(527);
    }
    // Different inputs must give different embeddings, or the order test above proves nothing.
    expect(maxAbsDiff(together.embeddings[0], together.embeddings[2])).toBeGreaterThan(1e-3);
    await model.close();
    await expect(model.run(inputs)).rejects.toThrow(/closed/);
  });

  it('splits long lists by maxBatch without changing results, and rejects malformed log-mels', async () => {
    const small = await EmbeddingModel.open(onnxPath, { providers: ['cpu'], maxBatch: 2 });
    const big = await EmbeddingModel.open(onnxPath, { providers: ['cpu'] });
    const inputs = [1, 2, 3, 4, 5].map((s) => logMel(64, s));
    const a = await small.run(inputs);
    const b = await big.run(inputs);
    for (let i = 0; i < inputs.length; i++) expect(maxAbsDiff(a.embeddings[i], b.embeddings[i])).toBeLessThan(1e-5);
    await expect(big.run([{ data: new Float32Array(64 * 10), mels: 64, frames: 10 }])).rejects.toThrow(/128 mel bands/);
    await expect(big.run([{ data: new Float32Array(5), mels: 128, frames: 10 }])).rejects.toThrow(EngineError);
    await small.close();
    await big.close();
  });

  it('shares one session between the towers of a one-checkpoint pair', async () => {
    const pair = await openModelPair({ id: 'w01', towers: { imitation: onnxPath, reference: onnxPath } }, { providers: ['cpu'] });
    expect(pair.imitation).toBe(pair.reference);
    expect(pair.id).toBe('w01');
    await pair.close();
    await expect(pair.reference.run([logMel(10, 1)])).rejects.toThrow(/closed/);
  });
});
