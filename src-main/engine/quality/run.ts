import { readFileSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { decodeModelVersion } from '../model-version/model-file.ts';
import type { ModelVersion } from '../model-version/heads.ts';
import type { EmbeddingCache } from '../evaluation/systems.ts';
import { heldOutReferences, heldOutSources, type QualityBank } from './bank.ts';
import {
  headsCandidate, randomCandidate, rerankCandidate, selectedWeightsCandidate, shippedCandidate, twoDftCandidate, untrainedCandidate, UNTRAINED_ID, zeroShotCandidate,
} from './candidates.ts';
import { formatQualityTable, qualityTable, type QualityCandidate, type QualityTable } from './matrix.ts';

/** What `onomato quality` and `npm run bench -- quality` compare unless told otherwise. */
export const DEFAULT_CANDIDATES = ['random', '2dft', 'zero-shot', UNTRAINED_ID, 'weights', 'shipped', 'heads:rank=32,reg=0.01'] as const;

export function qualityCandidates(names: readonly string[], ctx: { cache?: EmbeddingCache; shipped: ModelVersion }): QualityCandidate[] {
  return names.map((name): QualityCandidate => {
    if (name.startsWith('rerank:')) return rerankCandidate(qualityCandidates([name.slice('rerank:'.length)], ctx)[0]);
    if (name === 'random') return randomCandidate();
    if (name === '2dft') return twoDftCandidate(ctx.cache);
    if (name === 'zero-shot') return zeroShotCandidate();
    if (name === UNTRAINED_ID) return untrainedCandidate();
    if (name === 'weights') return selectedWeightsCandidate();
    if (name === 'weights:worst') return selectedWeightsCandidate('worst');
    if (name === 'shipped') return shippedCandidate(ctx.shipped);
    if (name.startsWith('file:')) {
      const file = name.slice('file:'.length);
      return shippedCandidate(decodeModelVersion(readFileSync(file), file));
    }
    if (name.startsWith('heads')) return headsCandidate(name);
    throw new EngineError('invalid-argument', `unknown candidate "${name}": choose from random, 2dft, zero-shot, ${UNTRAINED_ID}, weights, shipped, file:<model file>, heads:<options>, rerank:<any of them>`);
  });
}

export interface QualityOptions {
  /** Held-out references of the family split (the same for every family). */
  testReferences?: number;
  /** At most this many training references (all the others by default). */
  trainReferences?: number;
  /** Share of references whose packages the source split holds out (0 = no source split). */
  sourceShare?: number;
  seed?: number;
  signal?: AbortSignal;
  onCell?: (candidate: string, family: string) => void;
  /** Each table as soon as it is complete (the source split takes as long again). */
  onTable?: (table: QualityTable) => void;
}

export interface QualityReport {
  dataset: string;
  families: string[];
  family: QualityTable;
  source?: QualityTable;
}

export async function qualityReport(bank: QualityBank, candidates: readonly QualityCandidate[], opts: QualityOptions = {}): Promise<QualityReport> {
  const seed = opts.seed ?? 1;
  const family = await qualityTable(bank, heldOutReferences(bank, { testReferences: opts.testReferences ?? 120, trainReferences: opts.trainReferences, seed }), candidates, opts);
  opts.onTable?.(family);
  const share = opts.sourceShare ?? 0.25;
  const source = share > 0 ? await qualityTable(bank, heldOutSources(bank, { share, seed, trainReferences: opts.trainReferences }), candidates, opts) : undefined;
  if (source) opts.onTable?.(source);
  return { dataset: bank.dataset.name, families: bank.families, family, source };
}

export const TABLE_REFERENCES = { untrained: UNTRAINED_ID, twoDft: '2dft' };

export function formatQualityReport(report: QualityReport, opts: { classes?: boolean } = {}): string {
  const refs = { ...TABLE_REFERENCES, classes: opts.classes };
  return [
    `${report.dataset}: imitator families ${report.families.join(', ')}`,
    '',
    formatQualityTable(report.family, refs),
    ...(report.source ? ['', formatQualityTable(report.source, refs)] : []),
    '',
    'Ship rule: beat 2DFT and the untrained fused features on every left-out family, mean >= 1.25x the untrained features. Differences inside the intervals are noise.',
  ].join('\n');
}
