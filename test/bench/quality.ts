import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/engine/evaluation/datasets.ts';
import { imitatorIds } from '../../src-main/engine/evaluation/imitators/registry.ts';
import { buildProxyDataset } from '../../src-main/engine/evaluation/proxy.ts';
import { qualityBank } from '../../src-main/engine/evaluation/quality/bank.ts';
import { DEFAULT_CANDIDATES, formatQualityReport, qualityCandidates, qualityReport } from '../../src-main/engine/evaluation/quality/run.ts';
import { folderEmbeddingCache } from '../../src-main/engine/evaluation/systems.ts';
import { ensureModel } from '../../src-main/engine/model/backbone.ts';
import { EmbeddingModel } from '../../src-main/engine/model/runtime.ts';
import { defaultModelVersion } from '../../src-main/engine/training/versions.ts';
import type { BenchRow } from './row.ts';

/**
 * Retrieval quality for imitators a model never heard: the leave-one-family-out matrix of
 * `onomato quality` over a proxy of the small library with every imitator family (each
 * reference imitated once by each). The proxy, the features and 2DFT's scores are built once
 * into .cache/quality (minutes), so a rerun only trains. The full matrix is printed; the rows
 * here are each system's mean left-out MRR beside the untrained fused features'.
 * ONOMATO_QUALITY_CANDIDATES (comma list, "+" inside heads options) picks other candidates.
 */
export async function run(lib: string): Promise<BenchRow[]> {
  const root = join(import.meta.dirname, '..', '..', '.cache', 'quality');
  const proxy = join(root, 'proxy-sfx-small');
  const families = imitatorIds();
  const info = existsSync(join(proxy, 'dataset.json')) ? (JSON.parse(readFileSync(join(proxy, 'dataset.json'), 'utf8')) as { imitators?: string[] }) : undefined;
  if (info?.imitators?.join(',') !== families.join(',')) {
    process.stderr.write(`bench: quality: building the proxy of ${lib} with ${families.join(', ')}...\n`);
    await buildProxyDataset(lib, proxy, { seed: 1, references: 100_000, queriesPerReference: families.length, imitators: families });
  }
  const built = await ensureModel(join(root, 'models'));
  const model = await EmbeddingModel.open(built.onnxPath, { log: () => undefined });
  try {
    const bank = await qualityBank(model, await loadDataset(proxy), { cacheDir: join(root, 'features') });
    const names = process.env.ONOMATO_QUALITY_CANDIDATES?.split(',').map((s) => s.replace(/\+/g, ',')) ?? [...DEFAULT_CANDIDATES];
    const report = await qualityReport(bank, qualityCandidates(names, { cache: folderEmbeddingCache(join(root, 'eval-cache')), shipped: defaultModelVersion() }));
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
