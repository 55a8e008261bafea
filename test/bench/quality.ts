import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/engine/evaluation/datasets.ts';
import { imitatorIds } from '../../src-main/engine/evaluation/imitators/registry.ts';
import { buildProxyDataset } from '../../src-main/engine/evaluation/proxy.ts';
import { qualityBank } from '../../src-main/engine/quality/bank.ts';
import { DEFAULT_CANDIDATES, formatQualityReport, qualityCandidates, qualityReport } from '../../src-main/engine/quality/run.ts';
import { folderEmbeddingCache } from '../../src-main/engine/evaluation/systems.ts';
import { ensureModel } from '../../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../../src-main/engine/model/runtime.ts';
import { defaultModelVersion } from '../../src-main/engine/model-version/versions.ts';
import type { BenchRow } from './row.ts';

/**
 * Retrieval quality for imitators a model never heard: the leave-one-family-out matrix of
 * `onomato quality` over proxies of the small library, one per imitator family (each reference
 * imitated once by each). The proxies, the features and 2DFT's scores are built once into
 * .cache/quality (minutes per family), so a rerun only trains. The full matrix is printed; the rows
 * here are each system's mean left-out MRR beside the untrained fused features'.
 * ONOMATO_QUALITY_CANDIDATES (comma list, "+" inside heads options) picks other candidates.
 */
export async function run(lib: string): Promise<BenchRow[]> {
  const root = join(import.meta.dirname, '..', '..', '.cache', 'quality');
  // One proxy per family, same seed and references: a new family costs only its own features.
  const proxies: string[] = [];
  for (const family of imitatorIds()) {
    const proxy = join(root, `proxy-sfx-small-${family}`);
    if (!existsSync(join(proxy, 'imitators.csv'))) {
      process.stderr.write(`bench: quality: imitating ${lib} with the ${family} family...\n`);
      await buildProxyDataset(lib, proxy, { seed: 1, references: 100_000, queriesPerReference: 1, imitators: [family] });
    }
    proxies.push(proxy);
  }
  // The layout of a data folder, so `onomato quality --data-dir .cache/quality/data` shares these caches.
  const models = join(root, 'data', 'models');
  const built = await ensureModel(models);
  const model = await EmbeddingModel.open(built.onnxPath, { log: () => undefined });
  try {
    const datasets = await Promise.all(proxies.map((p) => loadDataset(p)));
    const bank = await qualityBank(model, datasets, { cacheDir: join(models, 'training-features') });
    const names = process.env.ONOMATO_QUALITY_CANDIDATES?.split(',').map((s) => s.replace(/\+/g, ',')) ?? [...DEFAULT_CANDIDATES];
    const report = await qualityReport(bank, qualityCandidates(names, { cache: folderEmbeddingCache(join(models, 'eval-cache')), shipped: defaultModelVersion() }));
    process.stderr.write(`${formatQualityReport(report, { classes: true })}\n`);
    const untrained = report.family.rows.find((r) => r.id === 'untrained');
    return report.family.rows.map((r) => ({
      metric: `quality: ${r.label}, mean left-out-family MRR`,
      value: r.mean,
      unit: 'MRR',
      ...(untrained && r !== untrained ? { baseline: { name: 'untrained fused features', value: untrained.mean } } : {}),
      note: r.cells.map((c) => `${c.family} ${c.mrr.toFixed(3)}`).join(', '),
    }));
  } finally {
    await model.close();
  }
}
