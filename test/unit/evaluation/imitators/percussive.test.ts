import { describe, expect, it } from 'vitest';
import { resample } from '../../../../src-main/engine/audio/decode.ts';
import { analyseReference, IMITATION_SAMPLE_RATE, peakLoudness } from '../../../../src-main/engine/evaluation/imitators/analysis.ts';
import { formantFamily } from '../../../../src-main/engine/evaluation/imitators/formant.ts';
import { percussiveFamily } from '../../../../src-main/engine/evaluation/imitators/percussive.ts';
import { splitmix32 } from '../../../../src-main/engine/random.ts';
import { clickTrain, gatedChirp, REFERENCE_RATE } from './imitator-checks.ts';

const listen = (take: Float32Array): ReturnType<typeof analyseReference> => analyseReference(resample(take, IMITATION_SAMPLE_RATE, REFERENCE_RATE));

describe('the percussive imitator', () => {
  it('puts a mouth noise on every click of a click train, where the performer’s timeline puts it', () => {
    const clicks = [0.1, 0.35, 0.6, 1.0, 1.3];
    const tracks = analyseReference(clickTrain(clicks, 1.6));
    for (const seed of [1, 2, 3]) {
      const rand = splitmix32(seed);
      const style = { ...percussiveFamily.draw(rand), onsetSec: 0.2, eventJitterSec: 0 };
      const heard = listen(percussiveFamily.synthesise(tracks, style, rand)).onsets.map((o) => o.frame * 0.01);
      for (const t of clicks) {
        const expected = 0.2 + t * style.stretch;
        const nearest = Math.min(...heard.map((h) => Math.abs(h - expected)));
        expect(nearest, `seed ${seed}, click at ${t} s (heard ${heard.map((h) => h.toFixed(2)).join(' ')})`).toBeLessThan(0.03);
      }
      expect(heard.length, `seed ${seed}`).toBeLessThanOrEqual(clicks.length + 1);
    }
  });

  it('turns a whistle into noise: no steady pitch survives, where the formant voice keeps one', () => {
    const tracks = analyseReference(gatedChirp());
    // A tone's strongest peak glides smoothly; noise's jumps about between frames 40 ms apart (windows that do not overlap).
    const medianJumpOctaves = (take: Float32Array): number => {
      const back = listen(take);
      const peak = peakLoudness(back);
      const jumps: number[] = [];
      for (let i = 4; i < back.pitch.length; i++) {
        if (back.loudness[i] > 0.3 * peak && back.loudness[i - 4] > 0.3 * peak) jumps.push(Math.abs(Math.log2(back.pitch[i] / back.pitch[i - 4])));
      }
      return jumps.sort((x, y) => x - y)[jumps.length >> 1];
    };
    for (const seed of [1, 2, 3]) {
      const r = splitmix32(seed);
      expect(medianJumpOctaves(percussiveFamily.synthesise(tracks, percussiveFamily.draw(r), r)), `seed ${seed}`).toBeGreaterThan(0.15);
    }
    const r = splitmix32(1);
    expect(medianJumpOctaves(formantFamily.synthesise(tracks, formantFamily.draw(r), r))).toBeLessThan(0.08);
  });
});
