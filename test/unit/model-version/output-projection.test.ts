import { describe, expect, it } from 'vitest';
import { applyHead, applyHeadBatch, baseModelVersion, searchDimension, type ModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { BACKBONE_ONLY, partSize, reweightFeatures } from '../../../src-main/engine/model-version/features.ts';
import { DEFAULT_FEATURES } from '../../../src-main/engine/training/default-recipe.ts';
import { decodeModelVersion, encodeModelVersion } from '../../../src-main/engine/model-version/model-file.ts';
import { defaultModelVersion, DEFAULT_HEADS_ID } from '../../../src-main/engine/model-version/versions.ts';
import { seededNoise } from '../../support/audio-signals.ts';

/** A version over the 384-d backbone whose output keeps the first `k` coordinates (an orthonormal projection). */
function truncating(k: number): ModelVersion {
  const base = baseModelVersion(BACKBONE_ONLY, 'truncating');
  const d = base.reference.dimension;
  const output = new Float32Array(k * d);
  for (let r = 0; r < k; r++) output[r * d + r] = 1;
  return { ...base, output };
}

describe('output projection of a model version', () => {
  it('projects the head output, then normalises: search vectors have k values', () => {
    const v = truncating(100);
    expect(searchDimension(v)).toBe(100);
    const x = seededNoise(384, 0.5, 1);
    const y = applyHead(v, 'reference', x);
    expect(y).toHaveLength(100);
    expect(Math.hypot(...y)).toBeCloseTo(1, 5);
    // Identity heads then truncation: the first 100 values of x, normalised.
    const norm = Math.hypot(...x.subarray(0, 100));
    for (let i = 0; i < 100; i += 17) expect(y[i]).toBeCloseTo(x[i] / norm, 5);
    const batch = applyHeadBatch(v, 'imitation', new Float32Array([...x, ...seededNoise(384, 0.5, 2)]), 2);
    expect(batch).toHaveLength(200);
    expect(Array.from(batch.subarray(0, 100))).toEqual(Array.from(applyHead(v, 'imitation', x)));
  });

  it('survives the model file, and a version without one keeps the feature size', () => {
    const v = truncating(64);
    const back = decodeModelVersion(encodeModelVersion(v));
    expect(back.output).toEqual(v.output);
    expect(searchDimension(back)).toBe(64);
    const plain = baseModelVersion(BACKBONE_ONLY, 'plain');
    expect(decodeModelVersion(encodeModelVersion(plain)).output).toBeUndefined();
    expect(searchDimension(plain)).toBe(384);
  });

  it('re-weights its parts through an input scale exactly as a re-weighted recipe would, and keeps it in the file', () => {
    const from = DEFAULT_FEATURES;
    const to = { ...from, parts: from.parts.map((p, i) => ({ ...p, weight: [0.1, 0.9, 0.2, 0][i] })).filter((p) => p.weight > 0) };
    const d = baseModelVersion(from).reference.dimension;
    const inputScale = new Float32Array(d);
    let at = 0;
    from.parts.forEach((p, i) => {
      const size = partSize(p.name, from);
      inputScale.fill(Math.sqrt([0.1, 0.9, 0.2, 0][i] / p.weight), at, at + size);
      at += size;
    });
    const scaled = { ...baseModelVersion(from, 'scaled'), inputScale };
    const x = seededNoise(d, 0.5, 3);
    const viaScale = applyHead(decodeModelVersion(encodeModelVersion(scaled)), 'imitation', x);
    const viaRecipe = applyHead(baseModelVersion(to), 'imitation', reweightFeatures(x, from, to));
    // The dropped part is zero in one and absent in the other: compare the parts both keep.
    let k = 0;
    let dot = 0;
    for (let i = 0; i < d; i++) if (inputScale[i] > 0) dot += viaScale[i] * viaRecipe[k++];
    expect(dot).toBeCloseTo(1, 5);
    expect(() => decodeModelVersion(encodeModelVersion({ ...scaled, inputScale: new Float32Array(d).fill(-1) }))).toThrow(/input scale/);
  });

  it('the shipped default searches with 384 values, re-weights its parts and keeps its parent heads', () => {
    const shipped = defaultModelVersion();
    expect(shipped.id).toBe(DEFAULT_HEADS_ID);
    expect(shipped.parent).toBe(`${DEFAULT_HEADS_ID}-heads`);
    expect(searchDimension(shipped)).toBe(384);
    // Part weights chosen leaving families out (models/heads/<id>.md): one scale per part.
    let at = 0;
    for (const p of DEFAULT_FEATURES.parts) {
      const size = partSize(p.name, DEFAULT_FEATURES);
      const part = shipped.inputScale!.subarray(at, at + size);
      expect(part.every((x) => x === part[0])).toBe(true);
      at += size;
    }
    // Rows of the projection are orthonormal, so dot products inside its span are kept.
    const d = shipped.reference.dimension;
    const p = shipped.output!;
    for (const [a, b] of [[0, 0], [0, 1], [5, 200], [383, 383]]) {
      let s = 0;
      for (let i = 0; i < d; i++) s += p[a * d + i] * p[b * d + i];
      expect(s).toBeCloseTo(a === b ? 1 : 0, 4);
    }
  });
});
