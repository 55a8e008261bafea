import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/decode.ts';
import { EngineError } from '../../../src-main/engine/errors.ts';
import { loadDataset, type Dataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { evaluate, expectedRandomMrr } from '../../../src-main/engine/evaluation/metrics.ts';
import { formatReportTable, runEvaluation } from '../../../src-main/engine/evaluation/run.ts';
import {
  embeddingSystem,
  exportSimilarityJson,
  folderEmbeddingCache,
  importSimilarityJson,
  randomSystem,
  twoDftSystem,
} from '../../../src-main/engine/evaluation/systems.ts';
import type { Tower } from '../../../src-main/engine/model/runtime.ts';
import { buildCsvLayout } from './dataset-fixtures.ts';
import { testTempDir } from '../../support/temp-dir.ts';

const tmp = testTempDir('onomato-systems-');

/** Two rhythmically distinct sounds (a fast and a slow pulse train) and an imitation of each. */
async function pulseDataset(): Promise<Dataset> {
  const sr = 16000;
  const pulses = (period: number, freq: number, offset: number): Float32Array => {
    const x = new Float32Array(sr * 2);
    for (let i = 0; i < x.length; i++) {
      const t = i / sr;
      const on = ((t + offset) % period) < period / 3;
      x[i] = on ? 0.5 * Math.sin(2 * Math.PI * freq * t) : 0;
    }
    return x;
  };
  const sounds: [string, Float32Array][] = [
    ['refs/fast.wav', pulses(0.1, 300, 0)],
    ['refs/slow.wav', pulses(0.5, 300, 0)],
    ['takes/fast-1.wav', pulses(0.1, 360, 0.03)],
    ['takes/slow-1.wav', pulses(0.5, 360, 0.1)],
  ];
  buildCsvLayout(
    tmp(),
    ['imitation', 'reference', 'class'],
    [
      { imitation: 'takes/fast-1.wav', reference: 'refs/fast.wav', class: 'fast' },
      { imitation: 'takes/slow-1.wav', reference: 'refs/slow.wav', class: 'slow' },
    ],
  );
  for (const [p, x] of sounds) await writeWav(join(tmp(), p), { channels: [x], sampleRate: sr, bitDepth: 16 });
  return loadDataset(tmp());
}

describe('retrieval systems', () => {
  it('random is seeded, full-sized and its MRR averages to H_N/N', async () => {
    const d = await pulseDataset();
    const a = await randomSystem(7).similarity(d);
    const b = await randomSystem(7).similarity(d);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.data.length).toBe(4);
    // Over many seeds on a 2-item set, MRR averages to H_2/2 = 0.75.
    let sum = 0;
    for (let seed = 1; seed <= 400; seed++) sum += evaluate(await randomSystem(seed).similarity(d)).mrr;
    expect(Math.abs(sum / 400 - expectedRandomMrr(2))).toBeLessThan(0.03);
  });

  it('2DFT ranks each pulse imitation with its own rhythm first', async () => {
    const d = await pulseDataset();
    const m = evaluate(await twoDftSystem().similarity(d));
    expect(Array.from(m.ranks)).toEqual([1, 1]);
  });

  it('embedding systems use the right tower, report progress, cache by file and can be cancelled', async () => {
    const d = await pulseDataset();
    const calls: [string, Tower][] = [];
    const sys = embeddingSystem('toy', 'toy model', async (path, tower) => {
      calls.push([path, tower]);
      return new Float32Array(path.includes('fast') ? [1, 0] : [0, 1]);
    });
    const progress: number[] = [];
    const cache = folderEmbeddingCache(join(tmp(), 'cache'));
    const m = await sys.similarity(d, { cache, onProgress: (done, total) => progress.push(done / total) });
    expect(Array.from(m.data)).toEqual([1, 0, 0, 1]);
    expect(calls.map(([p, t]) => `${p.slice(tmp().length + 1)}:${t}`)).toEqual([
      'refs/fast.wav:reference',
      'refs/slow.wav:reference',
      'takes/fast-1.wav:imitation',
      'takes/slow-1.wav:imitation',
    ]);
    expect(progress).toEqual([0.25, 0.5, 0.75, 1]);
    await sys.similarity(d, { cache });
    expect(calls.length).toBe(4);
    const ctl = new AbortController();
    ctl.abort();
    await expect(sys.similarity(d, { signal: ctl.signal })).rejects.toSatisfy((e) => e instanceof EngineError && e.kind === 'cancelled');
  });

  it('exports and re-imports the official {query: {item: score}} JSON', async () => {
    const d = await pulseDataset();
    const m = await randomSystem(3).similarity(d);
    const json = exportSimilarityJson(m);
    expect(Object.keys(json)).toEqual(['takes/fast-1.wav', 'takes/slow-1.wav']);
    expect(json['takes/slow-1.wav']['refs/fast.wav']).toBe(m.data[2]);
    const back = importSimilarityJson(JSON.parse(JSON.stringify(json)), d);
    expect(Array.from(back.data)).toEqual(Array.from(m.data));
    delete json['takes/slow-1.wav']['refs/slow.wav'];
    expect(() => importSimilarityJson(json, d)).toThrow(/lacks 1 scores/);
  });

  it('runEvaluation reports every system and formats the seed table', async () => {
    const d = await pulseDataset();
    const report = await runEvaluation(d, [randomSystem(1), twoDftSystem()]);
    expect(report.systems.map((s) => s.id)).toEqual(['random', '2dft']);
    expect(report.systems[0].expectedMrr).toBeCloseTo(0.75, 12);
    expect(report.systems[1].metrics.mrr).toBe(1);
    const table = formatReportTable(report);
    expect(table).toMatch(/2 queries, 2 items \(csv layout\)/);
    expect(table).toMatch(/\| 2DFT \(2-D FFT of a constant-Q spectrogram\) \| 1\.0000 \| 1\.0000 \|/);
    expect(table).toMatch(/H_N\/N = 0\.7500/);
  });
});
