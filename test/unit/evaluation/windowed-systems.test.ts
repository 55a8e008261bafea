import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../../src-main/engine/audio/decode.ts';
import { loadDataset, type Dataset } from '../../../src-main/engine/evaluation/datasets.ts';
import { countingCache, embeddingSystem, folderEmbeddingCache } from '../../../src-main/engine/evaluation/systems.ts';
import { buildCsvLayout } from './dataset-fixtures.ts';
import { testTempDir } from '../../support/temp-dir.ts';

const tmp = testTempDir('onomato-windowed-');

/** Two references and two imitations; the audio only has to exist (the toy embedder reads names). */
async function twoByTwo(): Promise<Dataset> {
  buildCsvLayout(tmp(), ['imitation', 'reference', 'class'], [
    { imitation: 'q/a.wav', reference: 'r/a.wav', class: 'x' },
    { imitation: 'q/b.wav', reference: 'r/b.wav', class: 'y' },
  ]);
  for (const p of ['q/a.wav', 'q/b.wav', 'r/a.wav', 'r/b.wav']) await writeWav(join(tmp(), p), { channels: [new Float32Array(800).fill(0.1)], sampleRate: 16000, bitDepth: 16 });
  return loadDataset(tmp());
}

describe('window-wise embedding systems', () => {
  it('score a pair of sounds by its best pair of windows', async () => {
    const d = await twoByTwo();
    // Two-dimensional window embeddings, one after another.
    const windows: Record<string, number[]> = {
      'r/a.wav': [1, 0, 0, 1], // a long reference: a first window along x, a later one along y
      'r/b.wav': [0.6, 0.8],
      'q/a.wav': [0, 2], // its only window matches r/a's second window exactly
      'q/b.wav': [-1, 0, 0.6, 0.8],
    };
    const sys = embeddingSystem('toy', 'toy', async (path) => Float32Array.from(windows[path.slice(tmp().length + 1)]), { dimension: 2 });
    const m = await sys.similarity(d);
    const n = m.items.length;
    const score = (q: string, it: string) => m.data[m.queries.findIndex((x) => x.id === q) * n + m.items.findIndex((x) => x.id === it)];
    expect(score('q/a.wav', 'r/a.wav')).toBeCloseTo(1, 6); // best of 0 and 1
    expect(score('q/a.wav', 'r/b.wav')).toBeCloseTo(0.8, 6);
    expect(score('q/b.wav', 'r/a.wav')).toBeCloseTo(0.8, 6); // best of -1, 0, 0.6, 0.8
    expect(score('q/b.wav', 'r/b.wav')).toBeCloseTo(1, 6);
  });

  it('refuses an embedding that is not a whole number of windows', async () => {
    const d = await twoByTwo();
    const sys = embeddingSystem('toy', 'toy', async () => new Float32Array(3), { dimension: 2 });
    await expect(sys.similarity(d)).rejects.toThrow(/3 values cannot be cut into windows of 2/);
  });

  it('keeps every window in the cache under its cache name, and counts hits', async () => {
    const d = await twoByTwo();
    let embedded = 0;
    const embed = async () => {
      embedded++;
      return Float32Array.from([1, 0, 0, 1, 1, 1]);
    };
    const folder = folderEmbeddingCache(join(tmp(), 'cache'));
    const first = countingCache(folder);
    const a = await embeddingSystem('toy', 'toy', embed, { dimension: 2, cacheName: 'toy hop 5' }).similarity(d, { cache: first });
    expect(first.stats).toEqual({ hits: 0, misses: 4 });
    const second = countingCache(folder);
    const b = await embeddingSystem('toy', 'toy', embed, { dimension: 2, cacheName: 'toy hop 5' }).similarity(d, { cache: second });
    expect(second.stats).toEqual({ hits: 4, misses: 0 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(embedded).toBe(4);
    // Another windowing is another cache name: nothing is reused across it.
    const third = countingCache(folder);
    await embeddingSystem('toy', 'toy', embed, { dimension: 2, cacheName: 'toy hop 2' }).similarity(d, { cache: third });
    expect(third.stats).toEqual({ hits: 0, misses: 4 });
    expect(embedded).toBe(8);
  });
});
