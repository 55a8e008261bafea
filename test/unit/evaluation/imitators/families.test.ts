import { describe, expect, it } from 'vitest';
import { analyseReference, IMITATION_SAMPLE_RATE } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { IMITATOR_FAMILIES, imitatorFamilies } from '../../../../src-main/engine/evaluation/imitators/registry.ts';
import { clickTrain, gatedChirp, REAL_SOUNDS, REFERENCE_RATE, realReference, render } from './imitator-checks.ts';

const references = async (): Promise<[string, Float32Array][]> => [
  ['gated chirp', gatedChirp()],
  ['click train', clickTrain([0.1, 0.4, 0.55, 0.9], 1.2)],
  ...(await Promise.all(REAL_SOUNDS.map(async (p): Promise<[string, Float32Array]> => [p, await realReference(p)]))),
];

describe('every imitator family', () => {
  it('has a unique id and a one-line description, and the registry refuses unknown ids by listing the known ones', () => {
    const ids = IMITATOR_FAMILIES.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of IMITATOR_FAMILIES) {
      expect(f.id).toMatch(/^[a-z]+$/);
      expect(f.description.length).toBeGreaterThan(20);
      expect(f.description).not.toContain('\n');
    }
    expect(imitatorFamilies(['all']).map((f) => f.id)).toEqual(ids);
    expect(imitatorFamilies([' Tube', 'formant', 'tube']).map((f) => f.id)).toEqual(['tube', 'formant']);
    expect(() => imitatorFamilies(['formant', 'kazoo'])).toThrow(new RegExp(`no imitator family "kazoo"; the known ones are ${ids.join(', ')}`));
    expect(() => imitatorFamilies([])).toThrow(/at least one/);
  });

  it('renders finite, unclipped, audible takes without DC, of a length that follows the reference', async () => {
    for (const [name, reference] of await references()) {
      const tracks = analyseReference(reference);
      const seconds = reference.length / REFERENCE_RATE;
      for (const family of IMITATOR_FAMILIES) {
        const take = render(family, tracks, 5);
        const what = `${family.id} on ${name}`;
        let peak = 0;
        let sum = 0;
        let power = 0;
        for (const x of take) {
          if (!Number.isFinite(x)) throw new Error(`${what}: a sample is ${x}`);
          peak = Math.max(peak, Math.abs(x));
          sum += x;
          power += x * x;
        }
        expect(peak, what).toBeLessThan(0.99);
        expect(20 * Math.log10(Math.sqrt(power / take.length)), what).toBeGreaterThan(-50);
        expect(Math.abs(sum / take.length) / peak, what).toBeLessThan(0.01);
        // Performers are slower or faster (schematic ones by up to 40 %) and start after a pause.
        const taken = take.length / IMITATION_SAMPLE_RATE;
        expect(taken, what).toBeGreaterThan(0.55 * seconds);
        expect(taken, what).toBeLessThan(1.6 * seconds + 0.9);
      }
    }
  });

  it('is the same take for the same seed and another take for another seed', async () => {
    const tracks = analyseReference(await realReference(REAL_SOUNDS[2]));
    for (const family of IMITATOR_FAMILIES) {
      const a = render(family, tracks, 3);
      const b = render(family, tracks, 3);
      const c = render(family, tracks, 4);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), family.id).toBe(true);
      expect(a.length === c.length && Buffer.from(a.buffer).equals(Buffer.from(c.buffer)), family.id).toBe(false);
    }
  });
});
