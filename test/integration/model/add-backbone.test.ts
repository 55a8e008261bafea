import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/main.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { addBackbone, ensureModel, listBackbones } from '../../../src-main/engine/model/backbone.ts';
import { registryFile } from '../../../src-main/engine/model/backbone-registry.ts';
import { openModelPair, type LogMel } from '../../../src-main/engine/model/runtime.ts';
import { maxAbsDiff } from '../../support/audio-signals.ts';
import { cosine, fixtureF32, fixtureJson, MODEL_FIXTURES, type ParityFixture } from '../../unit/model/fixture-files.ts';
import { syntheticMobileNet } from '../../unit/model/synthetic-mobilenet.ts';
import { OrderedDict, stateDictToOrdered, writeTorchCheckpoint, type PickleInput } from '../../unit/model/torch-checkpoint-writer.ts';
import { startFileServer } from '../../support/file-server.ts';
import { buildSoxQvimDev } from '../../support/imitation-datasets.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

/** What make_qvim_checkpoint_fixture.py wrote: PyTorch's outputs of each tower of a Lightning checkpoint it saved. */
interface TwoTowerFixture {
  checkpoint: string;
  sha256: string;
  embeddingSize: number;
  prefixes: string[];
  cases: Array<{ tower: 'imitation' | 'reference'; case: string; input: string; inputShape: number[]; logits: { file: string }; embedding: { file: string } }>;
}
const fixture = fixtureJson<TwoTowerFixture>('qvim-two-tower-w01.json');
const mn04 = fixtureJson<ParityFixture>('parity.json');
const checkpoint = join(MODEL_FIXTURES, fixture.checkpoint);

