import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { evaluate, expectedRandomMrr } from '../../../src-main/engine/evaluation/metrics.ts';
import { buildProxyDataset } from '../../../src-main/engine/evaluation/proxy.ts';
import { heldOutReferences, heldOutSources, qualityBank, type QualityBank } from '../../../src-main/engine/quality/bank.ts';
import { headsCandidate, untrainedCandidate } from '../../../src-main/engine/quality/candidates.ts';
import { qualityFolds, qualityTable, referenceBootstrap } from '../../../src-main/engine/quality/matrix.ts';
import { ensureModel } from '../../../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../../../src-main/engine/model/runtime.ts';
import { DEFAULT_FEATURES } from '../../../src-main/engine/training/default-recipe.ts';
import { baseModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { modelVersionSystem } from '../../../src-main/engine/evaluation/model-version-system.ts';
import { smallSfxLibrary } from '../../support/sfx.ts';
import { suiteTempDir } from '../../support/temp-dir.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dir = suiteTempDir('onomato-quality-');
const proxy = join(dir, 'proxy');
// The command line reads the same data folder: features cached here are the ones it reuses.
const dataDir = join(dir, 'data');
const cacheDir = join(dataDir, 'models', 'training-features');
const REFERENCES = 24;
let model: EmbeddingModel;
let bank: QualityBank;

beforeAll(async () => {
  const library = await smallSfxLibrary();
  await buildProxyDataset(library, proxy, { seed: 4, references: REFERENCES, queriesPerReference: 2 });
  // Two groups of imitations, as a proxy with two imitator families would have them: the
  // matrix's bookkeeping (who trains, who is tested) is what this file checks, not the families.
  const rows = readFileSync(join(proxy, 'imitators.csv'), 'utf8').trim().split('\n').slice(1);
  writeFileSync(join(proxy, 'imitators.csv'), ['query,family', ...rows.map((r) => `${r.split(',')[0]},${r.includes('-1.wav') ? 'first' : 'second'}`)].join('\n'));
  const built = await ensureModel(join(dataDir, 'models'), { download: false });
  model = await EmbeddingModel.open(built.onnxPath, { providers: ['cpu'], log: () => undefined });
  bank = await qualityBank(model, await loadDataset(proxy), { cacheDir });
});
afterAll(async () => {
  await model?.close();
});

describe('the leave-one-family-out quality matrix', () => {
  it('trains each fold on the other families and on training references only, and tests on the left-out family', () => {
    expect(bank.families).toEqual(['first', 'second']);
    const split = heldOutReferences(bank, { testReferences: 8, seed: 1 });
    expect(split.test.size).toBe(8);
    expect([...split.test].some((id) => split.train.has(id))).toBe(false);
    for (const fold of qualityFolds(bank, split)) {
      const trainRefs = new Set(fold.train.map((p) => p.reference));
      expect([...trainRefs].every((r) => split.train.has(r))).toBe(true);
      expect(fold.trainFamilies.every((f) => f !== fold.family)).toBe(true);
      expect(fold.train).toHaveLength(REFERENCES - 8);
      expect(fold.test.dataset.items.map((it) => it.id).sort()).toEqual([...split.test].sort());
      expect(fold.test.dataset.queries.every((q) => bank.familyOf.get(q.id) === fold.family && split.test.has(q.itemId))).toBe(true);
      expect(fold.test.dataset.queries).toHaveLength(8);
    }
  });

  it('holds whole library packages out in the source split', () => {
    const split = heldOutSources(bank, { share: 0.3, seed: 1 });
    const testSources = new Set([...split.test].map((id) => bank.sourceOf.get(id)));
    expect([...split.train].some((id) => testSources.has(bank.sourceOf.get(id)))).toBe(false);
    expect(split.test.size).toBeGreaterThan(0);
    expect(split.test.size).toBeLessThanOrEqual(REFERENCES / 2);
  });

  it('scores the untrained fusion from cached features exactly as `onomato eval` scores that version', async () => {
    const fold = qualityFolds(bank, heldOutReferences(bank, { testReferences: 10, seed: 2 }))[0];
    const fromBank = await untrainedCandidate().score(fold, bank);
    const direct = await modelVersionSystem(baseModelVersion(DEFAULT_FEATURES), model).similarity(fold.test.dataset);
    expect(evaluate(fromBank.matrix).mrr).toBeCloseTo(evaluate(direct).mrr, 6);
    for (let i = 0; i < direct.data.length; i++) expect(fromBank.matrix.data[i]).toBeCloseTo(direct.data[i], 5);
  });

  it('gives each cell a reference-bootstrap interval around its MRR, and trained rows beside the fixed ones', async () => {
    const split = heldOutReferences(bank, { testReferences: 10, seed: 3 });
    const table = await qualityTable(bank, split, [untrainedCandidate(), headsCandidate('heads:epochs=2,rank=8')]);
    expect(table.rows.map((r) => r.id)).toEqual(['untrained', 'heads:epochs=2,rank=8']);
    for (const row of table.rows) {
      expect(row.cells.map((c) => c.family)).toEqual(['first', 'second']);
      for (const c of row.cells) {
        expect(c.interval[0]).toBeLessThanOrEqual(c.mrr + 1e-9);
        expect(c.interval[1]).toBeGreaterThanOrEqual(c.mrr - 1e-9);
        expect(c.mrr).toBeGreaterThan(expectedRandomMrr(10));
      }
      expect(row.mean).toBeCloseTo((row.cells[0].mrr + row.cells[1].mrr) / 2, 9);
    }
    // Every query of one reference ranked first, every other last: the interval spans the extremes' mix.
    const [lo, hi] = referenceBootstrap(Int32Array.from([1, 1, 10, 10]), ['a', 'a', 'b', 'b'], { draws: 400 });
    expect(lo).toBeCloseTo(0.1, 9);
    expect(hi).toBeCloseTo(1, 9);
  });

  it('prints the matrix from the command line, reading features from the cache on a rerun', async () => {
    const files = readdirSync(cacheDir).length;
    const args = ['bin/onomato.js', 'quality', '--dataset', proxy, '--data-dir', dataDir, '--test-references', '8', '--candidates', 'random,untrained,weights,heads:epochs=2+shared', '--source-share', '0.3'];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: repo, maxBuffer: 16 * 2 ** 20 });
    expect(stdout).toContain('Leave one family out: 8 held-out references, 16 training references');
    expect(stdout).toMatch(/\| system \| first MRR \[95%\] \| second MRR \[95%\] \| mean \| x untrained \| ship rule \|/);
    expect(stdout).toMatch(/^\| trained heads \(epochs=2,shared\) \| 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\] \|/m);
    expect(stdout).toMatch(/^\| untrained fused features .* \| 1\.00 \| {2}\|$/m);
    expect(stdout).toContain('Leave packages out (and the family): test packages');
    expect(readdirSync(cacheDir).length).toBe(files);
  });
});
