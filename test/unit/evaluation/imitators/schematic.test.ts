import { describe, expect, it } from 'vitest';
import { resample } from '../../../../src-main/engine/audio/decode.ts';
import { analyseReference, IMITATION_SAMPLE_RATE, peakLoudness, type ReferenceTracks } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { schematicFamily } from '../../../../src-main/engine/evaluation/imitators/schematic.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { gatedChirp, REFERENCE_RATE } from './imitator-checks.ts';

const listen = (take: Float32Array): ReferenceTracks => analyseReference(resample(take, IMITATION_SAMPLE_RATE, REFERENCE_RATE));

/** Seconds from the first to the last frame within 20 dB of the loudest. */
function activeSpan(t: ReferenceTracks): number {
  const peak = peakLoudness(t);
  const loud = Array.from(t.loudness).map((l, i) => (l > 0.1 * peak ? i : -1)).filter((i) => i >= 0);
  return (loud[loud.length - 1] - loud[0] + 1) * t.hopSec;
}

describe('the schematic imitator', () => {
  it('tells six gated notes with fewer events, in a span within 40 % of the original', () => {
    const tracks = analyseReference(gatedChirp());
    expect(tracks.onsets.length).toBe(6);
    const span = activeSpan(tracks);
    let fewer = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const heard = listen(schematicFamily.synthesise(tracks, schematicFamily.draw(splitmix32(seed)), splitmix32(seed + 50)));
      expect(heard.onsets.length, `seed ${seed}`).toBeLessThanOrEqual(6);
      if (heard.onsets.length < 6) fewer++;
      // 40 % plus the frames a swelling gesture spends under the 20 dB line at its edges.
      expect(activeSpan(heard), `seed ${seed}`).toBeGreaterThan(0.6 * span - 0.1);
      expect(activeSpan(heard), `seed ${seed}`).toBeLessThan(1.4 * span + 0.05);
    }
    expect(fewer).toBeGreaterThanOrEqual(3);
  });

  it('exaggerates a gentle rise: the sweep climbs 1.5-2.5 times as far as the reference', () => {
    const x = new Float32Array(REFERENCE_RATE);
    let phase = 0;
    for (let i = 0; i < x.length; i++) {
      phase += (300 * 1.5 ** (i / x.length)) / REFERENCE_RATE;
      x[i] = 0.5 * Math.sin(2 * Math.PI * phase);
    }
    const tracks = analyseReference(x);
    // Rise over the sounding part: least-squares slope of log pitch against time, times the active span.
    const rise = (t: ReferenceTracks): number => {
      const peak = peakLoudness(t);
      const points = Array.from(t.pitch).map((p, i): [number, number] => [i * t.hopSec, Math.log2(p)]).filter((_, i) => t.loudness[i] > 0.1 * peak);
      const mt = points.reduce((s, [x]) => s + x, 0) / points.length;
      const mp = points.reduce((s, [, y]) => s + y, 0) / points.length;
      const slope = points.reduce((s, [x, y]) => s + (x - mt) * (y - mp), 0) / points.reduce((s, [x]) => s + (x - mt) ** 2, 0);
      return slope * activeSpan(t);
    };
    const original = rise(tracks);
    expect(original).toBeGreaterThan(0.5);
    for (const seed of [1, 2, 3, 4]) {
      const rand = splitmix32(seed);
      const style = schematicFamily.draw(rand);
      const heard = listen(schematicFamily.synthesise(tracks, style, rand));
      expect(rise(heard) / original, `seed ${seed} (exaggeration ${style.exaggeration.toFixed(2)})`).toBeGreaterThan(1.2);
      expect(rise(heard) / original, `seed ${seed} (exaggeration ${style.exaggeration.toFixed(2)})`).toBeLessThan(3);
    }
  });
});
