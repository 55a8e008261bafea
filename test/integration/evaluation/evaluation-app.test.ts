import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src-main/contract/events.ts';
import { EvalRun, type Job as JobView } from '../../../src-main/contract/schema.ts';
import { Evaluation } from '../../../src-main/engine/app/evaluation.ts';
import { Jobs } from '../../../src-main/engine/app/jobs.ts';
import { SettingsStore } from '../../../src-main/engine/app/settings.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { buildProxyDataset } from '../../../src-main/engine/evaluation/proxy.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';
import { dataPaths, ensureDataDirs, type DataPaths } from '../../../src-main/engine/paths.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { buildDevLayout } from '../../unit/evaluation/dataset-fixtures.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const REFERENCES = 6;
const PER_REFERENCE = 2;
const tmp = suiteTempDir('onomato-eval-app-');
let dataset: string;
let paths: DataPaths;

function openApp(): { store: LibraryStore; events: EventBus; jobs: Jobs; evaluation: Evaluation } {
  const store = LibraryStore.open(paths.database);
  const events = new EventBus();
  const jobs = new Jobs(store, events);
  return { store, events, jobs, evaluation: new Evaluation(store, paths, jobs, new SettingsStore(store)) };
}

beforeAll(async () => {
  paths = ensureDataDirs(dataPaths(join(tmp, 'data')));
  dataset = (await buildProxyDataset(await smallSfxLibrary(), join(tmp, 'proxy'), { seed: 5, references: REFERENCES, queriesPerReference: PER_REFERENCE })).root;
});

describe('the app\'s Evaluation', () => {
  it('offers the baselines and every backbone on this machine, with descriptions', async () => {
    const app = openApp();
    try {
      const systems = await app.evaluation.systems();
      expect(systems.slice(0, 4).map((s) => s.id)).toEqual(['random', '2dft', 'zero-shot', 'backbone:mn04_as']);
      for (const s of systems) expect(s.description.length).toBeGreaterThan(20);
    } finally {
      app.store.close();
    }
  });

  it('runs as a tracked job with progress, stores the run in SQLite and lists it in the contract\'s shape', async () => {
    const app = openApp();
    const progress: JobView[] = [];
    app.events.onAny((name, payload) => name === 'job.progress' && progress.push(payload as JobView));
    const view = await app.evaluation.start(dataset, ['random', '2dft']);
    expect(view).toMatchObject({ kind: 'evaluation', state: 'running' });
    const stored = await app.evaluation.running!.result;
    app.store.close();

    const sounds = REFERENCES * (1 + PER_REFERENCE);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ id: view.id, state: 'done', total: 2 * sounds });
    expect(progress.some((p) => p.current?.startsWith('2DFT') && p.done > sounds && p.done < 2 * sounds)).toBe(true);

    // A fresh process sees the run: it lives in the database, not in memory.
    const again = openApp();
    try {
      const runs = again.evaluation.runs();
      expect(runs).toHaveLength(1);
      const run = EvalRun.parse(runs[0]);
      expect(run).toMatchObject({
        id: stored.id, state: 'done', dataset, datasetName: 'QVIM-proxy (synthetic imitations of sfx-small)',
        queries: REFERENCES * PER_REFERENCE, items: REFERENCES, modelVersion: DEFAULT_HEADS_ID, // what search uses in a fresh library
      });
      expect(Date.now() - Date.parse(run.createdAt)).toBeLessThan(10 * 60_000);
      expect(run.scores.map((s) => s.system)).toEqual(['random', '2dft']);
      for (const s of run.scores) {
        expect(s.mrr).toBeGreaterThan(0);
        expect(s.mrr).toBeLessThanOrEqual(1);
        expect(s.recallAt['10']).toBe(1); // 6 items: every reference is within the first 10
        expect(s.perClass.reduce((n, c) => n + c.queries, 0)).toBe(REFERENCES * PER_REFERENCE);
      }
      expect(again.jobs.list().find((j) => j.id === view.id)).toMatchObject({ kind: 'evaluation', state: 'done' });
    } finally {
      again.store.close();
    }
  });

  it('pauses, resumes and cancels through the job controls, refusing a second run meanwhile, and records nothing', async () => {
    const app = openApp();
    try {
      const seen: JobView[] = [];
      const waitFor = (test: (j: JobView) => boolean) => new Promise<JobView>((resolve) => {
        const off = app.events.onAny((name, payload) => {
          const j = payload as JobView;
          if (name === 'job.progress' && test(j)) {
            off();
            resolve(j);
          }
        });
      });
      app.events.onAny((name, payload) => name === 'job.progress' && seen.push(payload as JobView));
      const firstProgress = waitFor((j) => j.done > 0);
      const view = await app.evaluation.start(dataset, ['2dft']);
      await expect(app.evaluation.start(dataset, ['random'])).rejects.toThrow(/already running/);
      await firstProgress;

      app.jobs.control(view.id, 'pause');
      // The worker may finish the sound in hand; after that nothing moves while paused.
      await new Promise((r) => setTimeout(r, 700));
      const held = app.evaluation.running!.progress!.overallDone;
      await new Promise((r) => setTimeout(r, 1500));
      expect(app.evaluation.running!.progress!.overallDone).toBe(held);
      expect(app.evaluation.running!.state).toBe('paused');
      expect(held).toBeLessThan(REFERENCES * (1 + PER_REFERENCE));

      const moved = waitFor((j) => j.done > held);
      app.jobs.control(view.id, 'resume');
      await moved;
      app.jobs.control(view.id, 'cancel');
      const err = await app.evaluation.running!.result.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).kind).toBe('cancelled');
      expect(app.evaluation.running!.state).toBe('cancelled');
      expect(seen.map((j) => j.state)).toEqual(expect.arrayContaining(['paused', 'running', 'cancelled']));
      expect(app.evaluation.runs()).toHaveLength(1);
    } finally {
      app.store.close();
    }
  });

  it('refuses a malformed dataset with every problem listed, and unknown systems', async () => {
    const app = openApp();
    try {
      const broken = join(tmp, 'broken');
      buildDevLayout(
        broken,
        [
          { label: 'Dog', cls: 'Dog', item: 'bark.wav', queries: ['q1.wav', 'gone.wav'] },
          { label: 'Bell', cls: 'Bell', item: 'missing-ref.wav', queries: ['q3.wav'] },
          { label: 'Horn', cls: 'Vehicle', item: 'horn.wav', queries: ['q4.wav'] },
        ],
        { skipAudio: ['gone.wav', 'missing-ref.wav'] },
      );
      const err = await app.evaluation.start(broken, ['random']).then(() => null, (e: unknown) => e as EngineError);
      expect(err?.kind).toBe('dataset');
      expect(err?.message).toMatch(/has 2 problems to fix before it can be evaluated:/);
      expect(err?.message).toMatch(/\n {2}- .*imitation "gone.wav" is missing/);
      expect(err?.message).toMatch(/\n {2}- .*reference "missing-ref.wav" is missing/);

      await expect(app.evaluation.start(dataset, ['random', 'best-model-ever'])).rejects.toThrow(/unknown system "best-model-ever": choose from random, 2dft, zero-shot/);
      expect(app.evaluation.runs()).toHaveLength(1);
    } finally {
      app.store.close();
    }
  });
});
