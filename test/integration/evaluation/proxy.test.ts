import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { evaluate, expectedRandomMrr } from '../../../src-main/engine/evaluation/metrics.ts';
import { imitatorIds } from '../../../src-main/engine/evaluation/imitators/registry.ts';
import { buildProxyDataset, IMITATORS_CSV, readImitatorFamilies, type ProxyResult } from '../../../src-main/engine/evaluation/proxy.ts';
import { formatReportTable, runEvaluation } from '../../../src-main/engine/evaluation/run.ts';
import { randomSystem, twoDftSystem } from '../../../src-main/engine/evaluation/systems.ts';
import { main } from '../../../src-main/cli/main.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { DEV_CSV } from '../../../src-main/engine/evaluation/qvim-dev-layout.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const tmp = suiteTempDir('onomato-proxy-');
let built: ProxyResult;
let dataset: Dataset;

beforeAll(async () => {
  built = await buildProxyDataset(await smallSfxLibrary(), join(tmp, 'proxy'), { seed: 7, references: 30, queriesPerReference: 3 });
  dataset = await loadDataset(built.root);
});

describe('QVIM-proxy benchmark from the small SFX library', () => {
  it('is a clean QVIM DEV layout dataset named for what it is', async () => {
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
    // By default every query is the original formant performer's, and imitators.csv says so.
    const [header, ...made] = readFileSync(join(built.root, IMITATORS_CSV), 'utf8').trim().split('\n');
    expect(header).toBe('query,family');
    expect(made.length).toBe(90);
    expect(made.every((row) => /-formant-[123]\.wav,formant$/.test(row))).toBe(true);
    expect(built.imitators).toEqual(['formant']);
    expect(await readImitatorFamilies(join(tmp, 'no-such-dataset'))).toBeUndefined();
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

/** `onomato <args>` in this process, with its output captured. */
async function onomato(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, { stdout: out, stderr: err });
  return { code, stdout, stderr };
}

/** Each query's family, and a hash over every query file's bytes. */
async function madeBy(root: string, dataset: Dataset): Promise<{ families: Map<string, string>; audio: string }> {
  const families = (await readImitatorFamilies(root))!;
  const hash = createHash('sha256');
  for (const q of [...dataset.queries].sort((a, b) => a.path.localeCompare(b.path))) hash.update(readFileSync(q.path));
  return { families, audio: hash.digest('hex') };
}

describe('a proxy benchmark from several imitator families', () => {
  it('refuses an unknown family by name, listing the known ones, before doing any work', async () => {
    const { code, stderr } = await onomato(['proxy', await smallSfxLibrary(), join(tmp, 'never'), '--imitators', 'formant,kazoo']);
    expect(code).toBe(2);
    expect(stderr).toContain(`--imitators: there is no imitator family "kazoo"; the known ones are ${imitatorIds().join(', ')} (or all)`);
    expect(() => readFileSync(join(tmp, 'never', IMITATORS_CSV))).toThrow();
  });

  it('goes round every family for each reference, names the family in each query, and is the same for the same seed', async () => {
    const root = join(tmp, 'mixed');
    const families = imitatorIds();
    const { code, stdout } = await onomato(['proxy', await smallSfxLibrary(), root, '--seed', '4', '--references', '5', '--queries-per-reference', String(families.length), '--imitators', 'all']);
    expect(code).toBe(0);
    expect(stdout).toContain(`imitators: ${families.join(', ')}`);
    const mixed = await loadDataset(root);
    expect(mixed.problems).toEqual([]);
    expect(mixed.queries.length).toBe(5 * families.length);
    const first = await madeBy(root, mixed);
    expect(first.families.size).toBe(mixed.queries.length);
    for (const [query, family] of first.families) expect(query).toMatch(new RegExp(`-${family}-\\d+\\.wav$`));
    // Every reference is imitated once by each family, so a family can be left out of training reference by reference.
    for (const item of mixed.items) {
      const own = mixed.queries.filter((q) => q.itemId === item.id).map((q) => first.families.get(basename(q.path)));
      expect([...own].sort(), item.id).toEqual([...families].sort());
    }
    const again = await buildProxyDataset(await smallSfxLibrary(), join(tmp, 'mixed-again'), { seed: 4, references: 5, queriesPerReference: families.length, imitators: ['all'] });
    const second = await madeBy(again.root, await loadDataset(again.root));
    expect([...second.families]).toEqual([...first.families]);
    expect(second.audio).toBe(first.audio);
  });
});
