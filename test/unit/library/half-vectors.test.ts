import { describe, expect, it } from 'vitest';
import { decodeHalf, encodeHalf, toHalf } from '../../../src-main/engine/library/half-float.ts';
import { LibraryStore } from '../../../src-main/engine/library/store.ts';
import { applyHead, type ModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { readFileSync } from 'node:fs';
import { decodeModelVersion } from '../../../src-main/engine/model-version/model-file.ts';
import { embeddingOf, embeddingSpace, perturbed } from '../search/synthetic-embeddings.ts';

describe('float16 vectors', () => {
  it('round-trips every float16 value and rounds others to the nearest, within 1/2048', () => {
    const bytes = new Uint8Array(2);
    for (let h = 0; h < 0x7c00; h++) {
      bytes[0] = h & 255;
      bytes[1] = h >> 8;
      expect(toHalf(decodeHalf(bytes)[0])).toBe(h);
    }
    const values = Float32Array.from({ length: 5000 }, (_, i) => (i % 2 ? -1 : 1) * Math.exp((i / 5000) * 18 - 9));
    const back = decodeHalf(encodeHalf(values));
    for (let i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) > 6.2e-5) expect(Math.abs(back[i] - values[i]) / Math.abs(values[i])).toBeLessThanOrEqual(1 / 2048);
    }
    // Out of range is clamped, never infinite.
    expect([...decodeHalf(encodeHalf(Float32Array.of(1e9, -1e9)))]).toEqual([65504, -65504]);
  });

  /**
   * Re-embedding the library from stored features (a new head) and embedding takes from their
   * cached features both read float16 now. Through trained heads (proxy-fusion-v2's: on this
   * synthetic task the shipped fusion-lofo-v3, which keeps mostly the modulation part, ranks every
   * imitation first, so no rank could move), on features shaped like
   * the fused recipe's (non-negative, clustered, sharing a common direction), the proxy-style MRR
   * of imitations against their references moves by at most 0.002.
   */
  it('leaves the MRR of re-embedded references and cached takes within 0.002 of float32', () => {
    const file = new URL('../../../models/heads/proxy-fusion-v2.onomato-model', import.meta.url);
    const version: ModelVersion = decodeModelVersion(readFileSync(file), file.pathname);
    const d = version.reference.dimension;
    const space = embeddingSpace(d, { kinds: 60, spread: 0.6, bias: 2, seed: 11 });
    const references = Array.from({ length: 240 }, (_, i) => embeddingOf(space, i).map((x) => Math.abs(x) * 8));
    const takes = references.flatMap((r, i) => [0, 1, 2].map((k) => ({ target: i, features: perturbed(r, 0.7, 1000 + i * 3 + k).map((x) => Math.abs(x) * 8) })));
    const store = LibraryStore.open(':memory:');
    const root = store.addRoot('/sfx');
    const ids = store.addPendingSounds(references.map((_, i) => ({ rootId: root.id, path: `/sfx/${i}.wav`, size: 1, mtimeMs: 1 })));
    ids.forEach((id, i) => store.putSoundFeatures(id, 'recipe', [{ offsetSec: 0, vector: references[i] }]));
    const take = store.addTake({ wavPath: '/t.wav', durationSec: 1, sampleRate: 32000, source: 'mic', originalName: null, deviceName: null });

    const mrr = (refs: Float32Array[], queries: Float32Array[]) => {
      let sum = 0;
      queries.forEach((q, n) => {
        const scores = refs.map((r) => {
          let s = 0;
          for (let i = 0; i < r.length; i++) s += r[i] * q[i];
          return s;
        });
        const own = scores[takes[n].target];
        sum += 1 / (1 + scores.filter((s) => s > own).length);
      });
      return sum / queries.length;
    };
    const exactRefs = references.map((f) => applyHead(version, 'reference', f));
    const exactQueries = takes.map((t) => applyHead(version, 'imitation', t.features));
    const storedRefs = ids.map((id) => applyHead(version, 'reference', store.soundFeatures(id, 'recipe')[0].vector));
    const storedQueries = takes.map((t) => {
      store.putTakeFeatures(take.id, 'recipe', [{ offsetSec: 0, vector: t.features }]);
      return applyHead(version, 'imitation', store.takeFeatures(take.id, 'recipe')[0].vector);
    });
    const before = mrr(exactRefs, exactQueries);
    const after = mrr(storedRefs, storedQueries);
    // The task is neither trivial nor hopeless, so rank changes could show.
    expect(before).toBeGreaterThan(0.1);
    expect(before).toBeLessThan(0.95);
    expect(Math.abs(after - before)).toBeLessThanOrEqual(0.002);
    store.close();
  });
});
