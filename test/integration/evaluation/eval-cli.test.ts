import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedRandomMrr } from '../../../src-main/engine/evaluation/metrics.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { BACKBONE_ONLY } from '../../../src-main/engine/model-version/features.ts';
import { baseModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';
import { saveModelVersion } from '../../../src-main/engine/library/model-versions.ts';
import { onomatoOk, runOnomato, spawnOnomato } from '../../support/cli.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { DEV_CSV } from '../../../src-main/engine/evaluation/qvim-dev-layout.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const REFERENCES = 16;
const PER_REFERENCE = 2;

const tmp = suiteTempDir('onomato-eval-cli-');
const dataset = join(tmp, 'proxy');
const dataDir = join(tmp, 'data');


interface SystemJson {
  id: string;
  label: string;
  seconds: number;
  expectedMrr?: number;
  metrics: { queries: number; items: number; mrr: number; ndcg: number; recallAt: Record<string, number> };
}
interface ReportJson {
  run: number;
  dataset: { name: string; queries: number; items: number };
  modelVersion: string | null;
  cache: { hits: number; misses: number };
  systems: SystemJson[];
  exported: string[];
  reportFile: string;
}

function recordedRuns(): number {
  const store = LibraryStore.open(join(dataDir, 'library.sqlite'));
  try {
    return store.evaluationRuns().length;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  const library = await smallSfxLibrary();
  const { stdout } = await onomatoOk(['proxy', library, dataset, '--seed', '3', '--references', String(REFERENCES), '--queries-per-reference', String(PER_REFERENCE)]);
  expect(stdout).toContain(`QVIM-proxy (synthetic imitations of sfx-small): ${REFERENCES} references, ${REFERENCES * PER_REFERENCE} imitations`);
});

describe('onomato eval', () => {
  let first: ReportJson;

  it('scores random, 2DFT and the zero-shot model on a proxy dataset, records the run and writes the report', async () => {
    const reportFile = join(tmp, 'first-report.json');
    const sims = join(tmp, 'sims.json');
    const { stdout, stderr } = await onomatoOk([
      'eval', '--dataset', dataset, '--systems', 'random,2dft,zero-shot', '--data-dir', dataDir,
      '--json', '--report', reportFile, '--export-similarities', sims,
    ]);
    first = JSON.parse(stdout) as ReportJson;
    // Progress went to stderr, whole-run counts included.
    expect(stderr).toMatch(new RegExp(`\\] \\d+/${3 * REFERENCES * (1 + PER_REFERENCE)} `));

    expect(first.dataset).toMatchObject({ name: 'QVIM-proxy (synthetic imitations of sfx-small)', queries: REFERENCES * PER_REFERENCE, items: REFERENCES });
    expect(first.systems.map((s) => s.id)).toEqual(['random', '2dft', 'zero-shot']);
    for (const s of first.systems) {
      expect(s.metrics.queries).toBe(REFERENCES * PER_REFERENCE);
      expect(s.metrics.items).toBe(REFERENCES);
      for (const v of [s.metrics.mrr, s.metrics.ndcg, ...Object.values(s.metrics.recallAt)]) {
        expect(v).toBeGreaterThanOrEqual(1 / REFERENCES - 1e-9);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(s.metrics.recallAt['1']).toBeLessThanOrEqual(s.metrics.recallAt['5']);
      expect(s.metrics.recallAt['5']).toBeLessThanOrEqual(s.metrics.recallAt['10']);
    }
    const [random, twoDft, zeroShot] = first.systems;
    expect(random.expectedMrr).toBeCloseTo(expectedRandomMrr(REFERENCES), 9);
    expect(twoDft.metrics.mrr).toBeGreaterThan(random.metrics.mrr + 0.15);
    expect(zeroShot.metrics.mrr).toBeGreaterThan(expectedRandomMrr(REFERENCES));
    expect(first.modelVersion).toBe(DEFAULT_HEADS_ID);
    // A fresh data folder: every zero-shot sound was embedded (2DFT never uses the cache).
    expect(first.cache).toEqual({ hits: 0, misses: REFERENCES * (1 + PER_REFERENCE) });

    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toMatchObject({ run: first.run, dataset: first.dataset, systems: first.systems });
    expect(first.exported).toEqual(['random', '2dft', 'zero-shot'].map((id) => join(tmp, `sims.${id}.json`)));
    const official = JSON.parse(readFileSync(join(tmp, 'sims.2dft.json'), 'utf8')) as Record<string, Record<string, number>>;
    expect(Object.keys(official)).toHaveLength(REFERENCES * PER_REFERENCE);
    for (const row of Object.values(official)) expect(Object.keys(row)).toHaveLength(REFERENCES);
    expect(recordedRuns()).toBe(1);
  });

  it('prints the table on a second run and reuses every cached embedding', async () => {
    const { stdout } = await onomatoOk(['eval', '--dataset', dataset, '--data-dir', dataDir]);
    expect(stdout).toContain(`QVIM-proxy (synthetic imitations of sfx-small): ${REFERENCES * PER_REFERENCE} queries, ${REFERENCES} items`);
    expect(stdout).toMatch(/\| system \| MRR \| NDCG \| R@1 \| R@5 \| R@10 \| seconds \|/);
    const rows = stdout.split('\n').filter((l) => /^\| (random|2DFT|zero-shot)/.test(l));
    expect(rows).toHaveLength(3);
    const cells = (label: RegExp) => rows.find((r) => label.test(r))!.split('|').map((c) => c.trim()).filter(Boolean);
    // Same data, same systems: the same numbers as the first run (the cache holds exactly what was computed).
    const zero = cells(/^\| zero-shot/);
    expect(Number(zero[1])).toBeCloseTo(first.systems[2].metrics.mrr, 4);
    expect(Number(cells(/^\| 2DFT/)[1])).toBeCloseTo(first.systems[1].metrics.mrr, 4);
    expect(stdout).toContain(`cached embeddings reused: ${REFERENCES * (1 + PER_REFERENCE)} of ${REFERENCES * (1 + PER_REFERENCE)}`);
    expect(Number(zero[zero.length - 1])).toBeLessThan(first.systems[2].seconds);
    const reportFile = /report: (\S+) \(run 2 in /.exec(stdout)?.[1];
    expect(reportFile && existsSync(reportFile)).toBe(true);
    expect(recordedRuns()).toBe(2);
  });

  it('Ctrl-C cancels cleanly: exit 130 within seconds, nothing recorded', async () => {
    const child = spawnOnomato(['eval', '--dataset', dataset, '--systems', '2dft,zero-shot', '--no-cache', '--data-dir', dataDir, '--report', join(tmp, 'cancelled.json')]);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (/\] \d+\/\d+ /.test(stderr)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
      child.once('exit', () => {
        clearInterval(poll);
        reject(new Error(`eval ended before any progress: ${stderr}`));
      });
    });
    const signalled = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(Date.now() - signalled).toBeLessThan(8000);
    expect(stderr).toContain('cancelled; nothing was recorded');
    expect(existsSync(join(tmp, 'cancelled.json'))).toBe(false);
    expect(recordedRuns()).toBe(2);
  });

  it('takes the library\'s model versions as systems: identity heads over the backbone reproduce zero-shot', async () => {
    const store = LibraryStore.open(join(dataDir, 'library.sqlite'));
    try {
      saveModelVersion(store, { ...baseModelVersion(BACKBONE_ONLY, 'identity-heads'), createdAt: Date.now() });
    } finally {
      store.close();
    }
    const { stdout } = await onomatoOk(['eval', '--dataset', dataset, '--systems', 'zero-shot,identity-heads', '--data-dir', dataDir, '--json']);
    const [zeroShot, heads] = (JSON.parse(stdout) as ReportJson).systems;
    expect(heads.id).toBe('identity-heads');
    // Proxy sounds fit one 10 s window each, so two code paths (embedWindows with best window
    // pairs; training's features through identity heads) must give the same scores.
    expect(heads.metrics.mrr).toBeCloseTo(zeroShot.metrics.mrr, 6);
    expect(heads.metrics.ndcg).toBeCloseTo(zeroShot.metrics.ndcg, 6);
    expect(recordedRuns()).toBe(3);
  });

  it('"active" is the model version search uses: the shipped default in a fresh data folder, the activated one after', async () => {
    const fresh = join(tmp, 'fresh-data');
    const shipped = JSON.parse((await onomatoOk(['eval', '--dataset', dataset, '--systems', 'active', '--data-dir', fresh, '--json'])).stdout) as ReportJson;
    expect(shipped.systems.map((s) => s.id)).toEqual([DEFAULT_HEADS_ID]);
    expect(shipped.systems[0].label).toContain(`${DEFAULT_HEADS_ID}, used by search`);
    expect(shipped.modelVersion).toBe(DEFAULT_HEADS_ID);
    expect(shipped.systems[0].metrics.mrr).toBeGreaterThan(expectedRandomMrr(REFERENCES));

    const store = LibraryStore.open(join(fresh, 'library.sqlite'));
    try {
      saveModelVersion(store, { ...baseModelVersion(BACKBONE_ONLY, 'my-heads'), createdAt: Date.now() });
      store.setActiveModelVersion('my-heads');
    } finally {
      store.close();
    }
    const { stdout } = await onomatoOk(['eval', '--dataset', dataset, '--systems', 'active', '--data-dir', fresh]);
    expect(stdout).toMatch(/^\| .*\(my-heads, used by search\) \| 0\.\d{4} /m);
    expect(stdout).toContain('model version search uses: my-heads;');
    const twice = await runOnomato(['eval', '--dataset', dataset, '--systems', 'active,my-heads', '--data-dir', fresh]);
    expect(twice.status).not.toBe(0);
    expect(twice.stderr).toContain('system "my-heads" is named twice ("active" is my-heads)');
  });

  it('refuses an unknown system with the choices, and a dataset with problems listing each', async () => {
    const failure = async (args: string[]) => {
      const r = await runOnomato(args);
      return r.status === 0 ? null : { code: r.status, stderr: r.stderr };
    };
    const unknown = await failure(['eval', '--dataset', dataset, '--systems', '2dft,nonsense', '--data-dir', dataDir]);
    expect(unknown?.code).toBe(1);
    expect(unknown?.stderr).toContain('unknown system "nonsense": choose from random, 2dft, zero-shot');

    const firstClass = readFileSync(join(dataset, DEV_CSV), 'utf8').split('\n')[2].split(',')[1];
    rmSync(join(dataset, 'Items', firstClass), { recursive: true });
    const broken = await failure(['eval', '--dataset', dataset, '--data-dir', dataDir]);
    expect(broken?.code).toBe(1);
    expect(broken?.stderr).toMatch(/has \d+ problems? to fix before it can be evaluated:\n {2}- .*Items/);
    expect(recordedRuns()).toBe(3);
  });
});
