import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { audiosetLabels, topTags } from '../../../src-main/engine/model/audioset-tags.ts';
import { ensureModel } from '../../../src-main/engine/model/backbone.ts';
import { readCheckpoint } from '../../../src-main/engine/model/checkpoint.ts';
import { EmbeddingModel, openModelPair, type LogMel } from '../../../src-main/engine/model/runtime.ts';
import { maxAbsDiff } from '../../support/audio-signals.ts';
import { cosine, fixtureF32, fixtureJson, type ParityFixture } from '../../unit/model/fixture-files.ts';
import { OrderedDict, stateDictToOrdered, writeTorchCheckpoint, type PickleInput } from '../../unit/model/torch-checkpoint-writer.ts';
import { suiteTempDir, withTempDir } from '../../support/temp-dir.ts';

const fixture = fixtureJson<ParityFixture>('parity.json');
// vitest.config.ts points ONOMATO_PRETRAINED_DIR at the workplace's weights; without them this fails, never skips.
const checkpointDir = process.env.ONOMATO_PRETRAINED_DIR ?? '';

/** Every fixture input as one log-mel per batch item, with the PyTorch outputs for it. */
function fixtureItems(): Array<{ mel: LogMel; logits: Float32Array; embedding: Float32Array; name: string }> {
  return fixture.cases.flatMap((c) => {
    const [batch, , mels, frames] = c.input.shape;
    const input = fixtureF32(c.input.file);
    const logits = fixtureF32(c.logits.file);
    const embedding = fixtureF32(c.embedding.file);
    const d = fixture.embeddingSize;
    return Array.from({ length: batch }, (_, b) => ({
      name: `${c.name}[${b}]`,
      mel: { data: input.slice(b * mels * frames, (b + 1) * mels * frames), mels, frames },
      logits: logits.slice(b * 527, (b + 1) * 527),
      embedding: embedding.slice(b * d, (b + 1) * d),
    }));
  });
}

describe('EfficientAT mn04_as built from its checkpoint matches PyTorch', () => {
  it('finds the checkpoint', () => expect(existsSync(join(checkpointDir, fixture.checkpoint)), checkpointDir).toBe(true));

  const models = suiteTempDir('onomato-models-');

  it('builds the ONNX once into the models folder, named by the checkpoint digest', async () => {
    const built = await ensureModel(models, { checkpointDirs: [checkpointDir!] });
    expect(built.id).toBe('mn04_as');
    expect(built.checkpointSha256).toBe(fixture.sha256);
    expect(built.onnxPath).toBe(join(models, `mn04_as-${fixture.sha256.slice(0, 8)}.onnx`));
    expect(built.towers).toEqual({ imitation: built.onnxPath, reference: built.onnxPath });
    expect(built.embeddingSize).toBe(384);
    const first = statSync(built.onnxPath).mtimeMs;

    const again = await ensureModel(models, { checkpointDirs: [checkpointDir!] });
    expect(again).toEqual(built);
    expect(statSync(built.onnxPath).mtimeMs).toBe(first);

    rmSync(built.onnxPath);
    await ensureModel(models, { checkpointDirs: [checkpointDir!] });
    expect(existsSync(built.onnxPath)).toBe(true);
  });

  it('gives PyTorch\'s embeddings (cosine >= 0.9999) and logits (within 1e-3) for a mixed-length batch', async () => {
    const built = await ensureModel(models, { checkpointDirs: [checkpointDir!] });
    const model = await EmbeddingModel.open(built.onnxPath);
    expect(model.dimension).toBe(384);
    const items = fixtureItems();
    expect(new Set(items.map((i) => i.mel.frames)).size).toBeGreaterThan(1);
    const out = await model.run(items.map((i) => i.mel));
    items.forEach((item, k) => {
      expect(cosine(out.embeddings[k], item.embedding), item.name).toBeGreaterThanOrEqual(0.9999);
      expect(maxAbsDiff(out.logits[k], item.logits), item.name).toBeLessThanOrEqual(1e-3);
    });
    const signal = items.findIndex((i) => i.name.startsWith('signal'));
    const top = fixture.cases.find((c) => c.name === 'signal')!.top!;
    expect(topTags(out.logits[signal], 1, 0)[0].label).toBe(audiosetLabels()[top[0]]);
    await model.close();
  });

  it('builds and routes the two towers of a Lightning checkpoint', async () => {
    const state = await readCheckpoint(join(checkpointDir!, fixture.checkpoint));
    // A reference tower whose last layer is doubled: its logits must double, its embeddings stay.
    const reference = new Map(state);
    for (const key of ['classifier.5.weight', 'classifier.5.bias']) {
      const t = state.get(key)!;
      reference.set(key, { shape: t.shape, data: t.data.map((v) => v * 2) });
    }
    const towers = new Map([...stateDictToOrdered(state, 'imitation_encoder.').entries, ...stateDictToOrdered(reference, 'reference_encoder.').entries]);
    towers.set('tau', { shape: [1], data: Float32Array.of(0.07) });
    const file = join(models, 'qvim-baseline.ckpt');
    writeFileSync(file, writeTorchCheckpoint(new Map<string, PickleInput>([
      ['epoch', 14],
      ['pytorch-lightning_version', '2.5.1'],
      ['state_dict', new OrderedDict(towers)],
      ['hyper_parameters', new Map<string, PickleInput>([['pretrained_name', 'mn10_as'], ['initial_tau', 0.07]])],
    ])));

    const built = await ensureModel(models, { checkpoint: file });
    expect(built.id).toBe('qvim-baseline');
    expect(built.towers.imitation).not.toBe(built.towers.reference);
    const pair = await openModelPair(built);
    expect(pair.imitation).not.toBe(pair.reference);
    const items = fixtureItems();
    const mels = items.map((i) => i.mel);
    const [imitation, referenceOut] = await Promise.all([pair.imitation.run(mels), pair.reference.run(mels)]);
    items.forEach((item, k) => {
      expect(maxAbsDiff(imitation.logits[k], item.logits)).toBeLessThanOrEqual(1e-3);
      expect(maxAbsDiff(referenceOut.logits[k], item.logits.map((v) => 2 * v))).toBeLessThanOrEqual(2e-3);
      expect(cosine(referenceOut.embeddings[k], item.embedding)).toBeGreaterThanOrEqual(0.9999);
    });
    await pair.close();
  });

  it('refuses a wrong file under the expected name, and a missing model when downloads are off', () => withTempDir(async (impostorDir) => {
    // The configured folder is searched first; this case is about the folders after it.
    const configured = process.env.ONOMATO_PRETRAINED_DIR;
    delete process.env.ONOMATO_PRETRAINED_DIR;
    try {
      writeFileSync(join(impostorDir, fixture.checkpoint), 'not the release file');
      await expect(ensureModel(models, { checkpointDirs: [impostorDir] })).rejects.toThrow(/not the published file/);
      const error = await ensureModel(mkdtempSync(join(impostorDir, 'm-')), { id: 'mn10_as', download: false, checkpointDirs: [impostorDir] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).kind).toBe('not-found');
      expect((error as EngineError).message).toMatch(/mn10_as_mAP_471\.pt/);
    } finally {
      process.env.ONOMATO_PRETRAINED_DIR = configured;
    }
  }, 'onomato-impostor-'));

});