function mels(input: string, shape: number[]): LogMel[] {
  const [batch, , m, frames] = shape;
  const data = fixtureF32(input);
  return Array.from({ length: batch }, (_, b) => ({ data: data.slice(b * m * frames, (b + 1) * m * frames), mels: m, frames }));
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => new Writable({ write(chunk, _enc, cb) { into.push(String(chunk)); cb(); } });
  const code = await main(args, { stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const tmp = suiteTempDir('onomato-backbone-');

describe('a QVIM two-tower Lightning checkpoint saved by PyTorch', () => {
  it('has the baseline\'s module names', () => {
    expect(fixture.prefixes).toEqual(['imitation_encoder', 'reference_encoder', 'tau']);
  });

  it('builds two towers that each match PyTorch (embedding cosine >= 0.9999, logits within 1e-3)', async () => {
    const models = join(tmp, 'parity-models');
    const built = await ensureModel(models, { checkpoint });
    expect(built.embeddingSize).toBe(fixture.embeddingSize);
    expect(built.checkpointSha256).toBe(fixture.sha256);
    expect(built.towers.imitation).not.toBe(built.towers.reference);
    const pair = await openModelPair(built);
    try {
      for (const c of fixture.cases) {
        const model = c.tower === 'imitation' ? pair.imitation : pair.reference;
        const out = await model.run(mels(c.input, c.inputShape));
        const logits = fixtureF32(c.logits.file);
        const embeddings = fixtureF32(c.embedding.file);
        out.embeddings.forEach((e, b) => {
          const want = embeddings.slice(b * fixture.embeddingSize, (b + 1) * fixture.embeddingSize);
          expect(cosine(e, want), `${c.tower} ${c.case}[${b}]`).toBeGreaterThanOrEqual(0.9999);
          expect(maxAbsDiff(out.logits[b], logits.slice(b * 527, (b + 1) * 527)), `${c.tower} ${c.case}[${b}]`).toBeLessThanOrEqual(1e-3);
        });
      }
      // The towers really are different networks: a take and a library sound of the same audio embed apart.
      const [one] = mels(fixture.cases[0].input, fixture.cases[0].inputShape);
      const [a, b] = await Promise.all([pair.imitation.run([one]), pair.reference.run([one])]);
      expect(cosine(a.embeddings[0], b.embeddings[0])).toBeLessThan(0.99);
    } finally {
      await pair.close();
    }
  });
});

describe('onomato models add-backbone', () => {
  it('adds the two-tower checkpoint as a backbone, copied into the models folder, and lists it beside the catalogue', async () => {
    const dataDir = join(tmp, 'data-add');
    const picked = join(tmp, 'my baseline.ckpt');
    writeFileSync(picked, readFileSync(checkpoint));
    const added = await cli(['models', 'add-backbone', picked, '--data-dir', dataDir]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^my_baseline added: 96-d embeddings, two towers \(takes go through the imitation tower/);
    rmSync(picked); // the backbone keeps working without the file the user picked
    const built = await ensureModel(join(dataDir, 'models'), { id: 'my_baseline' });
    expect(built.checkpointSha256).toBe(fixture.sha256);
    expect(built.checkpointPath.startsWith(join(dataDir, 'models', 'checkpoints'))).toBe(true);

    const list = JSON.parse((await cli(['models', 'backbones', '--json', '--data-dir', dataDir])).stdout) as Array<{ id: string; embeddingSize: number; twoTowers: boolean; origin: string; licence: string; source: string }>;
    expect(list.map((b) => [b.id, b.embeddingSize, b.twoTowers, b.origin])).toEqual([
      ['mn04_as', 384, false, 'catalogue'], ['mn10_as', 960, false, 'catalogue'], ['qvim_baseline', 960, true, 'catalogue'], ['my_baseline', 96, true, 'file'],
    ]);
    expect(list.find((b) => b.id === 'qvim_baseline')!.source).toMatch(/QVIM baseline/);
    const text = (await cli(['models', 'backbones', '--data-dir', dataDir])).stdout;
    expect(text).toMatch(/mn04_as .*384-d, one network for both sides, 3\.9 MiB\n.*licence: MIT/);

    // Side by side on one dataset: the catalogue's mn04_as and the added two-tower checkpoint.
    const dev = join(tmp, 'dev');
    buildSoxQvimDev(dev, 2);
    const evaluated = await cli(['eval', '--dataset', dev, '--systems', 'backbone:mn04_as,backbone:my_baseline', '--json', '--data-dir', dataDir]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const report = JSON.parse(evaluated.stdout) as { systems: Array<{ id: string; metrics: { queries: number; items: number; mrr: number } }> };
    expect(report.systems.map((s) => [s.id, s.metrics.queries, s.metrics.items])).toEqual([['backbone:mn04_as', 10, 4], ['backbone:my_baseline', 10, 4]]);
    expect(report.systems[0].metrics.mrr).not.toBe(report.systems[1].metrics.mrr);
  });

  it('adds a plain EfficientAT state dict of another width under the name given', async () => {
    const models = join(tmp, 'models-plain');
    const built = await addBackbone(models, join(process.env.ONOMATO_PRETRAINED_DIR ?? '', mn04.checkpoint), { id: 'audioset-small' });
    expect(built.embeddingSize).toBe(384);
    expect(built.added.twoTowers).toBe(false);
    expect(built.towers.imitation).toBe(built.towers.reference);
  });

  it('refuses a checkpoint of an unknown architecture, a file that is not a checkpoint, and a taken name, changing nothing', async () => {
    const models = join(tmp, 'models-refused');
    await addBackbone(models, checkpoint, { id: 'kept' });
    const before = readFileSync(registryFile(models), 'utf8');
    const filesBefore = readdirSync(join(models, 'checkpoints')).sort();

    const resnet = join(tmp, 'resnet.ckpt');
    const t = (...shape: number[]) => ({ shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    writeFileSync(resnet, writeTorchCheckpoint(new Map<string, PickleInput>([['state_dict', new OrderedDict(new Map<string, PickleInput>([
      ['conv1.weight', t(64, 3, 7, 7)], ['layer1.0.conv1.weight', t(64, 64, 3, 3)], ['fc.weight', t(1000, 512)],
    ]))]])));
    const text = join(tmp, 'notes.ckpt');
    writeFileSync(text, 'these are notes about weights, not the weights themselves');
    const cases: Array<[string, string | undefined, RegExp]> = [
      [resnet, undefined, /resnet\.ckpt: this file cannot be used as a backbone \(the checkpoint holds no EfficientAT MobileNet .*\); the current model is unchanged/],
      [text, undefined, /notes\.ckpt: this file cannot be used as a backbone \(not a ZIP archive\); the current model is unchanged/],
      [resnet, 'kept', /a different checkpoint was already added as "kept"/],
      [checkpoint, 'mn04_as', /is the name of a catalogue backbone/],
      [checkpoint, '../escape', /cannot name a backbone/],
      [join(tmp, 'missing.ckpt'), undefined, /missing\.ckpt: the file does not exist/],
    ];
    for (const [file, id, message] of cases) {
      const error = await addBackbone(models, file, { id }).catch((e: unknown) => e);
      expect(error, file).toBeInstanceOf(EngineError);
      expect((error as EngineError).message).toMatch(message);
    }
    const viaCli = await cli(['models', 'add-backbone', resnet, '--data-dir', join(tmp, 'data-refused')]);
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toMatch(/^onomato models: .*resnet\.ckpt: this file cannot be used as a backbone/);
    expect(readFileSync(registryFile(models), 'utf8')).toBe(before);
    expect(readdirSync(join(models, 'checkpoints')).sort()).toEqual(filesBefore);
    expect(existsSync(join(tmp, 'data-refused', 'models', 'backbones.json'))).toBe(false);
    expect((await listBackbones(models)).map((b) => b.id)).toEqual(['mn04_as', 'mn10_as', 'qvim_baseline', 'kept']);
  });
});

describe('the QVIM baseline from the catalogue', () => {
  it('downloads with progress and resume, builds its two towers, and refuses and deletes a file built unlike the published one', async () => {
    // Two width-1.0 towers (the baseline's 960-d shape) with seeded weights, in the Lightning layout.
    const towers = new Map([...stateDictToOrdered(syntheticMobileNet(1.0, 31), 'imitation_encoder.').entries, ...stateDictToOrdered(syntheticMobileNet(1.0, 32), 'reference_encoder.').entries]);
    towers.set('tau', { shape: [1], data: Float32Array.of(0.07) });
    const good = Buffer.from(writeTorchCheckpoint(new Map<string, PickleInput>([['epoch', 14], ['state_dict', new OrderedDict(towers)]])));
    const server = await startFileServer({
      '/jku/baseline.ckpt': { body: good, dropAfter: Math.floor(good.length / 3), dropTimes: 1 },
      '/jku/small.ckpt': { body: readFileSync(checkpoint) },
    });
    const overrides = join(tmp, 'catalogue.json');
    const previous = process.env.ONOMATO_CATALOGUE;
    try {
      const models = join(tmp, 'models-catalogue');
      writeFileSync(overrides, JSON.stringify({ qvim_baseline: { url: server.url('/jku/small.ckpt') } }));
      process.env.ONOMATO_CATALOGUE = overrides;
      const wrong = await ensureModel(models, { id: 'qvim_baseline' }).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(EngineError);
      expect((wrong as EngineError).message).toMatch(/baseline\.ckpt: the downloaded checkpoint cannot be used \(this is not the published qvim_baseline checkpoint: it holds two towers of 96-d embeddings where the published file holds two towers of 960-d embeddings\); it was deleted/);
      expect(readdirSync(models).filter((f) => f.startsWith('baseline'))).toEqual([]);

      writeFileSync(overrides, JSON.stringify({ qvim_baseline: { url: server.url('/jku/baseline.ckpt') } }));
      const progress: number[] = [];
      const built = await ensureModel(models, { id: 'qvim_baseline', onProgress: (done) => progress.push(done) });
      expect(built.embeddingSize).toBe(960);
      expect(built.towers.imitation).not.toBe(built.towers.reference);
      expect(progress.at(-1)).toBe(good.length);
      const asked = server.requests.filter((r) => r.path === '/jku/baseline.ckpt');
      expect(asked).toHaveLength(2);
      expect(asked[0].headers.range).toBeUndefined();
      expect(asked[1].status).toBe(206); // resumed, not fetched again
      expect(asked[1].sent).toBeGreaterThanOrEqual(good.length - Math.floor(good.length / 3));
      expect(asked[1].sent).toBeLessThan(good.length);
      expect((await listBackbones(models)).find((b) => b.id === 'qvim_baseline')!.present).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.ONOMATO_CATALOGUE;
      else process.env.ONOMATO_CATALOGUE = previous;
      await server.close();
    }
  }, 120_000);
});
