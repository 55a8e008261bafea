import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src-main/engine/errors.ts';
import type { FeatureRecipe } from '../../../src-main/engine/model-version/features.ts';
import { applyHead, baseModelVersion, identityHead } from '../../../src-main/engine/model-version/heads.ts';
import { decodeModelVersion, encodeModelVersion } from '../../../src-main/engine/model-version/model-file.ts';
import { seededRandom } from '../../../src-main/engine/random.ts';

const RECIPE: FeatureRecipe = { backbone: 'mn04_as', parts: [{ name: 'envelope', weight: 0.5 }, { name: 'brightness', weight: 0.5 }] };

describe('model version file', () => {
  const random = seededRandom(2);
  const v = { ...baseModelVersion(RECIPE, 'v1'), imitation: identityHead(64, 5, random), status: 'accepted' as const, metrics: { heldOut: { before: 0.2, after: 0.4 } } };
  for (let i = 0; i < v.imitation.u.length; i++) v.imitation.u[i] = random.normal();

  it('round-trips heads, recipe and record exactly', () => {
    const back = decodeModelVersion(encodeModelVersion(v));
    expect(back.id).toBe('v1');
    expect(back.features).toEqual(RECIPE);
    expect(back.metrics).toEqual(v.metrics);
    expect(back.imitation.rank).toBe(5);
    expect(Array.from(back.imitation.u)).toEqual(Array.from(v.imitation.u));
    const x = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i));
    expect(Array.from(applyHead(back, 'imitation', x))).toEqual(Array.from(applyHead(v, 'imitation', x)));
  });

  it('refuses a truncated file and a file from a newer format with a sentence', () => {
    const bytes = encodeModelVersion(v);
    expect(() => decodeModelVersion(bytes.subarray(0, bytes.length - 8))).toThrow(/runs past the end/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(8, 99, true);
    expect(() => decodeModelVersion(newer)).toThrow(EngineError);
    expect(() => decodeModelVersion(new TextEncoder().encode('not a model at all'))).toThrow(/signature/);
  });
});
