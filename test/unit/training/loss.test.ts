import { describe, expect, it } from 'vitest';
import { identityHead, type Head } from '../../../src-main/engine/model-version/heads.ts';
import { infoNceStep, LossScratch, zeroGradients, type Batch, type HeadPair, type LossOptions } from '../../../src-main/engine/training/loss.ts';
import { seededRandom } from '../../../src-main/engine/random.ts';

const D = 7;
const R = 3;
const B = 6;

function randomHead(seed: number, rank: number): Head {
  const random = seededRandom(seed);
  const h = identityHead(D, rank, random);
  for (let i = 0; i < h.u.length; i++) h.u[i] = random.normal() * 0.3;
  for (let i = 0; i < h.bias.length; i++) h.bias[i] = random.normal() * 0.1;
  return h;
}

function batch(seed: number): Batch {
  const random = seededRandom(seed);
  return {
    size: B,
    imitations: Float32Array.from({ length: B * D }, () => random.normal()),
    references: Float32Array.from({ length: B * D }, () => random.normal()),
    // Rows 1 and 4 imitate the same sound: each must not be the other's negative.
    groups: Int32Array.from([0, 1, 2, 3, 1, 5]),
  };
}

function loss(heads: HeadPair, b: Batch, o: LossOptions, base?: HeadPair): number {
  const grads = { imitation: zeroGradients(heads.imitation), reference: zeroGradients(heads.reference) };
  const r = infoNceStep(heads, b, o, grads, new LossScratch(B, D, R), base);
  return r.contrastive + r.regulariser;
}

describe('InfoNCE gradients', () => {
  const cases: Array<[string, LossOptions, boolean]> = [
    ['masked, T = 0.1, pulled toward a trained base', { temperature: 0.1, maskSameReference: true, regularisation: 0.7 }, true],
    ['unmasked, T = 0.07, no base', { temperature: 0.07, maskSameReference: false, regularisation: 0 }, false],
  ];
  for (const [name, options, withBase] of cases) {
    it(`match central finite differences (${name})`, () => {
      const heads: HeadPair = { imitation: randomHead(1, R), reference: randomHead(2, R) };
      const base: HeadPair | undefined = withBase ? { imitation: randomHead(3, 2), reference: randomHead(4, 2) } : undefined;
      const b = batch(5);
      const grads = { imitation: zeroGradients(heads.imitation), reference: zeroGradients(heads.reference) };
      infoNceStep(heads, b, options, grads, new LossScratch(B, D, R), base);
      let checked = 0;
      let worst = 0;
      for (const tower of ['imitation', 'reference'] as const) {
        for (const param of ['u', 'v', 'bias'] as const) {
          const values = heads[tower][param];
          for (let i = 0; i < values.length; i++) {
            const keep = values[i];
            const eps = 1e-2;
            values[i] = keep + eps;
            const up = loss(heads, b, options, base);
            values[i] = keep - eps;
            const down = loss(heads, b, options, base);
            values[i] = keep;
            const numeric = (up - down) / (2 * eps);
            const analytic = grads[tower][param][i];
            worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(0.05, Math.abs(numeric)));
            checked++;
          }
        }
      }
      expect(checked).toBe(2 * (D * R * 2 + D));
      expect(worst).toBeLessThan(2e-2);
    });
  }

  it('leaves a same-reference copy out of the denominator', () => {
    const heads: HeadPair = { imitation: identityHead(D), reference: identityHead(D) };
    const b = batch(9);
    // Make row 4's reference identical to row 1's: unmasked, row 1 sees a perfect rival.
    b.references.set(b.references.subarray(D, 2 * D), 4 * D);
    b.imitations.set(b.references.subarray(D, 2 * D), D);
    const o = { temperature: 0.1, maskSameReference: true, regularisation: 0 };
    const masked = loss(heads, b, o);
    const unmasked = loss(heads, b, { ...o, maskSameReference: false });
    expect(unmasked - masked).toBeGreaterThan(Math.log(2) / B - 1e-3);
  });

  it('is zero for the regulariser when the heads equal the base', () => {
    const h: HeadPair = { imitation: randomHead(1, R), reference: randomHead(2, R) };
    const grads = { imitation: zeroGradients(h.imitation), reference: zeroGradients(h.reference) };
    const r = infoNceStep(h, batch(3), { temperature: 0.1, maskSameReference: true, regularisation: 1 }, grads, new LossScratch(B, D, R), h);
    expect(Math.abs(r.regulariser)).toBeLessThan(1e-4);
  });
});
