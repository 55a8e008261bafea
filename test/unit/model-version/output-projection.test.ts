import { describe, expect, it } from 'vitest';
import { applyHead, applyHeadBatch, baseModelVersion, searchDimension, type ModelVersion } from '../../../src-main/engine/model-version/heads.ts';
import { BACKBONE_ONLY } from '../../../src-main/engine/model-version/features.ts';
import { decodeModelVersion, encodeModelVersion } from '../../../src-main/engine/model-version/model-file.ts';
import { defaultModelVersion } from '../../../src-main/engine/model-version/versions.ts';
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

  it('the shipped default searches with 384 values and keeps its parent heads', () => {
    const shipped = defaultModelVersion();
    expect(shipped.id).toBe('proxy-fusion-v2');
    expect(shipped.parent).toBe('proxy-fusion-v1');
    expect(searchDimension(shipped)).toBe(384);
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
