import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../../../src-main/contract/methods.ts';
import type { Job } from '../../../src-main/contract/schema.ts';
import { decodeAudio, downmix, writeWav } from '../../../src-main/engine/audio/decode.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { seededNoise } from '../../support/audio-signals.ts';
import { copySfxSubset } from '../../support/library-copy.ts';
import { jobEnded } from '../../support/jobs.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';
import { decodeModelVersion } from '../../../src-main/engine/model-version/model-file.ts';
import { saveModelVersion, loadModelVersion } from '../../../src-main/engine/library/model-versions.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';

/**
 * The app's training flow through the real engine: a small real library, takes that stand in
 * for imitations (each library sound quieter, noisier and shifted), pairs marked as matches,
 * a personal run with live curves, and the version it makes.
 */
const dir = suiteTempDir('onomato-app-training-');
let engine: Engine;
const pushed: Array<{ name: EventName; payload: unknown }> = [];

beforeAll(async () => {
  const lib = join(dir, 'sfx');
  copySfxSubset(await smallSfxLibrary(), lib, 24);
  engine = await openEngine({ dataDir: join(dir, 'data'), mode: 'web' });
  engine.events.onAny((name, payload) => pushed.push({ name, payload }));
  const { job } = await engine.handlers['library.addRoot']({ path: lib });
  expect((await jobEnded(engine, job)).state).toBe('done');
}, 600_000);

afterAll(async () => {
  await engine?.close();
});

/** A run small enough for a shared 2-core machine. */
const SMALL_RUN = { epochs: 4, temperature: 0.07, learningRate: 1e-3, weightDecay: 0, towardBase: 10, head: 'imitation', augmentCopies: 0, pairs: 'personal', adaptation: 'gradient' } as const;

/** A version's heads as its exported file holds them. */
async function exportedHeads(versionId: string): Promise<{ imitation: number[]; reference: number[] }> {
  const { path } = await engine.handlers['models.export']({ versionId });
  const v = decodeModelVersion(readFileSync(path), path);
  const flat = (h: typeof v.imitation) => [...h.u, ...h.v, ...h.bias];
  return { imitation: flat(v.imitation), reference: flat(v.reference) };
}

