import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, expectedRandomMrr, harmonic, type ItemRef, type QueryRef, type SimilarityMatrix } from '../../../src-main/engine/evaluation/metrics.ts';

interface OfficialCase {
  name: string;
  similarity: Record<string, Record<string, number>>;
  groundTruth: Record<string, string>;
  queryClass: Record<string, string>;
  itemClass: Record<string, string>;
  official: { mrr: number; ndcg: number };
  bounds: Record<'optimistic' | 'pessimistic', { mrr: number; ndcg: number }>;
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/evaluation/official-metrics.json', import.meta.url), 'utf8')) as { cases: OfficialCase[] };

/** Reads the official {query: {item: score}} form back into a matrix, items in the order listed. */
function fromOfficialJson(c: OfficialCase): SimilarityMatrix {
  const queryIds = Object.keys(c.similarity);
  const itemIds = Object.keys(c.similarity[queryIds[0]]);
  const data = new Float64Array(queryIds.length * itemIds.length);
  queryIds.forEach((q, qi) => itemIds.forEach((it, ii) => (data[qi * itemIds.length + ii] = c.similarity[q][it])));
  return {
    queries: queryIds.map((id) => ({ id, class: c.queryClass[id], itemId: c.groundTruth[id] })),
    items: itemIds.map((id) => ({ id, class: c.itemClass[id] })),
    data,
  };
}

describe('metrics against the official QVIM code', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: default rule reproduces the official MRR and NDCG to 1e-9`, () => {
      const m = evaluate(fromOfficialJson(c));
      expect(m.ties).toBe('listed');
      expect(Math.abs(m.mrr - c.official.mrr)).toBeLessThan(1e-9);
      expect(Math.abs(m.ndcg - c.official.ndcg)).toBeLessThan(1e-9);
    });
    it(`${c.name}: optimistic and pessimistic bounds match an independent count`, () => {
      const sim = fromOfficialJson(c);
      const m = evaluate(sim);
      expect(m.bounds.mrr[0]).toBeCloseTo(c.bounds.optimistic.mrr, 12);
      expect(m.bounds.mrr[1]).toBeCloseTo(c.bounds.pessimistic.mrr, 12);
      expect(m.bounds.ndcg[0]).toBeCloseTo(c.bounds.optimistic.ndcg, 12);
      expect(m.bounds.ndcg[1]).toBeCloseTo(c.bounds.pessimistic.ndcg, 12);
      expect(evaluate(sim, { ties: 'optimistic' }).mrr).toBeCloseTo(c.bounds.optimistic.mrr, 12);
      expect(evaluate(sim, { ties: 'pessimistic' }).ndcg).toBeCloseTo(c.bounds.pessimistic.ndcg, 12);
    });
  }

  it('the tie case really has ties that move the result, the DEV-sized case none', () => {
    const [ties, dev] = fixture.cases.map((c) => evaluate(fromOfficialJson(c)));
    expect(ties.tiedQueries).toBeGreaterThan(10);
    expect(ties.bounds.mrr[0]).toBeGreaterThan(ties.mrr);
    expect(ties.bounds.mrr[1]).toBeLessThan(ties.mrr);
    expect(dev.tiedQueries).toBe(0);
    expect(dev.items).toBe(121);
  });
});

describe('metrics on hand-worked cases', () => {
  const items: ItemRef[] = [
    { id: 'A', class: 'x' },
    { id: 'B', class: 'x' },
    { id: 'C', class: 'y' },
  ];
  const queries: QueryRef[] = [
    { id: 'q1', class: 'x', itemId: 'A' },
    { id: 'q2', class: 'y', itemId: 'C' },
  ];
  // q1 ranks B, C, A: reference at 3; relevant A and B at 3 and 1.
  // q2 scores everything equally: listed order puts its reference C last.
  const sim: SimilarityMatrix = { queries, items, data: new Float32Array([0.2, 0.9, 0.5, 0.1, 0.1, 0.1]) };
  const ndcgQ1 = (1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3));

  it('listed ties (official)', () => {
    const m = evaluate(sim);
    expect(Array.from(m.ranks)).toEqual([3, 3]);
    expect(m.mrr).toBeCloseTo((1 / 3 + 1 / 3) / 2, 15);
    expect(m.ndcg).toBeCloseTo((ndcgQ1 + 0.5) / 2, 15);
    expect(m.recallAt).toEqual({ 1: 0, 5: 1, 10: 1 });
    expect(m.tiedQueries).toBe(1);
  });

  it('optimistic rank = 1 + #strictly higher, pessimistic = #scoring >= (own included)', () => {
    const opt = evaluate(sim, { ties: 'optimistic' });
    const pes = evaluate(sim, { ties: 'pessimistic' });
    expect(Array.from(opt.ranks)).toEqual([3, 1]);
    expect(Array.from(pes.ranks)).toEqual([3, 3]);
    expect(opt.mrr).toBeCloseTo((1 / 3 + 1) / 2, 15);
    expect(opt.ndcg).toBeCloseTo((ndcgQ1 + 1) / 2, 15);
    expect(pes.ndcg).toBeCloseTo((ndcgQ1 + 0.5) / 2, 15);
    expect(opt.recallAt[1]).toBe(0.5);
  });

  it('a reference listed first among equals ranks first under the listed rule only', () => {
    const m = evaluate({ queries: [{ id: 'q', class: 'x', itemId: 'A' }], items, data: new Float64Array([0.5, 0.5, 0.1]) });
    expect(m.ranks[0]).toBe(1);
    expect(m.ndcg).toBeCloseTo(1, 15);
    expect(m.bounds.mrr).toEqual([1, 0.5]);
    // B is relevant too, so the pessimistic order B, A still finds both relevant items first.
    expect(m.bounds.ndcg[1]).toBeCloseTo(1, 15);
  });

  it('NaN scores rank below every number', () => {
    const m = evaluate({ queries: [{ id: 'q', class: 'y', itemId: 'C' }], items, data: new Float64Array([Number.NaN, -5, -4]) });
    expect(m.ranks[0]).toBe(1);
  });

  it('per-class breakdown averages within each query class', () => {
    const m = evaluate(sim);
    expect(m.perClass.map((c) => [c.class, c.queries, c.items])).toEqual([
      ['x', 1, 2],
      ['y', 1, 1],
    ]);
    expect(m.perClass[0].ndcg).toBeCloseTo(ndcgQ1, 15);
    expect(m.perClass[1].mrr).toBeCloseTo(1 / 3, 15);
  });

  it('rejects a matrix whose shape or references do not add up', () => {
    expect(() => evaluate({ ...sim, data: new Float32Array(5) })).toThrow(/expected 2 queries x 3 items/);
    expect(() => evaluate({ ...sim, queries: [{ id: 'q', class: 'x', itemId: 'Z' }], data: new Float32Array(3) })).toThrow(/item "Z"/);
    expect(() => evaluate({ ...sim, queries: [queries[0], queries[0]] })).toThrow(/listed twice/);
  });

  it('expected random MRR is H_N / N (0.0444 for the 121 DEV items)', () => {
    expect(harmonic(3)).toBeCloseTo(11 / 6, 15);
    expect(expectedRandomMrr(121)).toBeCloseTo(0.0444, 4);
  });
});
