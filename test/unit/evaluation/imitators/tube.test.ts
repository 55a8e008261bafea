import { describe, expect, it } from 'vitest';
import { analyseReference, IMITATION_SAMPLE_RATE } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { tubeFamily } from '../../../../src-main/engine/evaluation/imitators/tube.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { REFERENCE_RATE, shareAbove } from './imitator-checks.ts';

/** One steady 200 Hz tone: dark for its first second, then with a strong 2.5 kHz partial (bright), same pitch. */
function darkThenBright(): Float32Array {
  const x = new Float32Array(2 * REFERENCE_RATE);
  for (let i = 0; i < x.length; i++) {
    const t = i / REFERENCE_RATE;
    x[i] = 0.5 * Math.sin(2 * Math.PI * 200 * t) + (t >= 1 ? 0.35 * Math.sin(2 * Math.PI * 2500 * t) : 0);
  }
  return x;
}

describe('the tube imitator', () => {
  it('moves its formants up when the reference brightens, at the same pitch: the tract changes shape', () => {
    const tracks = analyseReference(darkThenBright());
    for (const seed of [1, 2, 3]) {
      const rand = splitmix32(seed);
      const style = { ...tubeFamily.draw(rand), stretch: 1, onsetSec: 0.2, breathiness: 0.05, snrDb: 40 };
      const take = tubeFamily.synthesise(tracks, style, rand);
      const at = (s: number): number => Math.round((0.2 + s) * IMITATION_SAMPLE_RATE);
      const dark = shareAbove(take, at(0.3), at(0.9), 1000);
      const bright = shareAbove(take, at(1.3), at(1.9), 1000);
      expect(bright, `seed ${seed}`).toBeGreaterThan(2 * dark);
    }
  });

  it('whispers through a constriction where the reference is noise, and voices where it is a tone', () => {
    const x = new Float32Array(2 * REFERENCE_RATE);
    const rand = splitmix32(8);
    for (let i = 0; i < x.length; i++) x[i] = i < REFERENCE_RATE ? 0.5 * Math.sin((2 * Math.PI * 300 * i) / REFERENCE_RATE) : 0.4 * (rand() * 2 - 1);
    const tracks = analyseReference(x);
    const r = splitmix32(2);
    const style = { ...tubeFamily.draw(r), stretch: 1, onsetSec: 0.2, voicingBias: 0, snrDb: 40 };
    const take = tubeFamily.synthesise(tracks, style, r);
    const at = (s: number): number => Math.round((0.2 + s) * IMITATION_SAMPLE_RATE);
    // A voiced tract puts most of its power in the low harmonics; turbulence at a front constriction is broadband.
    expect(shareAbove(take, at(0.3), at(0.9), 2000)).toBeLessThan(0.2);
    expect(shareAbove(take, at(1.3), at(1.9), 2000)).toBeGreaterThan(0.4);
  });
});
