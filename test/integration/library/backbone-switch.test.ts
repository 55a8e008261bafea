/**
 * Switching the library's backbone, on a real database with real SFX clips and the committed
 * two-tower Lightning fixture: the re-analysis is a job that pauses, cancels and resumes after a
 * SIGKILL; search answers with the previous model until the new one covers every sound, then with
 * the new one; takes go through the imitation tower, library sounds through the reference tower.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src-main/contract/schema.ts';
import { openEngine, type Engine } from '../../../src-main/engine/engine.ts';
import { loadMono32k } from '../../../src-main/engine/audio/decode.ts';
import { analyseQuery } from '../../../src-main/engine/library/analyse.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { loadModelVersion } from '../../../src-main/engine/library/model-versions.ts';
import { ensureModel } from '../../../src-main/engine/model/backbone.ts';
import { openModelPair } from '../../../src-main/engine/model/runtime.ts';
import { DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';
import { onomatoOk, spawnOnomato } from '../../support/cli.ts';
import { jobEnded } from '../../support/jobs.ts';
import { copySfxSubset } from '../../support/library-copy.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { MODEL_FIXTURES } from '../../unit/model/fixture-files.ts';

const FIXTURE = 'qvim-two-tower-w01';
const UNTRAINED = `untrained-${FIXTURE}`;
const SOUNDS = 40;

let dir: string;
let lib: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onomato-backbone-switch-'));
  lib = join(dir, 'sfx');
  expect(copySfxSubset(await smallSfxLibrary(), lib, SOUNDS)).toHaveLength(SOUNDS);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sounds that have vectors for a model version, read through a connection of its own (as another process would). */
function covered(database: string, modelId: string): number {
  const store = LibraryStore.open(database, { readonly: true });
  try {
    return (store.rawDatabaseForTests().prepare('SELECT count(DISTINCT sound_id) AS n FROM sound_embeddings WHERE model_id = ?').get(modelId) as { n: number }).n;
  } finally {
    store.close();
  }
}

function activeVersion(database: string): string | undefined {
  const store = LibraryStore.open(database, { readonly: true });
  try {
    return store.activeModelVersion()?.id;
  } finally {
    store.close();
  }
}

