import { describe, expect, it } from 'vitest';
import { logMel, SAMPLE_RATE } from '../../../src-main/engine/features/log-mel.ts';
import { DEFAULT_FEATURES } from '../../../src-main/engine/training/default-recipe.ts';
import { featureExtractor, partSize, reweightFeatures, type FeatureRecipe } from '../../../src-main/engine/model-version/features.ts';
import { gaussian, mulberry32 } from '../../../src-main/engine/random.ts';
import { defaultModelVersion, DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';

function chirp(f0: number, f1: number, delaySec: number): Float32Array {
  const x = new Float32Array(10 * SAMPLE_RATE);
  let phase = 0;
  for (let i = Math.round(delaySec * SAMPLE_RATE); i < 4 * SAMPLE_RATE; i++) {
    const t = i / SAMPLE_RATE;
    phase += (2 * Math.PI * (f0 + ((f1 - f0) * t) / 4)) / SAMPLE_RATE;
    x[i] = 0.3 * Math.sin(phase) * Math.min(1, 10 * (4 - t));
  }
  return x;
}

function unitVector(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const v = Float32Array.from({ length: n }, () => gaussian(r));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('window features', () => {
  const extractor = featureExtractor(DEFAULT_FEATURES);
  const parts = DEFAULT_FEATURES.parts.map((p) => ({ ...p, size: partSize(p.name, { backbone: 'mn04_as' }) }));

  it('fuse L2-normalised parts scaled by sqrt(weight), so a dot product is the weighted sum of part cosines', () => {
    const a = chirp(300, 900, 0);
    const b = chirp(330, 1000, 0.3);
    const fa = extractor.extract(a, logMel(a), { embedding: unitVector(384, 1), logits: new Float32Array(527) });
    const fb = extractor.extract(b, logMel(b), { embedding: unitVector(384, 2), logits: new Float32Array(527) });
    expect(fa.length).toBe(extractor.dimension);
    let offset = 0;
    let weighted = 0;
    for (const p of parts) {
      const sa = fa.subarray(offset, offset + p.size);
      const sb = fb.subarray(offset, offset + p.size);
      const na = Math.hypot(...sa);
      expect(na).toBeCloseTo(Math.sqrt(p.weight), 5);
      weighted += p.weight * (sa.reduce((s, x, i) => s + x * sb[i], 0) / (na * Math.hypot(...sb)));
      offset += p.size;
    }
    expect(fa.reduce((s, x, i) => s + x * fb[i], 0)).toBeCloseTo(weighted, 5);
  });

  it('keep a sound close to a late, transposed copy of itself and far from a different gesture (descriptor parts only)', () => {
    const recipe: FeatureRecipe = { backbone: 'mn04_as', parts: DEFAULT_FEATURES.parts.filter((p) => p.name !== 'backbone') };
    const e = featureExtractor(recipe);
    const none = { embedding: new Float32Array(384), logits: new Float32Array(527) };
    const f = (x: Float32Array) => e.extract(x, logMel(x), none);
    const up = f(chirp(300, 900, 0));
    const upLate = f(chirp(340, 1000, 0.4));
    const down = f(chirp(900, 300, 0));
    const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0) / (Math.hypot(...x) * Math.hypot(...y));
    expect(cos(up, upLate)).toBeGreaterThan(cos(up, down));
  });

  it('are re-read under other part weights (or fewer parts) exactly as that recipe would extract them', () => {
    const unitWeights: FeatureRecipe = { backbone: 'mn04_as', parts: DEFAULT_FEATURES.parts.map((p) => ({ ...p, weight: 1 })) };
    const fewer: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'brightness', weight: 0.7 }, { name: 'modulation', weight: 0.3 }] };
    const a = chirp(300, 900, 0);
    const b = chirp(900, 200, 0.5);
    const backbone = (seed: number) => ({ embedding: unitVector(384, seed), logits: new Float32Array(527) });
    const rows = (r: FeatureRecipe) => {
      const e = featureExtractor(r);
      const out = new Float32Array(2 * e.dimension);
      out.set(e.extract(a, logMel(a), backbone(1)), 0);
      out.set(e.extract(b, logMel(b), backbone(2)), e.dimension);
      return out;
    };
    const cached = rows(unitWeights);
    for (const target of [DEFAULT_FEATURES, fewer]) {
      const direct = rows(target);
      const reread = reweightFeatures(cached, unitWeights, target);
      expect(reread.length).toBe(direct.length);
      for (let i = 0; i < direct.length; i++) expect(reread[i]).toBeCloseTo(direct[i], 6);
    }
    expect(() => reweightFeatures(rows(fewer), fewer, DEFAULT_FEATURES)).toThrow(/have no backbone part/);
  });

  it('ship default heads that read the default recipe', () => {
    const v = defaultModelVersion();
    expect(v.id).toBe(DEFAULT_HEADS_ID);
    expect(v.features).toEqual(DEFAULT_FEATURES);
    expect(v.imitation.dimension).toBe(extractor.dimension);
    expect(v.imitation.rank).toBeGreaterThan(0);
  });
});
