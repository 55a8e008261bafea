import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { evaluate, expectedRandomMrr } from '../../../src-main/engine/evaluation/metrics.ts';
import { buildProxyDataset, type ProxyResult } from '../../../src-main/engine/evaluation/proxy.ts';
import { formatReportTable, runEvaluation } from '../../../src-main/engine/evaluation/run.ts';
import { randomSystem, twoDftSystem } from '../../../src-main/engine/evaluation/systems.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { DEV_CSV } from '../../../src-main/engine/evaluation/qvim-dev-layout.ts';

let tmp: string;
let built: ProxyResult;
let dataset: Dataset;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'onomato-proxy-'));
  built = await buildProxyDataset(await smallSfxLibrary(), join(tmp, 'proxy'), { seed: 7, references: 30, queriesPerReference: 3 });
  dataset = await loadDataset(built.root);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('QVIM-proxy benchmark from the small SFX library', () => {
  it('is a clean QVIM DEV layout dataset named for what it is', () => {
    expect(dataset.layout).toBe('qvim-dev');
    expect(dataset.name).toBe('QVIM-proxy (synthetic imitations of sfx-small)');
    expect(dataset.problems).toEqual([]);
    expect(dataset.items.length).toBe(30);
    expect(dataset.queries.length).toBe(90);
    // Balanced: 30 references spread over many categories, none taking more than its share.
    const perClass = new Map<string, number>();
    for (const it of dataset.items) perClass.set(it.class, (perClass.get(it.class) ?? 0) + 1);
    expect(perClass.size).toBeGreaterThanOrEqual(20);
    expect(Math.max(...perClass.values())).toBeLessThanOrEqual(2);
    const csv = readFileSync(join(built.root, DEV_CSV), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^QVIM-proxy \(synthetic imitations of sfx-small\).*not the QVIM DEV set/);
    expect(readFileSync(join(built.root, 'licenses.csv'), 'utf8').trim().split('\n').length).toBe(31);
  });

  it('random scores average to H_N/N and 2DFT clearly beats it', async () => {
    let sum = 0;
    const seeds = 60;
    for (let seed = 1; seed <= seeds; seed++) sum += evaluate(await randomSystem(seed).similarity(dataset)).mrr;
    const expected = expectedRandomMrr(30);
    // One seed's MRR over 90 queries has a standard deviation near 0.02; 60 seeds bring it under 0.003.
    expect(Math.abs(sum / seeds - expected)).toBeLessThan(0.012);

    const report = await runEvaluation(dataset, [randomSystem(1), twoDftSystem()]);
    console.log(formatReportTable(report));
    const [random, twoDft] = report.systems;
    expect(twoDft.metrics.mrr).toBeGreaterThan(2 * expected);
    expect(twoDft.metrics.mrr).toBeGreaterThan(random.metrics.mrr + 0.15);
    expect(twoDft.metrics.ndcg).toBeGreaterThan(random.metrics.ndcg);
  });
});