describe('switching the backbone in the app', () => {
  let engine: Engine;
  let database: string;
  let takeId: number;
  const progress: Job[] = [];

  beforeAll(async () => {
    engine = await openEngine({ dataDir: join(dir, 'app'), mode: 'web' });
    database = engine.paths.database;
    engine.events.onAny((name, payload) => { if (name === 'job.progress' && (payload as Job).kind === 'backbone') progress.push(payload as Job); });
    const { job } = await engine.handlers['library.addRoot']({ path: lib });
    expect((await jobEnded(engine, job)).state).toBe('done');
    await engine.handlers['backbones.add']({ path: join(MODEL_FIXTURES, `${FIXTURE}.bin`) });
    // A microphone take: a library clip recorded as an imitation.
    const store = LibraryStore.open(database);
    try {
      const sound = store.sounds({ status: 'indexed', limit: 1 })[0];
      takeId = store.addTake({ wavPath: sound.path, durationSec: sound.durationSec ?? 1, sampleRate: 32000, source: 'mic', originalName: null, deviceName: null }).id;
    } finally {
      store.close();
    }
  }, 180_000);

  afterAll(async () => { await engine?.close(); });

  it('searches with the shipped model over mn04_as before any switch', async () => {
    const result = await engine.handlers['search.take']({ takeId, top: 5 });
    expect(result.model).toBe(DEFAULT_HEADS_ID);
    expect(result.searched).toBe(SOUNDS);
    const inUse = (await engine.handlers['backbones.list']({})).filter((b) => b.inUse).map((b) => b.id);
    expect(inUse).toEqual(['mn04_as']);
  });

  it('a cancelled switch leaves the model in use and keeps the sounds it finished', async () => {
    const job = await engine.handlers['backbones.use']({ id: FIXTURE });
    expect(job.kind).toBe('backbone');
    for (let i = 0; i < 600 && !progress.some((p) => p.id === job.id && p.done >= 3); i++) await new Promise((r) => setTimeout(r, 20));
    await engine.handlers['jobs.control']({ jobId: job.id, action: 'cancel' });
    expect((await jobEnded(engine, job, 60_000, 50)).state).toBe('cancelled');
    const kept = covered(database, UNTRAINED);
    expect(kept).toBeGreaterThanOrEqual(3);
    expect(kept).toBeLessThan(SOUNDS);
    expect(activeVersion(database)).toBe(DEFAULT_HEADS_ID);
    const result = await engine.handlers['search.take']({ takeId, top: 5 });
    expect(result.model).toBe(DEFAULT_HEADS_ID);
    expect(result.searched).toBe(SOUNDS);
  }, 90_000);

  it('paused, search still answers with the previous model; resumed, it carries on and swaps in one step', async () => {
    const before = covered(database, UNTRAINED);
    const job = await engine.handlers['backbones.use']({ id: FIXTURE });
    await engine.handlers['jobs.control']({ jobId: job.id, action: 'pause' });
    await new Promise((r) => setTimeout(r, 1500));
    const paused = (await engine.handlers['jobs.list']({})).find((j) => j.id === job.id)!;
    expect(paused.state).toBe('paused');
    expect(paused.total).toBe(SOUNDS);
    // What the cancelled run finished counts as done: the switch goes on from there.
    expect(paused.done).toBeGreaterThanOrEqual(before);
    expect(paused.done).toBeLessThan(SOUNDS);
    const during = await engine.handlers['search.take']({ takeId, top: 5 });
    expect(during.model).toBe(DEFAULT_HEADS_ID);
    expect(during.searched).toBe(SOUNDS);
    // A scan waits while the library is re-analysed: two models must not write one sound at once.
    await expect(engine.handlers['library.rescan']({})).rejects.toThrow(/being analysed with another backbone/);

    await engine.handlers['jobs.control']({ jobId: job.id, action: 'resume' });
    const ended = await jobEnded(engine, job, 120_000, 100);
    expect(ended.state).toBe('done');
    expect(ended.done).toBe(SOUNDS);
    const seen = progress.filter((p) => p.id === job.id && p.state === 'running' && p.etaSec !== null);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.ratePerSec > 0)).toBe(true);

    expect(activeVersion(database)).toBe(UNTRAINED);
    const after = await engine.handlers['search.take']({ takeId, top: 5 });
    expect(after.model).toBe(UNTRAINED);
    expect(after.searched).toBe(SOUNDS);
    const inUse = (await engine.handlers['backbones.list']({})).filter((b) => b.inUse).map((b) => b.id);
    expect(inUse).toEqual([FIXTURE]);
  }, 180_000);

  it('a take goes through the imitation tower, library sounds through the reference tower', async () => {
    const result = await engine.handlers['search.take']({ takeId, top: 3 });
    const store = LibraryStore.open(database, { readonly: true });
    const built = await ensureModel(engine.paths.models, { id: FIXTURE });
    const pair = await openModelPair(built, { threads: 1, log: () => undefined });
    try {
      const version = loadModelVersion(store, UNTRAINED);
      const take = store.take(takeId)!;
      const { samples } = await loadMono32k(take.wavPath, { maxSeconds: 60 });
      const best = (windows: Float32Array[], queries: Float32Array[]) =>
        Math.max(...queries.flatMap((q) => windows.map((w) => q.reduce((s, x, i) => s + x * w[i], 0))));
      const imitation = (await analyseQuery(samples, pair, version, 'imitation')).queries;
      const reference = (await analyseQuery(samples, pair, version, 'reference')).queries;
      const top = result.matches[0];
      const stored = store.soundWindows(top.sound.id, UNTRAINED).map((w) => w.vector);
      expect(stored[0]).toHaveLength(96);
      expect(top.score).toBeCloseTo(best(stored, imitation), 4);
      // The towers differ (random weights), so the reference tower would have scored otherwise.
      expect(Math.abs(top.score - best(stored, reference))).toBeGreaterThan(1e-3);
      // The library's vectors are the reference tower's: the take's own clip, as a sound, scores 1 with itself.
      const self = store.soundByPath(take.wavPath)!;
      expect(best(store.soundWindows(self.id, UNTRAINED).map((w) => w.vector), reference)).toBeCloseTo(1, 4);
    } finally {
      await pair.close();
      store.close();
    }
  }, 60_000);

  it('heads made for another backbone are refused, and switching back to mn04_as reuses the vectors it kept', async () => {
    await expect(engine.handlers['models.activate']({ versionId: DEFAULT_HEADS_ID })).rejects.toThrow(/reads the mn04_as backbone, but the library is analysed with qvim-two-tower-w01/);
    const job = await engine.handlers['backbones.use']({ id: 'mn04_as' });
    const ended = await jobEnded(engine, job, 60_000, 50);
    expect(ended.state).toBe('done');
    const result = await engine.handlers['search.take']({ takeId, top: 5 });
    expect(result.model).toBe(DEFAULT_HEADS_ID);
    expect(result.searched).toBe(SOUNDS);
  }, 90_000);
});

describe('a switch killed with SIGKILL', () => {
  it('keeps the previous model, and the app resumes the switch by itself where it stopped', async () => {
    const data = join(dir, 'killed');
    await onomatoOk(['index', lib, '--data-dir', data, '--workers', '2']);
    await onomatoOk(['models', 'add-backbone', join(MODEL_FIXTURES, `${FIXTURE}.bin`), '--data-dir', data]);
    const database = join(data, 'library.sqlite');
    const child = spawnOnomato(['models', 'use-backbone', FIXTURE, '--data-dir', data], { stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 3000 && covered(database, UNTRAINED) < 5; i++) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const kept = covered(database, UNTRAINED);
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept, 'the kill must land mid-switch; the switch finished first').toBeLessThan(SOUNDS);
    expect(activeVersion(database)).toBe(DEFAULT_HEADS_ID);

    const engine = await openEngine({ dataDir: data, mode: 'web' });
    try {
      let resumed: Job | undefined;
      for (let i = 0; i < 600 && !resumed; i++) {
        resumed = (await engine.handlers['jobs.list']({})).find((j) => j.kind === 'backbone' && j.state !== 'interrupted');
        if (!resumed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(resumed, 'the app did not resume the interrupted switch').toBeDefined();
      const ended = await jobEnded(engine, resumed!, 120_000, 100);
      expect(ended.state).toBe('done');
      expect(ended.total).toBe(SOUNDS);
      expect(activeVersion(database)).toBe(UNTRAINED);
      const store = LibraryStore.open(database, { readonly: true });
      const record = store.jobs({ kind: 'backbone', limit: 1 })[0];
      store.close();
      expect(record.progress).toMatchObject({ done: SOUNDS });
      expect((await engine.handlers['search.similar']({ soundId: 1, top: 3 })).model).toBe(UNTRAINED);
    } finally {
      await engine.close();
    }
  }, 240_000);
});
