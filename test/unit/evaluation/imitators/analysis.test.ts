import { describe, expect, it } from 'vitest';
import { analyseReference } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { clickTrain, gatedChirp, REFERENCE_RATE } from './imitator-checks.ts';

describe('the shared reference analysis: onsets', () => {
  it('finds every click of a click train, as sharp hits', () => {
    const times = [0.1, 0.4, 0.55, 0.9];
    const { onsets } = analyseReference(clickTrain(times, 1.2));
    expect(onsets.map((o) => o.frame * 0.01)).toHaveLength(times.length);
    onsets.forEach((o, k) => {
      expect(Math.abs(o.frame * 0.01 - times[k])).toBeLessThanOrEqual(0.02);
      expect(o.attackSec).toBeLessThan(0.03);
      expect(o.riseDb).toBeGreaterThan(20);
    });
  });

  it('counts a note that starts, not one that stops: a tone gated four times a second has one onset per note', () => {
    const { onsets } = analyseReference(gatedChirp());
    expect(onsets).toHaveLength(6);
    onsets.forEach((o, k) => expect(Math.abs(o.frame - 25 * k), `note ${k}`).toBeLessThanOrEqual(1));
  });

  it('tells a swell from a hit by its attack time', () => {
    const x = new Float32Array(REFERENCE_RATE);
    const rand = splitmix32(5);
    for (let i = 0; i < x.length; i++) x[i] = Math.min(1, i / (0.3 * REFERENCE_RATE)) * 0.5 * (rand() * 2 - 1);
    const { onsets } = analyseReference(x);
    expect(onsets).toHaveLength(1);
    expect(onsets[0].attackSec).toBeGreaterThan(0.15);
  });
});
