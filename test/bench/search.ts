import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { SoundIndex, type Precision } from '../../src-main/engine/search/sound-index.ts';
import { embeddingOf, embeddingSpace, perturbed, randomUnit, recallAt, type EmbeddingSpace } from '../unit/search/synthetic-embeddings.ts';
import { formatCount, percentile, type BenchRow } from './row.ts';

/**
 * Search speed and memory at library sizes the issue targets (100k and 1M sounds, one window
 * each, reference-tower sized embeddings), against a naive brute-force loop measured in the same
 * run. The index gets exact embeddings back by regenerating them from the sound id, standing in
 * for the store's float32 blobs, so the bench itself never holds a million float32 vectors
 * except for the naive baseline.
 */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push(...scenario(384, 1_000_000, { queries: 40, naiveQueries: 5, measureRss: true }));
  // The fused features' full size (proxy-fusion-v1, before its 384-value output projection in v2).
  rows.push(...scenario(712, 1_000_000, { queries: 40, naiveQueries: 5, measureRss: true }));
  rows.push(...scenario(384, 100_000, { queries: 60, naiveQueries: 15, measureRss: false }));
  rows.push(...scenario(960, 100_000, { queries: 60, naiveQueries: 15, measureRss: false }));
  rows.push(...float32Scenario(384, 100_000));
  return rows;
}

interface ScenarioOptions {
  queries: number;
  naiveQueries: number;
  measureRss: boolean;
}

function space(dimension: number): EmbeddingSpace {
  return embeddingSpace(dimension, { kinds: 500, spread: 0.5, bias: 2, seed: 3 });
}

/** Imitation-like queries: four in five near a library sound, the rest unrelated. */
function queries(sp: EmbeddingSpace, sounds: number, n: number): Float32Array[] {
  return Array.from({ length: n }, (_, q) =>
    q % 5 === 4 ? randomUnit(sp.dimension, 50_000 + q) : perturbed(embeddingOf(sp, (q * 7_919_993) % sounds), 0.6, 90_000 + q),
  );
}

function build(sp: EmbeddingSpace, sounds: number, precision: Precision): { index: SoundIndex; seconds: number } {
  const started = performance.now();
  const index = new SoundIndex(sp.dimension, {
    precision,
    fetchExact: (keys) => keys.map((k) => embeddingOf(sp, k.soundId)),
  });
  const embedding = new Float32Array(sp.dimension);
  const windows = [{ offsetSec: 0, embedding }];
  for (let id = 0; id < sounds; id++) {
    embeddingOf(sp, id, embedding);
    index.upsert(id, windows);
  }
  return { index, seconds: (performance.now() - started) / 1000 };
}

function scenario(dimension: number, sounds: number, options: ScenarioOptions): BenchRow[] {
  const label = `search: ${formatCount(sounds)} x ${dimension}-d`;
  const sp = space(dimension);
  const qs = queries(sp, sounds, options.queries);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const { index, seconds } = build(sp, sounds, 'int8');
  const rssDelta = process.memoryUsage().rss - rssBefore;
  const memory = index.memoryBytes();

  // Warm up until V8 has optimised the scan loops, as it has in a running app.
  for (const q of qs.slice(0, 10)) index.search(q, { top: 10 });
  const times: number[] = [];
  const found = qs.map((q) => {
    const t = performance.now();
    const result = index.search(q, { top: 10 });
    times.push(performance.now() - t);
    return result;
  });

  // The naive loop needs every float32 vector in memory: build that only now.
  const naive = naiveLibrary(sp, sounds);
  const naiveTimes: number[] = [];
  let recallSum = 0;
  for (let q = 0; q < options.naiveQueries; q++) {
    const t = performance.now();
    const exact = naiveTop(naive, dimension, qs[q], 10);
    naiveTimes.push(performance.now() - t);
    recallSum += recallAt(exact, found[q]);
  }
  const p50 = percentile(times, 0.5);
  const naiveP50 = percentile(naiveTimes, 0.5);
  const out: BenchRow[] = [
    {
      metric: `${label}: query p50 (int8 scan + exact rescoring of 100 windows)`,
      value: p50,
      unit: 'ms',
      baseline: { name: 'naive JS loop over float32 rows + top-10 selection', value: naiveP50 },
      note: `${(naiveP50 / p50).toFixed(1)}x faster; ${times.length} queries, one thread; fastest ${Math.min(...times).toFixed(1)} ms, naive fastest ${Math.min(...naiveTimes).toFixed(0)} ms; load average ${os.loadavg()[0].toFixed(1)}`,
    },
    { metric: `${label}: query p95`, value: percentile(times, 0.95), unit: 'ms' },
    {
      metric: `${label}: recall@10 vs exact brute force`,
      value: recallSum / options.naiveQueries,
      unit: 'fraction',
      note: `${options.naiveQueries} imitation-like queries over clustered embeddings sharing a common direction`,
    },
    {
      metric: `${label}: index bytes per window (typed arrays)`,
      value: memory.used / sounds,
      unit: 'B',
      note: `${(memory.reserved / sounds).toFixed(0)} B/window reserved including room to grow`,
    },
    { metric: `${label}: index build`, value: sounds / seconds, unit: 'windows/s', note: 'includes generating the synthetic embeddings' },
  ];
  if (options.measureRss) {
    out.push({
      metric: `${label}: process RSS growth per window while building`,
      value: rssDelta / sounds,
      unit: 'B',
      note: 'vectors, per-window metadata, the sound map and anything else the build allocated',
    });
  }
  return out;
}

function float32Scenario(dimension: number, sounds: number): BenchRow[] {
  const sp = space(dimension);
  const { index } = build(sp, sounds, 'float32');
  const qs = queries(sp, sounds, 40);
  for (const q of qs.slice(0, 10)) index.search(q, { top: 10 });
  const times = qs.map((q) => {
    const t = performance.now();
    index.search(q, { top: 10 });
    return performance.now() - t;
  });
  return [
    {
      metric: `search: ${formatCount(sounds)} x ${dimension}-d: query p50, precision float32 (exact, all vectors in RAM)`,
      value: percentile(times, 0.5),
      unit: 'ms',
      note: `${(index.memoryBytes().used / sounds).toFixed(0)} B/window`,
    },
  ];
}

function naiveLibrary(sp: EmbeddingSpace, sounds: number): Float32Array {
  const all = new Float32Array(sounds * sp.dimension);
  for (let id = 0; id < sounds; id++) embeddingOf(sp, id, all.subarray(id * sp.dimension, (id + 1) * sp.dimension));
  return all;
}

/** What one writes first: a dot product per row, keeping the best K by insertion. */
function naiveTop(all: Float32Array, dimension: number, query: Float32Array, k: number): Array<{ soundId: number; score: number }> {
  const best: Array<{ soundId: number; score: number }> = [];
  const rows = all.length / dimension;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = r * dimension;
    for (let i = 0; i < dimension; i++) s += all[base + i] * query[i];
    if (best.length < k || s > best[best.length - 1].score) {
      best.push({ soundId: r, score: s });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
