import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32, randomInt, shuffled, splitmix32, uniform } from '../../src-main/engine/random.ts';

/**
 * Both generators are kept because published figures were made with them: the first draws for
 * seed 42 are those of the implementations that made the README's and models/heads/*.md's numbers
 * (training/random.ts and evaluation/random.ts before they became one module).
 */
describe('seeded random numbers', () => {
  it('mulberry32 and splitmix32 draw the sequences the published figures were made with', () => {
    const m = mulberry32(42);
    expect(Array.from({ length: 4 }, () => m())).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    const s = splitmix32(42);
    expect(Array.from({ length: 4 }, () => s())).toEqual([0.21884025167673826, 0.9193855235353112, 0.07482402282766998, 0.772373452084139]);
  });

  it('mulberry32 replaces a zero seed, so seed 0 is not a stuck generator', () => {
    const draws = new Set(Array.from({ length: 100 }, mulberry32(0)));
    expect(draws.size).toBe(100);
  });

  it('draws stay in range and shuffled keeps every item once, leaving its input alone', () => {
    const r = splitmix32(7);
    for (let i = 0; i < 1000; i++) {
      const u = uniform(r, -2, 3);
      expect(u).toBeGreaterThanOrEqual(-2);
      expect(u).toBeLessThan(3);
      const k = randomInt(r, 5);
      expect(Number.isInteger(k) && k >= 0 && k < 5).toBe(true);
      expect(Number.isFinite(gaussian(r))).toBe(true);
    }
    const items = Array.from({ length: 30 }, (_, i) => i);
    const out = shuffled(items, mulberry32(3));
    expect(out).not.toEqual(items);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
    expect(items).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