describe('training in the app', () => {
  it('trains on marked pairs with live curves and keeps the run as a model version', async () => {
    const sounds = (await engine.handlers['library.roots']({}))[0];
    expect(sounds.sounds).toBeGreaterThanOrEqual(20);
    // Twelve "imitations": library sounds made quieter, noisier and late, marked as matches.
    const all = await Promise.all(Array.from({ length: 24 }, (_, i) => engine.handlers['library.sound']({ soundId: i + 1 }).catch(() => null)));
    const targets = all.filter((s) => s !== null).slice(0, 12);
    for (const [i, sound] of targets.entries()) {
      const d = await decodeAudio(sound.path, { maxSeconds: 10 });
      const mono = downmix(d.channels);
      const shifted = new Float32Array(mono.length + Math.round(0.2 * d.sampleRate));
      const hiss = seededNoise(mono.length, 0.005, i + 1);
      for (let n = 0; n < mono.length; n++) shifted[n + shifted.length - mono.length] = 0.5 * mono[n] + hiss[n];
      const file = join(dir, `imitation-${i}.wav`);
      await writeWav(file, { channels: [shifted], sampleRate: d.sampleRate, bitDepth: 16 });
      const take = await engine.handlers['takes.import']({ name: `imitation-${i}.wav`, dataBase64: readFileSync(file).toString('base64') });
      await engine.handlers['pairs.mark']({ takeId: take.id, soundId: sound.id, origin: 'teach' });
    }
    expect(await engine.handlers['pairs.list']({})).toHaveLength(12);

    const before = await engine.handlers['models.list']({});
    expect(before.find((v) => v.active)?.id).toBe(DEFAULT_HEADS_ID);

    // Pairs: 'dataset' trains only on imported pairs, and there are none yet: refused with a sentence.
    await expect(engine.handlers['train.start']({ ...SMALL_RUN, pairs: 'dataset' })).rejects.toThrow(/Too few imported pairs to train on \(0\): import a dataset first/);

    // Weight decay on, so a reference head that were stepped at all would move.
    const job = await engine.handlers['train.start']({ ...SMALL_RUN, weightDecay: 0.05, head: 'imitation', pairs: 'personal' });
    const end = await jobEnded(engine, job);
    expect(end.state, end.message ?? '').toBe('done');
    const curve = pushed.filter((e) => e.name === 'train.curve');
    expect(curve.length).toBeGreaterThanOrEqual(4);
    for (const e of curve) expect(Number.isFinite((e.payload as { point: { loss: number } }).point.loss)).toBe(true);
    // The panel shows how fast epochs go and how long is left while the run trains.
    const epochsShown = pushed.filter((e) => e.name === 'job.progress').map((e) => e.payload as Job)
      .filter((j) => j.id === job.id && j.state === 'running' && j.unit === 'epochs' && j.done > 0);
    expect(epochsShown.length).toBeGreaterThan(0);
    for (const j of epochsShown) {
      expect(j.ratePerSec).toBeGreaterThan(0);
      expect(j.etaSec).not.toBeNull();
    }

    const after = await engine.handlers['models.list']({});
    const made = after.find((v) => !before.some((b) => b.id === v.id));
    expect(made, 'the run is kept as a version').toBeDefined();
    expect(['trained', 'rejected']).toContain(made!.state);
    expect(made!.metrics.personalMrr).toBeGreaterThan(0);
    expect(made!.metrics.personalMrrBefore).toBeGreaterThan(0);
    // An accepted run becomes the active version; a rejected one leaves the default active.
    const active = after.find((v) => v.active)!;
    expect(active.id).toBe(made!.state === 'trained' ? made!.id : DEFAULT_HEADS_ID);

    // The version keeps the curve the run drew, one point per epoch of the pass it ships.
    expect(made!.curve.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
    for (const p of made!.curve) expect(Number.isFinite(p.loss)).toBe(true);
    // Twelve sounds are measured by k-fold: each epoch's held-out MRR is the folds' mean, and the last one is the version's.
    for (const p of made!.curve) expect(p.validationMrr).toBeGreaterThan(0);
    expect(made!.curve[3].validationMrr).toBeCloseTo(made!.metrics.personalMrr, 6);
    expect(made!.decision).toMatch(/held-out MRR/);
    expect(made!.pairs).toBe(12);
    // Head 'imitation' adapts the voice side only: the reference head is the starting one, bit for bit.
    const [trained, base] = await Promise.all([exportedHeads(made!.id), exportedHeads(DEFAULT_HEADS_ID)]);
    expect(trained.reference).toEqual(base.reference);
    expect(trained.imitation).not.toEqual(base.imitation);

    // Export and import through one file give the same version back.
    const { path } = await engine.handlers['models.export']({ versionId: made!.id });
    expect(path.startsWith(join(dir, 'data', 'exports'))).toBe(true);
    const imported = await engine.handlers['models.import']({ path });
    expect(imported.id).toBe(made!.id);
  });

  it('a personal run by default fits the closed-form personal map: no epochs to wait for, kept as a version with its before and after', async () => {
    const before = await engine.handlers['models.list']({});
    const job = await engine.handlers['train.start']({ epochs: 4, temperature: 0.07, learningRate: 1e-3, weightDecay: 0, towardBase: 10, head: 'imitation', augmentCopies: 0, pairs: 'personal', adaptation: 'personal-map' });
    const end = await jobEnded(engine, job);
    expect(end.state, end.message ?? '').toBe('done');
    expect(end.message).toMatch(/Activated|Kept but not activated/);
    const made = (await engine.handlers['models.list']({})).find((v) => !before.some((b) => b.id === v.id));
    expect(made, 'the run is kept as a version').toBeDefined();
    expect(made!.metrics.personalMrrBefore).toBeGreaterThan(0);
    expect(made!.metrics.personalMrr).toBeGreaterThanOrEqual(0);
  });

  it('activating a version re-embeds the library from cached features and search still answers', async () => {
    const versions = await engine.handlers['models.list']({});
    const target = versions.find((v) => v.state === 'trained' && !v.active) ?? versions.find((v) => v.id === DEFAULT_HEADS_ID)!;
    const job = await engine.handlers['models.activate']({ versionId: target.id });
    const end = await jobEnded(engine, job);
    expect(end.state).toBe('done');
    expect(end.total).toBeGreaterThanOrEqual(20);
    expect((await engine.handlers['app.info']({})).model?.id).toBe(target.id);
    const take = (await engine.handlers['takes.list']({}))[0];
    const result = await engine.handlers['search.take']({ takeId: take.id, top: 5 });
    expect(result.model).toBe(target.id);
    expect(result.matches.length).toBe(5);
  });

  it('imports a dataset folder as pairs: its references join the library, its imitations become takes', async () => {
    const ds = join(dir, 'my-dataset');
    const refs = copySfxSubset(await smallSfxLibrary(), join(ds, 'references'), 3);
    const rows = ['imitation,reference,class'];
    for (const [i, rel] of refs.entries()) {
      const d = await decodeAudio(join(ds, 'references', rel), { maxSeconds: 5 });
      await writeWav(join(ds, `imitation-${i}.wav`), { channels: [downmix(d.channels).map((x) => 0.3 * x)], sampleRate: d.sampleRate, bitDepth: 16 });
      rows.push(`imitation-${i}.wav,references/${rel},class-${i}`);
    }
    writeFileSync(join(ds, 'pairs.csv'), `${rows.join('\n')}\n`);
    const before = (await engine.handlers['pairs.list']({})).length;
    const end = await jobEnded(engine, await engine.handlers['pairs.import']({ datasetDir: ds }));
    expect(end.state, end.message ?? '').toBe('done');
    const pairs = await engine.handlers['pairs.list']({});
    const imported = pairs.filter((p) => p.origin === 'dataset');
    expect(pairs.length - before).toBe(3);
    expect(imported.map((p) => p.soundName).sort()).toEqual(refs.map((r) => r.split('/').pop()).sort());
  });

  it("Pairs 'all' trains on imported pairs too, head 'both' adapts the sound side, and feature extraction counts pairs", async () => {
    const pairs = await engine.handlers['pairs.list']({});
    expect(pairs.filter((p) => p.origin === 'dataset').length).toBe(3);
    const start = pushed.length;
    const job = await engine.handlers['train.start']({ ...SMALL_RUN, epochs: 2, weightDecay: 0.05, head: 'both', pairs: 'all', name: 'all pairs, both heads' });
    const end = await jobEnded(engine, job);
    expect(end.state, end.message ?? '').toBe('done');
    const made = (await engine.handlers['models.list']({})).find((v) => v.name === 'all pairs, both heads')!;
    expect(made.pairs).toBe(pairs.length);
    expect(made.curve).toHaveLength(2);
    const [trained, base] = await Promise.all([exportedHeads(made.id), exportedHeads(DEFAULT_HEADS_ID)]);
    expect(trained.reference).not.toEqual(base.reference);
    // Feature extraction is shown pair by pair (never 0 / 0), with an ETA from the one estimator.
    const views = pushed.slice(start).filter((e) => e.name === 'job.progress').map((e) => e.payload as Job).filter((j) => j.id === job.id && j.state === 'running');
    const features = views.filter((j) => j.unit === 'pairs');
    expect(features.length).toBeGreaterThan(0);
    for (const j of features) expect(j.total).toBe(pairs.length);
    expect(features.some((j) => j.done > 0 && j.etaSec !== null)).toBe(true);
    expect(views.some((j) => j.unit === 'epochs')).toBe(true);
  }, 300_000);

  it('a rejected version shows its reason and is activated only on purpose', async () => {
    // A run that measured worse, as the store keeps one (the run's decision in its metrics).
    const store = LibraryStore.open(join(dir, 'data', 'library.sqlite'));
    try {
      const base = loadModelVersion(store, DEFAULT_HEADS_ID);
      saveModelVersion(store, { ...base, id: 'worse-run', name: 'worse run', parent: base.id, status: 'rejected', createdAt: Date.now(), metrics: { decision: 'held-out MRR fell from 0.500 to 0.400' } });
    } finally {
      store.close();
    }
    const rejected = (await engine.handlers['models.list']({})).find((v) => v.id === 'worse-run')!;
    expect(rejected.state).toBe('rejected');
    expect(rejected.decision).toBe('held-out MRR fell from 0.500 to 0.400');
    await expect(engine.handlers['models.activate']({ versionId: 'worse-run' })).rejects.toThrow(/was rejected when it was trained \(held-out MRR fell from 0.500 to 0.400\)/);
    const end = await jobEnded(engine, await engine.handlers['models.activate']({ versionId: 'worse-run', force: true }));
    expect(end.state, end.message ?? '').toBe('done');
    expect((await engine.handlers['app.info']({})).model?.id).toBe('worse-run');
  });
});
